// Fault injection in the middle of a PostgreSQL transaction that has already written: the server
// restarted, or the CLI killed with SIGKILL. Nothing lands, the run fails cleanly, and the next
// healthy run succeeds (DESIGN.md §6).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startDaemon, type DaemonProcess } from '../support/daemon-process.js';
import { assertChangesLanded, changeDirectory } from '../support/fault-fixture.js';
import { dumpDatabase, holdLock, waitForLockWaiter, waitForNoBackends } from '../support/fault-tools.js';
import { startPostgres, type PgCluster } from '../support/postgres.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

/**
 * Runs `pocket-id-ldap-sync sync` as a child process (the way a cron job or Kubernetes Job runs it)
 * until its transaction has written (alice's update) and then waits on the row lock of team01,
 * held by the test; `fault` strikes there. Returns the CLI's exit and output.
 */
async function cliStuckInApply(connectionString: string, env: Record<string, string>, fault: (cli: DaemonProcess) => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  // The run updates alice (users) first, then team01 (user_groups): it blocks on team01.
  const lock = await holdLock(connectionString, `SELECT id FROM user_groups WHERE name = 'team01' FOR UPDATE`);
  const cli = startDaemon(env, ['sync']);
  try {
    const waiter = await waitForLockWaiter(connectionString, [lock.pid]).catch((error: Error) => {
      throw new Error(`${error.message}\n${cli.output()}`);
    });
    assert.notEqual(waiter.backendXid, null, 'the run has already written in its transaction');
    assert.match(waiter.query, /UPDATE user_groups/);
    await fault(cli);
    const code = await cli.exited;
    return { code, signal: cli.child.signalCode, output: cli.output() };
  } finally {
    cli.child.kill('SIGKILL');
    // After a SIGKILL the orphaned statement runs once the lock is gone; its backend then finds the client gone and rolls back.
    await lock.release();
  }
}

describe('faults with postgres only', () => {
  // A cluster of its own: restarting the shared one would cut other test files' connections.
  let cluster: PgCluster | undefined;
  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const [name, check] of [
    ['changes nothing; the next run succeeds', (exit: { code: number | null; output: string }) => assert.notEqual(exit.code, 0, exit.output)],
    [
      'fails the run cleanly: exit status 1 and one ERR line, no crash',
      (exit: { code: number | null; output: string }) => {
        assert.equal(exit.code, 1, exit.output);
        const errors = exit.output.split('\n').filter((line) => / ERR /.test(line));
        assert.equal(errors.length, 1, exit.output);
        assert.match(errors[0]!, / error="?Connection terminated unexpectedly/);
        assert.doesNotMatch(exit.output, /\n\s+at /, 'no stack trace of an uncaught exception');
      },
    ],
  ] as const) {
    // Before 97ef23d pg's "error" event on the checked-out client killed the process with an uncaught exception.
    test(`fault postgres: PostgreSQL restarted during apply (after earlier writes of the transaction) ${name}`, async () => {
      const slapd = await startSlapd();
      try {
        const connectionString = await cluster!.createDatabase();
        const env = testEnv(slapd, { connectionString } as TestDatabase);
        assert.ifError((await syncWith(env)).error);
        await changeDirectory(slapd);
        const before = await dumpDatabase('postgres', connectionString);
        const exit = await cliStuckInApply(connectionString, env, () => cluster!.restart());
        check(exit);
        assert.equal(await dumpDatabase('postgres', connectionString), before);
        const healthy = await syncWith(env);
        assert.ifError(healthy.error);
        assert.equal(healthy.result!.summary.users.updated, 1);
        assert.equal(healthy.result!.summary.memberships.added, 1);
        assert.notEqual(await dumpDatabase('postgres', connectionString), before);
      } finally {
        await slapd.stop();
      }
    });
  }

  test('fault postgres: the daemon killed with SIGKILL during apply (after earlier writes of the transaction) changes nothing; the next run succeeds', async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('postgres');
    try {
      const env = testEnv(slapd, db);
      assert.ifError((await syncWith(env)).error);
      await changeDirectory(slapd);
      const before = await db.dump();
      const exit = await cliStuckInApply(db.connectionString, env, async (cli) => {
        await cli.stop('SIGKILL');
      });
      assert.equal(exit.signal, 'SIGKILL');
      // Every backend of the killed process has gone (the test's own pool connection stays).
      const own = (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db.db)).rows[0]!.pid;
      await waitForNoBackends(db.connectionString, [own]);
      assert.equal(await db.dump(), before);
      await assertChangesLanded(db, await syncWith(env));
    } finally {
      await db.close();
      await slapd.stop();
    }
  });
});
