import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SETTINGS } from '../../src/config/settings.js';

const root = path.join(import.meta.dirname, '..', '..', '..');
const table = readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
const exampleEnv = readFileSync(path.join(root, 'config', 'example.env'), 'utf8');

test('every setting the code reads is in the configuration table of docs/configuration.md', () => {
  const documented = new Set([...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  const missing = SETTINGS.map((s) => s.name).filter((name) => !documented.has(name));
  assert.deepEqual(missing, []);
  const unknown = [...documented].filter((name) => !SETTINGS.some((s) => s.name === name));
  assert.deepEqual(unknown, [], 'docs/configuration.md documents a setting the code does not read');
});

test('every setting is in config/example.env (set or commented out)', () => {
  const listed = new Set([...exampleEnv.matchAll(/^#? ?([A-Z0-9_]+)=/gm)].map((m) => m[1]));
  assert.deepEqual(SETTINGS.map((s) => s.name).filter((name) => !listed.has(name)), []);
});

test('the configuration table states each default exactly as the code does', () => {
  for (const setting of SETTINGS) {
    const row = table.split('\n').find((line) => line.startsWith(`| \`${setting.name}\` |`));
    const expected = 'default' in setting ? `\`${setting.default}\`` : '';
    assert.ok(row?.split('|')[2]?.trim() === expected, `${setting.name}: docs/configuration.md default should be ${expected || '(empty)'}`);
  }
});
