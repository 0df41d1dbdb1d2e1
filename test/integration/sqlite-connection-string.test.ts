// The forms DB_CONNECTION_STRING takes for SQLite, as in Pocket ID: plain paths and file: URIs,
// absolute or relative to the working directory (the real CLI, run in a directory of its own), and
// a missing file named in the error with nothing created.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCommand } from '../support/daemon-process.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { syncWith, testEnv } from '../support/sync-harness.js';
import { createSqliteFile, createTestDatabase, type TestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

/** An absolute path as a URI path: each segment percent-encoded. */
const encodePath = (file: string) => file.split('/').map(encodeURIComponent).join('/');

function countUsers(file: string): number {
  const handle = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return handle.prepare<[], { n: number }>("SELECT count(*) AS n FROM users WHERE ldap_id IS NOT NULL").get()?.n ?? -1;
  } finally {
    handle.close();
  }
}

describe('DB_CONNECTION_STRING forms for SQLite', () => {
  let slapd: SlapdInstance;
  let base: TestDatabase;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sqlite-forms-'));
    dirs.push(dir);
    return dir;
  };
  const env = (connectionString: string) => testEnv(slapd, base, { DB_CONNECTION_STRING: connectionString });
  before(async () => {
    slapd = await startSlapd();
    base = await createTestDatabase('sqlite');
  });
  after(async () => {
    await base.close();
    await slapd.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('absolute forms: a plain path, file: URIs with query parameters, file:///, file://localhost/', async () => {
    const forms: [string, (file: string) => string][] = [
      ['plain path', (file) => file],
      ['file: URI with query', (file) => `file:${encodePath(file)}?_pragma=busy_timeout(5000)&_txlock=immediate`],
      ['file:/// URI', (file) => `file://${encodePath(file)}?_pragma=journal_mode(WAL)`],
      ['file://localhost/ URI', (file) => `file://localhost${encodePath(file)}`],
    ];
    for (const [what, form] of forms) {
      const file = path.join(freshDir(), 'data', 'pocket id.db'); // a space: URIs carry it as %20
      createSqliteFile(file).close();
      const outcome = await syncWith(env(form(file)));
      assert.ifError(outcome.error);
      assert.equal(countUsers(file), 28, `${what}: ${form(file)}`);
    }
  });

  test('relative forms resolve against the working directory, as in Pocket ID (empty: data/pocket-id.db)', async () => {
    for (const form of ['data/pocket-id.db', './data/pocket-id.db', 'file:data/pocket-id.db?_pragma=busy_timeout(2500)', '']) {
      const dir = freshDir();
      const file = path.join(dir, 'data', 'pocket-id.db');
      createSqliteFile(file).close();
      const run = await runCommand(['sync'], env(form), { cwd: dir });
      assert.equal(run.code, 0, `${JSON.stringify(form)}: ${run.stdout}${run.stderr}`);
      assert.equal(countUsers(file), 28, JSON.stringify(form));
    }
  });

  test('a missing file is an error naming the path, and nothing is created', async () => {
    const dir = freshDir();
    const missing = path.join(dir, 'not-mounted', 'pocket-id.db');
    const absolute = await runCommand(['sync'], env(missing));
    const absoluteOutput = absolute.stdout + absolute.stderr;
    assert.equal(absolute.code, 1, absoluteOutput);
    assert.ok(absoluteOutput.includes(`SQLite database ${missing} does not exist`), absoluteOutput);
    assert.ok(!existsSync(path.dirname(missing)), 'no directory or file was created');

    const relative = await runCommand(['sync'], env('file:data/pocket-id.db?_pragma=busy_timeout(5000)'), { cwd: dir });
    const relativeOutput = relative.stdout + relative.stderr;
    assert.equal(relative.code, 1, relativeOutput);
    assert.ok(
      relativeOutput.includes(`SQLite database data/pocket-id.db (${path.join(dir, 'data', 'pocket-id.db')}) does not exist`),
      `a relative path is shown resolved against the working directory too: ${relativeOutput}`,
    );
    assert.ok(!existsSync(path.join(dir, 'data')));
  });
});
