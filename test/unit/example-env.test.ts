import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';

const FILE = path.join(import.meta.dirname, '..', '..', '..', 'config', 'example.env');
const text = readFileSync(FILE, 'utf8');

/**
 * Docker's --env-file rules: a line starting with # (after leading blanks) or
 * an empty line is skipped; KEY=VALUE sets VALUE exactly as written, quotes
 * and trailing blanks included.
 */
function dockerEnvFile(content: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of content.split('\n')) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `docker would read "${line}" as a variable taken from its own environment`);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** What a shell exports after `set -a; . file`, for the names the file sets. */
function sourced(shell: string, names: string[]): Record<string, string> {
  const script = `set -a; . "$1"; for n in ${names.join(' ')}; do eval "v=\\\${$n-__unset__}"; printf '%s=%s\\0' "$n" "$v"; done`;
  const out = execFileSync(shell, ['-c', script, shell, FILE], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' });
  const env: Record<string, string> = {};
  for (const pair of out.split('\0').filter(Boolean)) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

const docker = dockerEnvFile(text);
const names = Object.keys(docker);

test('example.env: every value is in the character set systemd, Docker and a shell all read literally', () => {
  // systemd's EnvironmentFile strips quotes and backslashes, Docker keeps them, a shell
  // splits on blanks and parses ( ) ; & | < > $ ` as syntax: none of them may appear.
  for (const [name, value] of Object.entries(docker)) {
    assert.match(name, /^[A-Z][A-Z0-9_]*$/);
    assert.match(value, /^[A-Za-z0-9@%+,./:=_-]*$/, `${name}=${value} would be read differently by systemd, Docker or a shell`);
  }
});

for (const shell of ['bash', 'sh']) {
  test(`example.env: \`set -a; . file\` in ${shell} exports exactly what Docker's --env-file reads`, () => {
    assert.deepEqual(sourced(shell, names), docker);
  });
}

test('example.env: the config loader reads the file as Docker does, and the commented defaults apply', () => {
  const fromDocker = loadConfig(docker);
  const fromShell = loadConfig(sourced('sh', names));
  assert.deepEqual(fromShell, fromDocker);
  assert.equal(fromDocker.ldap.userFilter, '(objectClass=person)');
  assert.equal(fromDocker.ldap.groupFilter, '(objectClass=groupOfNames)');
  assert.equal(fromDocker.service.schedule, '@every 1h');
  assert.equal(fromDocker.ldap.bindDn, 'cn=pocket-id,ou=services,dc=example,dc=com');
});

test('example.env: the commented-out filters and schedule are still listed with their defaults', () => {
  assert.match(text, /^# LDAP_USER_SEARCH_FILTER=\(objectClass=person\)$/m);
  assert.match(text, /^# LDAP_USER_GROUP_SEARCH_FILTER=\(objectClass=groupOfNames\)$/m);
  assert.match(text, /^# LDAP_SYNC_SCHEDULE=@every 1h$/m);
});
