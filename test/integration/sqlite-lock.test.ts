// SQLite with a concurrent writer (Pocket ID in the middle of a write), the real CLI in its own
// process as an operator or a cron job runs it: a lock held past the busy timeout fails the run
// cleanly and writes nothing; one released in time is waited for.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/db/sqlite/sqlite-connection.js';
import { runCommand, startDaemon } from '../support/daemon-process.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { testEnv } from '../support/sync-harness.js';
import { createTestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

describe('SQLite with a concurrent writer (Pocket ID in the middle of a write)', () => {
  /** A second connection, as Pocket ID's own: BEGIN IMMEDIATE and a write not yet committed. */
  function holdWriteLock(file: string): Database.Database {
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO kv (key, value) VALUES ('pocket-id-write', 'pending')").run();
    return holder;
  }

  test(`a lock held past the busy timeout (${SQLITE_BUSY_TIMEOUT_MS} ms): the run waits, fails cleanly, writes nothing; the next run succeeds`, async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    const env = testEnv(slapd, db);
    try {
      const before = await db.dump();
      const holder = holdWriteLock(db.connectionString);
      const started = performance.now();
      const blocked = await runCommand(['sync'], env);
      const ms = performance.now() - started;
      process.stdout.write(`# CLI run blocked by a held lock: ${ms.toFixed(0)} ms until exit (busy timeout ${SQLITE_BUSY_TIMEOUT_MS} ms)\n`);
      assert.equal(blocked.code, 1, `exit status 1\n${blocked.stdout}${blocked.stderr}`);
      assert.ok(ms >= SQLITE_BUSY_TIMEOUT_MS, `waited the busy timeout first (${ms.toFixed(0)} ms)`);
      assert.ok(ms < SQLITE_BUSY_TIMEOUT_MS + 10_000, `then gave up (${ms.toFixed(0)} ms)`);
      // The wording of the CLI's log lines is not this test's business; the error it carries is.
      const output = blocked.stdout + blocked.stderr;
      const failure = output.split('\n').find((line) => / ERR /.test(line) && line.includes('locked'));
      assert.ok(failure, `an ERR line reports the locked database:\n${output}`);
      assert.ok(failure.includes(db.connectionString), `the error names the database file: ${failure}`);
      assert.match(failure, new RegExp(`${SQLITE_BUSY_TIMEOUT_MS} ms`), 'and how long it waited');
      assert.match(failure, /nothing was written/);
      assert.equal(await db.dump(), before, 'nothing half-written');

      holder.exec('COMMIT');
      holder.close();
      const later = await runCommand(['sync'], env);
      assert.equal(later.code, 0, later.stdout + later.stderr);
      assert.equal((await db.users()).length, 28);
      const kv = await runCommand(['sync'], env); // and again: idempotent, no lock left behind
      assert.equal(kv.code, 0, kv.stdout + kv.stderr);
    } finally {
      await db.close();
      await slapd.stop();
    }
  });

  test('a lock released within the busy timeout: the run waits its turn and succeeds, both writes kept', async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    try {
      const holder = holdWriteLock(db.connectionString);
      const run = startDaemon(testEnv(slapd, db, { LOG_LEVEL: 'debug' }), ['sync']);
      // Taken when the process ends, not when this test gets to look.
      const endedAt = run.exited.then(() => performance.now());
      // Once the directory is read the run is only planning (milliseconds of CPU) before its BEGIN
      // IMMEDIATE: the lock is then held for HOLD_MS more, so the run must wait for it.
      await run.waitFor(/ DBG LDAP directory read /, { timeoutMs: 60_000 });
      const HOLD_MS = 1000;
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
      holder.exec('COMMIT');
      holder.close();
      const released = performance.now();
      assert.equal(await run.exited, 0, run.output());
      assert.ok((await endedAt) >= released, 'the run finished only after the lock was released');
      assert.equal((await db.users()).length, 28);
      const check = new Database(db.connectionString, { readonly: true });
      assert.deepEqual(check.prepare("SELECT value FROM kv WHERE key = 'pocket-id-write'").get(), { value: 'pending' });
      check.close();
    } finally {
      await db.close();
      await slapd.stop();
    }
  });
});
