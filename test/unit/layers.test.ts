// The folder rule of src/: read → plan → apply, one way. A folder imports only
// folders on its own level or below, no two folders import each other, no file
// cycle, and the pure core (src/sync/) does no I/O.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Each folder's level: a folder may import its own level and those below. */
const LEVEL: Record<string, number> = { cli: 6, service: 5, run: 4, ldap: 3, db: 3, pictures: 3, config: 2, sync: 1, text: 0, log: 0 };
/** Packages and Node modules that do I/O: never imported by the pure core. */
const IO_MODULES = /^(pg|better-sqlite3|ldapts|kysely|sharp|winston|node:(fs|net|http|https|tls|dgram|child_process|worker_threads|crypto)(\/.*)?|fs|net|http|https)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** File (relative to src/) → what it imports: src files (relative to src/, .ts) and package names. */
function importGraph(): Map<string, { files: string[]; packages: string[] }> {
  const graph = new Map<string, { files: string[]; packages: string[] }>();
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'([^']+)'/g)].map((m) => m[1] as string);
    const files = specifiers.filter((s) => s.startsWith('.')).map((s) => path.relative(src, path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts'));
    const packages = specifiers.filter((s) => !s.startsWith('.'));
    graph.set(path.relative(src, file), { files, packages });
  }
  return graph;
}

const folderOf = (file: string) => file.split(path.sep)[0] as string;
const graph = importGraph();

test('every src/ folder has a level, and imports only its own level and below', () => {
  const wrong: string[] = [];
  for (const [file, { files }] of graph) {
    const from = folderOf(file);
    assert.ok(from in LEVEL, `${from}/ has no level in this test: place it in the pipeline`);
    for (const target of files) {
      const to = folderOf(target);
      if ((LEVEL[to] ?? Infinity) > (LEVEL[from] as number)) wrong.push(`${file} → ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the pure core (src/sync/) imports no I/O: no database, no LDAP connection, no files or sockets', () => {
  const wrong: string[] = [];
  for (const [file, { files, packages }] of graph) {
    if (folderOf(file) !== 'sync') continue;
    for (const target of files) if (!['sync', 'text'].includes(folderOf(target))) wrong.push(`${file} → ${target}`);
    for (const name of packages) if (IO_MODULES.test(name)) wrong.push(`${file} → ${name}`);
  }
  assert.deepEqual(wrong, []);
});

test('no two src/ folders import each other', () => {
  const edges = new Set<string>();
  for (const [file, { files }] of graph) for (const target of files) if (folderOf(file) !== folderOf(target)) edges.add(`${folderOf(file)} → ${folderOf(target)}`);
  const twoWay = [...edges].filter((edge) => edges.has(edge.split(' → ').reverse().join(' → ')));
  assert.deepEqual(twoWay, []);
});

test('no file import cycle in src/', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const target of graph.get(file)?.files ?? []) visit(target, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});
