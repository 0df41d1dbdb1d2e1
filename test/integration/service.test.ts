// The daemon and the CLI as a user runs them: `node dist/src/cli/main.js <command>` as a child
// process against a real slapd and a real PostgreSQL/SQLite database, observed only through its
// output, its exit status, its HTTP endpoints and the database.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { Attribute, Change } from 'ldapts';
import pg from 'pg';
import { sharedPostgres } from '../support/postgres.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { ldapAdmin, syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type DbKind, type TestDatabase } from '../support/test-database.js';
import { summaryFields } from '../../src/run/summary.js';
import type { SyncResult } from '../../src/run/run-sync.js';
import { freePort } from '../support/ports.js';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
const PEOPLE = 'ou=people,dc=example,dc=com';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const TIME = '[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d';
const LOCK_KEY = '7810474789368852067';
/** Put into every PostgreSQL connection string below; trust auth ignores it, the daemon must never print it. */
const DB_PASSWORD = 'Db-Pa55-' + randomBytes(4).toString('hex');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------------------
// processes

interface Cli {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  all: string;
  exited: Promise<number | null>;
}

const live = new Set<ChildProcess>();
/** Everything any command printed, for the password scan at the end. */
const transcripts: string[] = [];

after(async () => {
  for (const child of live) child.kill('SIGKILL');
  await stopAllSlapd();
});

function start(args: string[], env: Record<string, string>): Cli {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const cli: Cli = {
    child,
    stdout: '',
    stderr: '',
    all: '',
    exited: new Promise((resolve) =>
      child.on('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    ),
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    cli.stdout += chunk.toString('utf8');
    cli.all += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    cli.stderr += chunk.toString('utf8');
    cli.all += chunk.toString('utf8');
  });
  void cli.exited.then(() => transcripts.push(cli.all));
  return cli;
}

/** Runs a command to its end. */
async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; all: string }> {
  const cli = start(args, env);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 30_000);
  const code = await cli.exited;
  clearTimeout(timer);
  // 'exit' can come before the last 'data'.
  await sleep(20);
  return { code, stdout: cli.stdout, stderr: cli.stderr, all: cli.all };
}

/** Waits until the output after `from` matches `pattern` `count` times; returns the matches. */
async function waitFor(cli: Cli, pattern: RegExp, options: { from?: number; count?: number; timeoutMs?: number } = {}): Promise<RegExpMatchArray[]> {
  const { from = 0, count = 1, timeoutMs = 15_000 } = options;
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matches = [...cli.all.slice(from).matchAll(global)];
    if (matches.length >= count) return matches;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${count} × ${pattern} in:\n${cli.all}`);
    if (cli.child.exitCode !== null) assert.fail(`the process exited (${cli.child.exitCode}) before ${pattern} in:\n${cli.all}`);
    await sleep(50);
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

async function stop(cli: Cli, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  cli.child.kill(signal);
  return cli.exited;
}

// ------------------------------------------------------------------------------------------------
// servers


async function http(port: number, route: string): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, text, json };
}

function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function withPassword(connectionString: string): string {
  const url = new URL(connectionString);
  url.password = DB_PASSWORD;
  return url.toString();
}

interface Fixture {
  slapd: SlapdInstance;
  db: TestDatabase;
  env: Record<string, string>;
  done(): Promise<void>;
}

async function fixture(kind: DbKind = 'postgres', overrides: Record<string, string> = {}): Promise<Fixture> {
  const slapd = await startSlapd();
  const db = await createTestDatabase(kind);
  const env = testEnv(slapd, db, {
    UI_CONFIG_DISABLED: 'true',
    LDAP_SYNC_HTTP_PORT: '0',
    ...(kind === 'postgres' ? { DB_CONNECTION_STRING: withPassword(db.connectionString) } : {}),
    ...overrides,
  });
  return {
    slapd,
    db,
    env,
    done: async () => {
      await db.close();
      await slapd.stop();
    },
  };
}

/** Sessions of the daemon on this database (PostgresDatabase names them). */
async function daemonSessions(db: TestDatabase, waitingOnLock: boolean): Promise<number> {
  const rows = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'pocket-id-ldap-sync'
      AND (${!waitingOnLock} OR wait_event_type = 'Lock')`.execute(db.db);
  return rows.rows[0]?.n ?? 0;
}

