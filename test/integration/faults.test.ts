// Fault injection: every failed run must leave Pocket ID's database byte for
// byte as it was, and the next healthy run must succeed (DESIGN.md §6).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import {
  defaultSlapdLimits,
  dumpDatabase,
  freezeProcess,
  holdLock,
  setSlapdLimits,
  startSilentServer,
  waitForLockWaiter,
  waitForNoBackends,
} from '../support/fault-tools.js';
import { sharedPostgres, startPostgres, type PgCluster } from '../support/postgres.js';
import { DEFAULT_LDIF_PATH, startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { ldapAdmin, startFixture, syncWith, testEnv, type SyncFixture, type SyncOutcome } from '../support/sync-harness.js';
import { createTestDatabase, DB_KINDS, type DbKind, type TestDatabase } from '../support/test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';
const CLI = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
/** Users the default fixture syncs without local rows (30 entries; "bad user" and nomail are skipped). */
const SYNCED_USERS = 28;

after(stopAllSlapd);

/** The default directory plus an entry that is a referral to another server. */
const REFERRAL_LDIF = `${readFileSync(DEFAULT_LDIF_PATH, 'utf8').trimEnd()}

dn: ou=elsewhere,dc=example,dc=com
objectClass: referral
objectClass: extensibleObject
ou: elsewhere
ref: ldap://ldap.other.example/ou=people,dc=other,dc=example
`;

/** A directory, a Pocket ID database, and one healthy sync already done. */
async function fixture(kind: DbKind, options: { ldif?: string; env?: Record<string, string> } = {}): Promise<SyncFixture> {
  const started = await startFixture(kind, options);
  const first = await syncWith(started.env);
  assert.ifError(first.error);
  return started;
}

/** Some LDAP change, so that a run that got through would write something. */
async function changeDirectory(slapd: SlapdInstance): Promise<void> {
  await ldapAdmin(slapd, async (client) => {
    await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.new@example.com'] }) })]);
    await client.modify(`cn=team01,${GROUPS}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
  });
}

/** After a healthy run following changeDirectory(): both changes landed. */
async function assertChangesLanded(db: TestDatabase, outcome: SyncOutcome): Promise<void> {
  assert.ifError(outcome.error);
  assert.equal(outcome.result!.summary.users.updated, 1);
  assert.equal(outcome.result!.summary.memberships.added, 1);
  assert.equal((await db.user('alice'))!.email, 'alice.new@example.com');
  assert.ok((await db.memberships()).includes('team01:user20'));
}

function assertFailed(outcome: SyncOutcome, pattern: RegExp): Error {
  assert.ok(outcome.error, 'the run must fail');
  assert.equal(outcome.result, undefined);
  assert.match(outcome.error.message, pattern);
  return outcome.error;
}

for (const kind of DB_KINDS) {
  describe(`faults with ${kind}`, () => {
    for (const [phase, marker, occurrence, error, userFilter] of [
      // The second request of the user search asks for page 2: page 1 was already read.
      ['during the user search (after its first page)', 'inetOrgPerson', 2, /failed to query LDAP users: /, undefined],
      ['during the group search (after its first page)', 'groupOfNames', 2, /failed to query LDAP groups: /, undefined],
      // jdoe is not read by the user search, so its member DN (no uid in it) is looked up by DN.
      ['during a member lookup', 'CN=Doe\\2C John', 1, /failed to look up group member CN=Doe\\2C John,OU=People,DC=Example,DC=COM: /, '(&(objectClass=inetOrgPerson)(!(uid=jdoe)))'],
    ] as const) {
      test(`fault ${kind}: slapd killed ${phase} changes nothing; the next run succeeds`, async () => {
        const f = await fixture(kind, userFilter ? { env: { LDAP_USER_SEARCH_FILTER: userFilter } } : {});
        const proxy = await startCuttingProxy(f.slapd.url);
        try {
          await changeDirectory(f.slapd);
          const before = await f.db.dump();
          const killed = proxy.onRequest(marker, () => f.slapd.kill(), { occurrence });
          const failed = await syncWith({ ...f.env, LDAP_URL: proxy.url });
          await killed;
          assertFailed(failed, error);
          assert.equal(await f.db.dump(), before);
          await f.slapd.start();
          await assertChangesLanded(f.db, await syncWith({ ...f.env, LDAP_URL: proxy.url }));
        } finally {
          await proxy.close();
          await f.done();
        }
      });
    }

    // Timeouts strike before any database work: they run against PostgreSQL only, and are reported skipped for SQLite.
    const timeoutSkip = kind === 'postgres' ? false : 'an LDAP timeout strikes before any database work: the PostgreSQL run covers it';

    test(`fault ${kind}: slapd frozen (SIGSTOP) during the group search fails within ~2 s with LDAP_TIMEOUT=1`, { skip: timeoutSkip }, async () => {
      const f = await fixture(kind);
      const proxy = await startCuttingProxy(f.slapd.url);
      const pid = f.slapd.pid;
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        const frozen = proxy.onRequest('groupOfNames', () => freezeProcess(pid));
        const started = performance.now();
        const failed = await syncWith({ ...f.env, LDAP_URL: proxy.url, LDAP_TIMEOUT: '1' });
        const elapsed = performance.now() - started;
        await frozen;
        assertFailed(failed, /failed to query LDAP groups: .*time/i);
        assert.ok(elapsed < 2500, `took ${Math.round(elapsed)} ms`);
        assert.equal(await f.db.dump(), before);
        process.kill(pid, 'SIGCONT');
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        process.kill(pid, 'SIGCONT');
        await proxy.close();
        await f.done();
      }
    });

    test(`fault ${kind}: a wrong bind password fails the run and changes nothing`, async () => {
      const f = await fixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BIND_PASSWORD: 'wrong' }), /failed to bind to LDAP as cn=reader,dc=example,dc=com: invalid credentials.*\(LDAP result 49\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a base DN that does not exist fails the run and changes nothing`, async () => {
      const f = await fixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BASE: 'ou=nowhere,dc=example,dc=com' }), /failed to query LDAP users: no such object.*\(LDAP result 32\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a referral as the search base fails the run and changes nothing`, async () => {
      const f = await fixture(kind, { ldif: REFERRAL_LDIF });
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BASE: 'ou=elsewhere,dc=example,dc=com' }), /failed to query LDAP users: .*\(LDAP result 10\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a server size limit that breaks paging (size.prtotal=10) fails the run and changes nothing`, async () => {
      const f = await fixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        await setSlapdLimits(f.slapd, 'size.soft=5 size.hard=5 size.pr=noEstimate size.prtotal=10');
        assertFailed(await syncWith(f.env), /failed to query LDAP users: size limit exceeded.*\(LDAP result 4\)/);
        assert.equal(await f.db.dump(), before);
        await setSlapdLimits(f.slapd, defaultSlapdLimits(5));
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a server that accepts and never answers fails within ~2 s with LDAP_TIMEOUT=1`, { skip: timeoutSkip }, async () => {
      const f = await fixture(kind);
      const silent = await startSilentServer();
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        const started = performance.now();
        const failed = await syncWith({ ...f.env, LDAP_URL: silent.url, LDAP_TIMEOUT: '1' });
        const elapsed = performance.now() - started;
        assertFailed(failed, new RegExp(`failed to (connect to|bind to) LDAP .*time`, 'i'));
        assert.ok(silent.accepted >= 1, 'the client did connect');
        assert.ok(elapsed < 2500, `took ${Math.round(elapsed)} ms`);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await silent.close();
        await f.done();
      }
    });

    // The deletion guard (DESIGN.md §6): a filter that reads nobody, or half.
    const NOBODY = '(&(objectClass=inetOrgPerson)(uid=nobody-at-all))';
    // Leaves out user01..user13: 13 of the 28 synced users.
    const HALF = '(&(objectClass=inetOrgPerson)(!(|(uid=user0*)(uid=user10)(uid=user11)(uid=user12)(uid=user13))))';
    for (const [what, filter, removed, verdict] of [
      ['a user filter that matches nothing', NOBODY, SYNCED_USERS, `the user search returned no entries while ${SYNCED_USERS} LDAP users exist in Pocket ID`],
      ['a user filter that matches half the users', HALF, 13, `this run would disable or delete 13 of ${SYNCED_USERS} LDAP users, more than LDAP_SYNC_DELETE_THRESHOLD=20% allows (5)`],
    ] as const) {
      test(`guard ${kind}: ${what} trips the deletion guard: the run fails, nothing is written, the ERROR names the numbers`, async () => {
        const f = await fixture(kind);
        try {
          const before = await f.db.dump();
          const failed = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter });
          const error = assertFailed(failed, /^deletion guard: /);
          assert.ok(error.message.includes(verdict), error.message);
          assert.match(error.message, /LDAP_SYNC_DELETE_THRESHOLD/);
          const errors = failed.logs.split('\n').filter((line) => / ERR /.test(line));
          assert.equal(errors.length, 1, failed.logs);
          assert.match(errors[0]!, /ERR Deletion guard refused the run detail=/);
          assert.ok(errors[0]!.includes(verdict), errors[0]);
          assert.match(errors[0]!, /LDAP_SYNC_DELETE_THRESHOLD/);
          assert.equal(await f.db.dump(), before);
          // The next healthy run (the usual filter) succeeds and changes nothing.
          const healthy = await syncWith(f.env);
          assert.ifError(healthy.error);
          assert.equal(await f.db.dump(), before);
        } finally {
          await f.done();
        }
      });

      test(`guard ${kind}: ${what} goes through with LDAP_SYNC_DELETE_THRESHOLD=100%`, async () => {
        const f = await fixture(kind);
        try {
          const outcome = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter, LDAP_SYNC_DELETE_THRESHOLD: '100%' });
          assert.ifError(outcome.error);
          assert.equal(outcome.result!.summary.users.disabled, removed);
          assert.equal((await f.db.users()).filter((u) => u.ldap_id !== null && u.disabled).length, removed);
        } finally {
          await f.done();
        }
      });

      test(`guard ${kind}: ${what} goes through for one run with allowMassDelete, with a WARN`, async () => {
        const f = await fixture(kind);
        try {
          const outcome = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter }, { allowMassDelete: true });
          assert.ifError(outcome.error);
          assert.equal(outcome.result!.summary.users.disabled, removed);
          assert.match(outcome.logs, /WRN Deletion guard overridden for this run/);
          assert.ok(outcome.logs.includes(verdict));
          // The override was for that run only.
          assertFailed(await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: NOBODY }), /^deletion guard: /);
        } finally {
          await f.done();
        }
      });
    }

    test(`schema ${kind}: a dirty schema_migrations row is refused before LDAP is read; nothing is written`, async () => {
      const f = await fixture(kind);
      try {
        await changeDirectory(f.slapd);
        await sql`UPDATE schema_migrations SET dirty = ${kind === 'postgres' ? sql`true` : sql`1`}`.execute(f.db.db);
        const before = await f.db.dump();
        assertFailed(await syncWith(f.env), /^refusing to write: .*schema_migrations version 20260814120000 is marked dirty/);
        assert.equal(await f.db.dump(), before);
        await sql`UPDATE schema_migrations SET dirty = ${kind === 'postgres' ? sql`false` : sql`0`}`.execute(f.db.db);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`schema ${kind}: a newer schema version with matching columns syncs, with one WARN line`, async () => {
      const f = await fixture(kind);
      try {
        await changeDirectory(f.slapd);
        await sql`UPDATE schema_migrations SET version = 20990101000000`.execute(f.db.db);
        const outcome = await syncWith(f.env);
        await assertChangesLanded(f.db, outcome);
        const warnings = outcome.logs.split('\n').filter((line) => line.includes('schema version'));
        assert.equal(warnings.length, 1, outcome.logs);
        assert.match(warnings[0]!, /WRN schema version 20990101000000 is newer than 20260814120000, the newest this daemon was checked against; proceeding because the columns it writes still match/);
      } finally {
        await f.done();
      }
    });
  });
}

/** `pocket-id-ldap-sync sync` as a child process, the way a cron job or Kubernetes Job runs it. */
function spawnCli(env: Record<string, string>): { output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; kill: () => void } {
  const child = spawn(process.execPath, [CLI, 'sync'], { env: { ...env, PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { output: () => output, exited, kill: () => child.kill('SIGKILL') };
}

/**
 * Runs the CLI until its transaction has written (alice's update) and then
 * waits on the row lock of team01, held by the test; `fault` strikes there.
 * Returns the CLI's exit and output.
 */
async function cliStuckInApply(connectionString: string, env: Record<string, string>, fault: (cli: { kill: () => void }) => Promise<void>): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  // The run updates alice (users) first, then team01 (user_groups): it blocks on team01.
  const lock = await holdLock(connectionString, `SELECT id FROM user_groups WHERE name = 'team01' FOR UPDATE`);
  const cli = spawnCli(env);
  try {
    const waiter = await waitForLockWaiter(connectionString, [lock.pid]).catch((error: Error) => {
      throw new Error(`${error.message}\n${cli.output()}`);
    });
    assert.notEqual(waiter.backendXid, null, 'the run has already written in its transaction');
    assert.match(waiter.query, /UPDATE user_groups/);
    await fault(cli);
    const exit = await cli.exited;
    return { ...exit, output: cli.output() };
  } finally {
    cli.kill();
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
      const exit = await cliStuckInApply(db.connectionString, env, async (cli) => cli.kill());
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

  test('schema postgres: a database that is not Pocket ID\'s is refused and nothing is created in it', async () => {
    const slapd = await startSlapd();
    const cluster = await sharedPostgres();
    const connectionString = await cluster.createDatabase({ schema: false });
    const tables = async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        return (await client.query<{ name: string }>(`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    };
    try {
      const env = testEnv(slapd, { connectionString } as TestDatabase);
      const before = await tables();
      const failed = await syncWith(env);
      assertFailed(failed, /^refusing to write: this does not look like a Pocket ID database this daemon knows: no schema_migrations table.*table users is missing/);
      assert.deepEqual(await tables(), before);
      // The same daemon pointed at Pocket ID's database works.
      const pocketId = await createTestDatabase('postgres');
      try {
        assert.ifError((await syncWith(testEnv(slapd, pocketId))).error);
      } finally {
        await pocketId.close();
      }
    } finally {
      await slapd.stop();
    }
  });
});

describe('faults with sqlite only', () => {
  for (const [what, content] of [
    ['an empty SQLite file', () => Buffer.alloc(0)],
    ['another application\'s SQLite database', () => otherSqliteDatabase()],
  ] as const) {
    // Before 97ef23d the daemon switched the file to WAL before the schema check refused it.
    test(`schema sqlite: ${what} is refused and left byte for byte as it was`, async () => {
      const slapd = await startSlapd();
      const dir = mkdtempSync(path.join(tmpdir(), 'not-pocket-id-'));
      try {
        const file = path.join(dir, 'other.db');
        const bytes = content();
        writeFileSync(file, bytes);
        const failed = await syncWith(testEnv(slapd, { connectionString: file } as TestDatabase));
        assertFailed(failed, /^refusing to write: .*no schema_migrations table/);
        assert.deepEqual(readFileSync(file), bytes, 'the file is unchanged');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await slapd.stop();
      }
    });
  }
});

/** The bytes of a small SQLite database in the default rollback-journal mode, as another program would leave it. */
function otherSqliteDatabase(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'other-app-'));
  try {
    const file = path.join(dir, 'app.db');
    const handle = new Database(file);
    handle.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');`);
    handle.close();
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