/**
 * A database the daemon has synced once, an LDAP change that updates a user (alice's mail) and
 * adds a membership (developers + user20), and a transaction holding user_groups_users in SHARE
 * mode: the next run updates users and groups, then waits on the membership insert, mid-transaction.
 */
async function blockedRunFixture(): Promise<Fixture & { before: string; blocker: pg.Client }> {
  const f = await fixture('postgres');
  assert.ifError((await syncWith(f.env)).error);
  await ldapAdmin(f.slapd, async (client) => {
    await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.new@example.com'] }) })]);
    await client.modify('cn=developers,ou=groups,dc=example,dc=com', [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
  });
  const before = await f.db.dump();
  const blocker = new pg.Client({ connectionString: f.db.connectionString });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE user_groups_users IN SHARE MODE');
  return { ...f, before, blocker };
}

async function isAfterTheChange(db: TestDatabase): Promise<boolean> {
  return (await db.user('alice'))!.email === 'alice.new@example.com' && (await db.memberships()).includes('developers:user20');
}

function assertNoSecrets(text: string, secrets: string[]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `output contains the secret ${JSON.stringify(secret)}:\n${text}`);
}

// ------------------------------------------------------------------------------------------------

test('run: syncs at start and on the schedule with gocron log lines, serves /healthz /readyz /metrics; with slapd down it fails, retries with backoff and is not ready; it recovers; SIGTERM exits 0', async () => {
  const port = await freePort();
  const { slapd, db, env, done } = await fixture('postgres', {
    LDAP_SYNC_SCHEDULE: '*/4 * * * * *',
    LDAP_SYNC_RETRY_DELAY: '1',
    LDAP_SYNC_HTTP_PORT: String(port),
    LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1',
  });
  const daemon = start(['run'], env);
  try {
    const dbName = new URL(db.connectionString).pathname.slice(1);
    await waitFor(daemon, /Job run successfully/);
    const lines = daemon.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^${TIME} INF Starting pocket-id-ldap-sync version=0\\.1\\.0 database="postgres 127\\.0\\.0\\.1:\\d+/${dbName}" ldapUrl=${slapd.url.replaceAll('.', '\\.')} ldapBase="dc=example,dc=com" schedule="\\*/4 \\* \\* \\* \\* \\*" enabled=true$`));
    assert.match(lines[1]!, new RegExp(`^${TIME} INF HTTP server listening address=127\\.0\\.0\\.1:${port} endpoints=/healthz,/readyz,/metrics$`));
    assert.match(lines[2]!, new RegExp(`^${TIME} INF Starting job scheduler name=SyncLdap schedule=`));
    const startLine = new RegExp(`^${TIME} INF Starting job name=SyncLdap jobID=(${UUID})$`).exec(lines[3]!);
    assert.ok(startLine, lines[3]);
    const success = lines.find((l) => l.includes('Job run successfully'))!;
    assert.match(
      success,
      new RegExp(`^${TIME} INF Job run successfully name=SyncLdap jobID=${startLine[1]} duration=\\d+(\\.\\d+)?(ms|s) mode=full fullReason=incremental-off entriesRead=40 usersCreated=28 usersUpdated=0 usersDisabled=0 usersReEnabled=0 usersDeleted=0 usersUnchanged=0 usersSkipped=2 groupsCreated=9 .* membershipsAdded=26 membershipsRemoved=0 memberSkips=1 sessionsRevoked=0 sessionsRevokedUsers=0$`),
    );
    assert.equal(lines.filter((l) => / WRN Skipped LDAP entry name=SyncLdap jobID=\S+ kind=\w+ dn=.* reason=[a-z-]+ /.test(l)).length, 4, 'one WARN line per skip, with DN and reason');
    assert.equal((await db.users()).filter((u) => u.ldap_id !== null).length, 28);

    assert.deepEqual(await http(port, '/healthz'), { status: 200, text: '{"status":"ok"}\n', json: { status: 'ok' } });
    const ready = await http(port, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.status, 'ready');
    assert.equal((ready.json.lastRun as { result: string }).result, 'success');
    const metrics = (await http(port, '/metrics')).text;
    assert.ok(metric(metrics, 'pocket_id_ldap_sync_runs_total{result="success"}')! >= 1);
    assert.equal(metric(metrics, 'pocket_id_ldap_sync_entries_read{kind="users"}'), 30);
    assert.equal(metric(metrics, 'pocket_id_ldap_sync_changes_total{object="users",change="created"}'), 28);
    assert.equal(metric(metrics, 'pocket_id_ldap_sync_skipped_entries{reason="missing-email"}'), 1);
    assert.ok(metric(metrics, 'pocket_id_ldap_sync_last_success_timestamp_seconds')! > Date.now() / 1000 - 60);
    assert.match(metrics, /^pocket_id_ldap_sync_run_duration_seconds_bucket\{le="\+Inf",result="success"\} \d+$/m);
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);
    assert.equal((await http(port, '/nope')).status, 404);

    // The directory goes away: the next scheduled run fails, is retried after 1 s, then after 2 s,
    // and the third delay (4 s) would reach the next scheduled run, so that run is left to do it.
    const down = daemon.all.length;
    await slapd.stop();
    await waitFor(daemon, /INF Not retrying before the next scheduled run name=SyncLdap failures=3 /, { from: down, timeoutMs: 12_000 });
    const outage = daemon.all.slice(down);
    assert.equal([...outage.matchAll(/ ERR Job failed name=SyncLdap jobID=\S+ duration=\S+ error="failed to connect to LDAP at ldap:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED [^"]+"/g)].length, 3);
    assert.match(outage, /INF Retrying job after failure name=SyncLdap failures=1 in=1s at=\S+\n.*INF Starting job[^\n]*\n[^\n]*ERR Job failed[^\n]*\n[^\n]*INF Retrying job after failure name=SyncLdap failures=2 in=2s /);
    const notReady = await http(port, '/readyz');
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json.reason, 'the last sync run failed');
    assert.match((notReady.json.lastRun as { reason: string }).reason, /^failed to connect to LDAP at /);
    assert.equal(metric((await http(port, '/metrics')).text, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 3);
    assert.equal((await http(port, '/healthz')).status, 200, 'alive all the same');

    const back = daemon.all.length;
    await slapd.start();
    await waitFor(daemon, /INF Job run successfully name=SyncLdap .* usersUnchanged=28 /, { from: back, timeoutMs: 10_000 });
    assert.equal((await http(port, '/readyz')).status, 200);

    const stopping = daemon.all.length;
    assert.equal(await stop(daemon), 0);
    assert.match(daemon.all.slice(stopping), new RegExp(`^${TIME} INF Shutting down signal=SIGTERM\\n${TIME} INF Stopped signal=SIGTERM\\n$`));
    assertNoSecrets(daemon.all, [slapd.readerPassword, DB_PASSWORD]);
  } finally {
    daemon.child.kill('SIGKILL');
    await done();
  }
});

test('two daemons on one PostgreSQL database: while one is inside its write transaction the other skips its run (INFO, still ready); SIGTERM lets the running sync finish, exit 0', async () => {
  const { db, env, done, before, blocker } = await blockedRunFixture();
  const [portA, portB] = [await freePort(), await freePort()];
  const a = start(['run'], { ...env, LDAP_SYNC_HTTP_PORT: String(portA) });
  let b: Cli | undefined;
  try {
    await waitUntil('daemon A waits inside its write transaction', async () => (await daemonSessions(db, true)) === 1);
    const first = await http(portA, '/readyz');
    assert.equal(first.status, 503);
    assert.equal(first.json.reason, 'no sync run has finished yet');

    b = start(['run'], { ...env, LDAP_SYNC_HTTP_PORT: String(portB) });
    await waitFor(b, new RegExp(`INF Job skipped name=SyncLdap jobID=${UUID} duration=\\S+ reason="another sync holds the PostgreSQL advisory lock ${LOCK_KEY} on this database"`));
    assert.doesNotMatch(b.all, /Job failed|ERR/);
    const readyB = await http(portB, '/readyz');
    assert.equal(readyB.status, 200, 'another instance is syncing this database');
    assert.equal((readyB.json.lastRun as { result: string }).result, 'skipped');
    const metricsB = (await http(portB, '/metrics')).text;
    assert.equal(metric(metricsB, 'pocket_id_ldap_sync_runs_total{result="skipped"}'), 1);
    assert.equal(metric(metricsB, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 0);

    // A one-off `sync` (a CronJob, an operator) meets the same lock: skipped, exit 0.
    const once = await run(['sync'], env);
    assert.equal(once.code, 0, once.all);
    assert.match(once.stdout, /INF Job skipped name=SyncLdap /);
    assert.equal(await db.dump(), before, 'nothing committed while A holds the lock');

    const stopping = a.all.length;
    a.child.kill('SIGTERM');
    await waitFor(a, /INF Waiting for the running sync to finish timeout=20s/, { from: stopping });
    await sleep(300);
    assert.equal(a.child.exitCode, null, 'A waits for its run');
    assert.equal((await http(portA, '/readyz')).json.reason, 'shutting down');
    await blocker.query('ROLLBACK');
    assert.equal(await a.exited, 0);
    assert.match(a.all.slice(stopping), /INF Shutting down signal=SIGTERM\n.*INF Waiting for the running sync to finish[^\n]*\n(.*WRN Skipped LDAP entry[^\n]*\n)*.*INF Job run successfully name=SyncLdap [^\n]*usersUpdated=1 [^\n]*membershipsAdded=1 [^\n]*\n.*INF Stopped signal=SIGTERM\n$/);
    assert.ok(await isAfterTheChange(db), 'the run finished: fully after');
    assert.equal(await stop(b), 0);
    assertNoSecrets(a.all + b.all + once.all, [DB_PASSWORD, 'readerpw']);
  } finally {
    a.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await blocker.end().catch(() => undefined);
    await done();
  }
});

test('SIGTERM while a sync cannot finish within LDAP_SYNC_SHUTDOWN_TIMEOUT: exit 0, and the database rolls the run back to exactly before', async () => {
  const { db, env, done, before, blocker } = await blockedRunFixture();
  const daemon = start(['run'], { ...env, LDAP_SYNC_SHUTDOWN_TIMEOUT: '1' });
  try {
    await waitUntil('the daemon waits inside its write transaction', async () => (await daemonSessions(db, true)) === 1);
    const signalled = Date.now();
    assert.equal(await stop(daemon, 'SIGINT'), 0);
    const took = Date.now() - signalled;
    assert.ok(took >= 900 && took < 5000, `exited after ${took} ms`);
    assert.match(daemon.all, /INF Shutting down signal=SIGINT\n.*INF Waiting for the running sync to finish timeout=1s\n.*WRN Exiting without waiting for the running sync: nothing of it is committed, and the database rolls back its open transaction when the connection closes\n.*INF Stopped signal=SIGINT\n$/);
    assert.doesNotMatch(daemon.all, /Job run successfully/);
    assert.equal(await db.dump(), before);
    // The orphaned session still waits for the lock; once it gets it, it finds its client gone and rolls back.
    await blocker.query('ROLLBACK');
    await waitUntil('the daemon\'s session has ended', async () => (await daemonSessions(db, false)) === 0);
    assert.equal(await db.dump(), before, 'fully before: not one of the run\'s statements survived');
    assert.equal(await isAfterTheChange(db), false);
  } finally {
    daemon.child.kill('SIGKILL');
    await blocker.end().catch(() => undefined);
    await done();
  }
});

test('sync --dry-run never opens a write transaction: it runs as a role that may only SELECT, leaves the database byte for byte, and its plan is what the real run then does', async () => {
  const { db, env, done } = await fixture('postgres');
  const role = `ro_${process.pid}_${randomBytes(3).toString('hex')}`;
  const database = new URL(db.connectionString).pathname.slice(1);
  await sql.raw(`CREATE ROLE ${role} LOGIN`).execute(db.db);
  try {
    await sql.raw(`GRANT CONNECT ON DATABASE "${database}" TO ${role}; GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`).execute(db.db);
    const readOnlyUrl = new URL(env.DB_CONNECTION_STRING!);
    readOnlyUrl.username = role;
    const readOnly = { ...env, DB_CONNECTION_STRING: readOnlyUrl.toString() };
    const before = await db.dump();

    const dry = await run(['sync', '--dry-run', '--json'], readOnly);
    assert.equal(dry.code, 0, dry.all);
    const planned = JSON.parse(dry.stdout) as SyncResult;
    assert.equal(planned.dryRun, true);
    assert.match(dry.stderr, /INF Dry run finished name=SyncLdap /, 'logs go to stderr, the JSON alone to stdout');
    assert.equal(await db.dump(), before);

    // The same role cannot write at all: a real run fails at its first INSERT and changes nothing.
    const denied = await run(['sync'], readOnly);
    assert.equal(denied.code, 1, denied.all);
    assert.match(denied.stdout, /ERR Job failed name=SyncLdap jobID=\S+ duration=\S+ error="permission denied for table \w+"/);
    assert.equal(await db.dump(), before);

    const real = await run(['sync'], env);
    assert.equal(real.code, 0, real.all);
    const afterReal = await db.dump();
    const line = real.stdout.split('\n').find((l) => l.includes('Job run successfully name=SyncLdap'))!;
    // entriesRead= says how the run read, not what it changed.
    const counts = Object.fromEntries([...line.matchAll(/ (\w+)=(\d+)(?= |$)/g)].filter((m) => m[1] !== 'entriesRead').map((m) => [m[1], Number(m[2])]));
    assert.deepEqual(counts, summaryFields(planned.summary), 'the real run did what the dry run planned');
    const users = (await db.users()).filter((u) => u.ldap_id !== null).map((u) => u.username).sort();
    assert.deepEqual(users, planned.plan.users.create.map((u) => u.username).sort());
    const groups = (await db.groups()).filter((g) => g.ldap_id !== null).map((g) => g.name).sort();
    assert.deepEqual(groups, planned.plan.groups.create.map((g) => g.name).sort());
    assert.deepEqual(await db.memberships(), planned.plan.memberships.add.map((m) => `${m.groupName}:${m.username}`).sort());

    // A dry run whose real run a guard would refuse exits 6; the allow option it names makes it 0.
    const nobody = { ...env, LDAP_USER_SEARCH_FILTER: '(uid=nobody-at-all)' };
    const refused = await run(['sync', '--dry-run'], nobody);
    assert.equal(refused.code, 6, refused.all);
    assert.match(refused.stdout, /^DELETION GUARD: a real run would be refused: the user search returned no entries while 28 LDAP users exist/m);
    assert.match(refused.stderr, /ERR Dry run: a real run would be refused by a guard/);
    assert.equal((await run(['sync', '--dry-run', '--json'], nobody)).code, 6);
    assert.equal((await run(['sync', '--dry-run', '--allow-mass-delete'], nobody)).code, 0);
    assert.equal(await db.dump(), afterReal, 'dry runs write nothing');

    // The human-readable report of a database now in step.
    const report = await run(['sync', '--dry-run'], env);
    assert.equal(report.code, 0);
    assert.match(report.stdout, /^Dry run: nothing was written\.\n/);
    assert.match(report.stdout, /\nUsers: 0 created, 0 updated, 0 disabled, 0 re-enabled, 0 deleted, 28 unchanged, 2 skipped\n/);
    assertNoSecrets(dry.all + denied.all + real.all + report.all, [DB_PASSWORD, 'readerpw']);
  } finally {
    await sql.raw(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}; REVOKE ALL ON DATABASE "${database}" FROM ${role}`).execute(db.db);
    await sql.raw(`DROP ROLE ${role}`).execute(db.db);
    await done();
  }
});

test('check: one "ok" line per check against real servers; a failing check says what failed and sets the exit status', async () => {
  const { slapd, env, done } = await fixture('postgres');
  const bare = withPassword(await (await sharedPostgres()).createDatabase({ schema: false }));
  try {
    const good = await run(['check'], env);
    assert.equal(good.code, 0, good.all);
    assert.deepEqual(
      good.stdout.trimEnd().split('\n').map((l) => l.replace(/:\d+/g, ':PORT').replace(/\/t_\w+/g, '/DB')),
      [
        `ok    configuration: LDAP ldap://127.0.0.1:PORT, base dc=example,dc=com, database postgres 127.0.0.1:PORT/DB, schedule @every 1h`,
        `ok    LDAP connect and bind: ldap://127.0.0.1:PORT as cn=reader,dc=example,dc=com`,
        `ok    LDAP directory: OpenLDAP (objectClass=OpenLDAProotDSE); the LDAP settings match the usual ones for it`,
        `ok    LDAP user search: (objectClass=inetOrgPerson) under dc=example,dc=com found uid=alice,${PEOPLE}`,
        `ok    LDAP group search: (objectClass=groupOfNames) under dc=example,dc=com found cn=developers,ou=groups,dc=example,dc=com`,
        `ok    LDAP change marker: modifyTimestamp (OpenLDAP); uid=alice,${PEOPLE} carries modifyTimestamp and entryCSN; cn=developers,ou=groups,dc=example,dc=com carries modifyTimestamp and entryCSN; incremental runs can follow changes (LDAP_SYNC_INCREMENTAL=false: every run is full)`,
        `ok    LDAP page size: LDAP_SYNC_PAGE_SIZE=4: the first page of the user search returned 4 entries`,
        `ok    LDAP attributes the sync trusts: not probed: member (no rights probe on OpenLDAP); the re-enable guard refuses a run that rests on their absence`,
        `ok    database: postgres 127.0.0.1:PORT/DB: Pocket ID schema version 20260814120000, tables and columns the sync writes are present`,
      ],
    );

    const both = await run(['check'], { ...env, LDAP_BIND_PASSWORD: 'Wr0ng-bind-secret', DB_CONNECTION_STRING: bare });
    assert.equal(both.code, 5, both.all);
    const lines = both.stdout.trimEnd().split('\n');
    assert.match(lines[1]!, /^fail  LDAP connect and bind: failed to bind to LDAP as cn=reader,dc=example,dc=com: invalid credentials \(LDAP result 49\)$/);
    assert.deepEqual(lines.slice(2, 6), ['fail  LDAP directory: not run: no LDAP connection', 'fail  LDAP user search: not run: no LDAP connection', 'fail  LDAP group search: not run: no LDAP connection', 'fail  LDAP change marker: not run: no LDAP connection']);
    assert.match(lines[6]!, /^fail  database: postgres 127\.0\.0\.1:\d+\/t_\w+: no schema_migrations table/);

    const ldapOnly = await run(['check'], { ...env, LDAP_USER_SEARCH_FILTER: '(uid=nobody-at-all)' });
    assert.equal(ldapOnly.code, 3, ldapOnly.all);
    assert.match(ldapOnly.stdout, /\nfail  LDAP user search: \(uid=nobody-at-all\) under dc=example,dc=com matched no entry\n/);
    const missingAttribute = await run(['check'], { ...env, LDAP_ATTRIBUTE_USER_USERNAME: 'employeeNumber' });
    assert.equal(missingAttribute.code, 3);
    assert.match(missingAttribute.stdout, /fail  LDAP user search: .* found uid=alice,ou=people,dc=example,dc=com, which has no employeeNumber \(LDAP_ATTRIBUTE_USER_USERNAME\)/);
    assert.match(missingAttribute.stdout, /\nok    LDAP directory: OpenLDAP \(objectClass=OpenLDAProotDSE\); settings that differ from the usual ones for it: LDAP_ATTRIBUTE_USER_USERNAME=uid \(configured: employeeNumber\)\n/);

    const databaseOnly = await run(['check'], { ...env, DB_CONNECTION_STRING: bare });
    assert.equal(databaseOnly.code, 4);

    const config = await run(['check'], { ...env, LDAP_SYNC_SCHEDULE: 'whenever', LDAP_BASE: '' });
    assert.equal(config.code, 2);
    assert.match(config.stdout, /^fail  configuration: (LDAP_SYNC_SCHEDULE: "whenever" is neither .*; LDAP_BASE: required when LDAP_ENABLED=true|LDAP_BASE: required .*; LDAP_SYNC_SCHEDULE: .*)\n$/);
    assertNoSecrets(good.all + both.all + ldapOnly.all + databaseOnly.all + config.all, [slapd.readerPassword, 'Wr0ng-bind-secret', DB_PASSWORD]);
  } finally {
    await done();
  }
});

test('LOG_JSON=true on SQLite: one JSON object per line; the job lines carry msg, name, jobID, the duration in integer nanoseconds and the counts', async () => {
  const port = await freePort();
  const { env, done } = await fixture('sqlite', { LOG_JSON: 'true', LDAP_SYNC_HTTP_PORT: String(port) });
  const daemon = start(['run'], env);
  try {
    await waitFor(daemon, /"msg":"Job run successfully"/);
    assert.equal(await stop(daemon), 0);
    const records = daemon.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(records.every((r) => typeof r.time === 'string' && ['INFO', 'WARN', 'ERROR', 'DEBUG'].includes(String(r.level)) && typeof r.msg === 'string'));
    assert.equal(records[0]!.msg, 'Starting pocket-id-ldap-sync');
    assert.match(String(records[0]!.database), /^sqlite .*pocket-id\.db$/);
    const started = records.find((r) => r.msg === 'Starting job')!;
    const finished = records.find((r) => r.msg === 'Job run successfully')!;
    assert.equal(started.name, 'SyncLdap');
    assert.match(String(started.jobID), new RegExp(`^${UUID}$`));
    assert.equal(finished.jobID, started.jobID);
    assert.ok(Number.isInteger(finished.duration) && (finished.duration as number) > 1_000_000, `duration ${String(finished.duration)} ns`);
    assert.equal(finished.usersCreated, 28);
    assert.equal(records.filter((r) => r.msg === 'Skipped LDAP entry').length, 4);
    assert.equal(records.at(-1)!.msg, 'Stopped');
  } finally {
    daemon.child.kill('SIGKILL');
    await done();
  }
});

test('LDAP_ENABLED=false: the daemon warns once that it idles, syncs nothing, and /readyz answers 200 "disabled"; UI_CONFIG_DISABLED unset gives a warning', async () => {
  const port = await freePort();
  const daemon = start(['run'], { LDAP_ENABLED: 'false', LDAP_SYNC_HTTP_PORT: String(port), DB_CONNECTION_STRING: '/nonexistent/pocket-id.db' });
  try {
    await waitFor(daemon, /HTTP server listening/);
    await sleep(1200);
    assert.equal([...daemon.all.matchAll(/WRN LDAP sync is disabled \(LDAP_ENABLED is not true\): the daemon idles/g)].length, 1);
    assert.match(daemon.all, /WRN UI_CONFIG_DISABLED is not true: /);
    assert.doesNotMatch(daemon.all, /Starting job/);
    const ready = await http(port, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.status, 'disabled');
    assert.equal(await stop(daemon), 0);
  } finally {
    daemon.child.kill('SIGKILL');
  }
});

test('CLI: --help on every command, --version, and exit status 2 for an unknown command or option or a bad configuration', async () => {
  for (const command of ['run', 'sync', 'check']) {
    const help = await run([command, '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: pocket-id-ldap-sync ${command}`));
  }
  const top = await run(['--help'], {});
  assert.match(top.stdout, /^Usage: pocket-id-ldap-sync <command> \[options\]\n\nCommands:\n  run .*\n.*\n  sync .*\n.*\n  check /s);
  assert.equal((await run(['--version'], {})).stdout, 'pocket-id-ldap-sync 0.1.0\n');
  const unknown = await run(['frobnicate'], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Unknown command "frobnicate"/);
  const option = await run(['sync', '--dry-rn'], {});
  assert.equal(option.code, 2);
  assert.match(option.stderr, /^Unknown option '--dry-rn'/);
  const bad = await run(['run'], { LDAP_SYNC_HTTP_PORT: 'http' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^invalid configuration:\n {2}- LDAP_SYNC_HTTP_PORT: "http" is not a whole number from 0 to 65535\n$/);
});

test('no output of any command ever contains the bind password or the database password, also when the bind and the database connection fail', async () => {
  const { slapd, db, env, done } = await fixture('postgres', { LDAP_SYNC_SCHEDULE: '* * * * * *', LDAP_SYNC_RETRY_DELAY: '1' });
  const wrongBind = 'Wr0ng-' + randomBytes(4).toString('hex');
  const unreachable = `postgres://postgres:${DB_PASSWORD}@localhost:1/pocketid`;
  try {
    const failing = [
      await run(['sync'], { ...env, LDAP_BIND_PASSWORD: wrongBind }),
      await run(['sync'], { ...env, DB_CONNECTION_STRING: unreachable }),
      await run(['sync', '--dry-run'], { ...env, DB_CONNECTION_STRING: unreachable }),
      await run(['check'], { ...env, LDAP_BIND_PASSWORD: wrongBind, DB_CONNECTION_STRING: unreachable }),
    ];
    assert.deepEqual(failing.map((r) => r.code), [1, 1, 1, 5]);
    assert.match(failing[1]!.stdout, /ERR Job failed .*error="cannot reach PostgreSQL \(postgres localhost:1\/pocketid\): connect ECONNREFUSED/);
    const daemon = start(['run'], { ...env, LDAP_BIND_PASSWORD: wrongBind });
    await waitFor(daemon, /Job failed/, { count: 2 });
    assert.equal(await stop(daemon), 0);
    assert.equal((await db.users()).length, 0, 'nothing was written');
    // Every command this file ran, including the earlier tests' daemons with their failures and retries.
    assert.ok(transcripts.length >= 5, `${transcripts.length} transcripts`);
    assertNoSecrets(transcripts.join('\n'), [slapd.readerPassword, wrongBind, DB_PASSWORD, encodeURIComponent(DB_PASSWORD)]);
  } finally {
    await done();
  }
});
