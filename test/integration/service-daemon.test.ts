// The daemon as an operator runs it: `node dist/src/cli/main.js run` as a child process against a real
// slapd and a real PostgreSQL/SQLite database, observed only through its output, its exit status, its
// HTTP endpoints and the database. The one-off commands are in service-cli.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { Attribute, Change } from 'ldapts';
import pg from 'pg';
import { runCommand, startDaemon, type DaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../support/ports.js';
import { assertNoSecrets, DB_PASSWORD, fixture, http, metric, PEOPLE, sleep, TIME, UUID, waitUntil, type Fixture } from '../support/service-fixture.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, syncWith } from '../support/sync-harness.js';
import type { TestDatabase } from '../support/test-database.js';

const LOCK_KEY = '7810474789368852067';

after(stopAllSlapd);

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

test('run: syncs at start and on the schedule with gocron log lines, serves /healthz /readyz /metrics; with slapd down it fails, retries with backoff and is not ready; it recovers; SIGTERM exits 0', async () => {
  const port = await freePort();
  const { slapd, db, env, done } = await fixture('postgres', {
    LDAP_SYNC_SCHEDULE: '*/4 * * * * *',
    LDAP_SYNC_RETRY_DELAY: '1',
    LDAP_SYNC_HTTP_PORT: String(port),
    LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1',
  });
  const daemon = startDaemon(env);
  try {
    const dbName = new URL(db.connectionString).pathname.slice(1);
    await daemon.waitFor(/Job run successfully/);
    const lines = daemon.stdout().split('\n');
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
    const down = daemon.output().length;
    await slapd.stop();
    await daemon.waitFor(/INF Not retrying before the next scheduled run name=SyncLdap failures=3 /, { from: down, timeoutMs: 12_000 });
    const outage = daemon.output().slice(down);
    assert.equal([...outage.matchAll(/ ERR Job failed name=SyncLdap jobID=\S+ duration=\S+ error="failed to connect to LDAP at ldap:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED [^"]+"/g)].length, 3);
    assert.match(outage, /INF Retrying job after failure name=SyncLdap failures=1 in=1s at=\S+\n.*INF Starting job[^\n]*\n[^\n]*ERR Job failed[^\n]*\n[^\n]*INF Retrying job after failure name=SyncLdap failures=2 in=2s /);
    const notReady = await http(port, '/readyz');
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json.reason, 'the last sync run failed');
    assert.match((notReady.json.lastRun as { reason: string }).reason, /^failed to connect to LDAP at /);
    assert.equal(metric((await http(port, '/metrics')).text, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 3);
    assert.equal((await http(port, '/healthz')).status, 200, 'alive all the same');

    const back = daemon.output().length;
    await slapd.start();
    await daemon.waitFor(/INF Job run successfully name=SyncLdap .* usersUnchanged=28 /, { from: back, timeoutMs: 10_000 });
    assert.equal((await http(port, '/readyz')).status, 200);

    const stopping = daemon.output().length;
    assert.equal(await daemon.stop(), 0);
    assert.match(daemon.output().slice(stopping), new RegExp(`^${TIME} INF Shutting down signal=SIGTERM\\n${TIME} INF Stopped signal=SIGTERM\\n$`));
    assertNoSecrets(daemon.output(), [slapd.readerPassword, DB_PASSWORD]);
  } finally {
    daemon.child.kill('SIGKILL');
    await done();
  }
});

test('two daemons on one PostgreSQL database: while one is inside its write transaction the other skips its run (INFO, still ready); SIGTERM lets the running sync finish, exit 0', async () => {
  const { db, env, done, before, blocker } = await blockedRunFixture();
  const [portA, portB] = [await freePort(), await freePort()];
  const a = startDaemon({ ...env, LDAP_SYNC_HTTP_PORT: String(portA) });
  let b: DaemonProcess | undefined;
  try {
    await waitUntil('daemon A waits inside its write transaction', async () => (await daemonSessions(db, true)) === 1);
    const first = await http(portA, '/readyz');
    assert.equal(first.status, 503);
    assert.equal(first.json.reason, 'no sync run has finished yet');

    b = startDaemon({ ...env, LDAP_SYNC_HTTP_PORT: String(portB) });
    await b.waitFor(new RegExp(`INF Job skipped name=SyncLdap jobID=${UUID} duration=\\S+ reason="another sync holds the PostgreSQL advisory lock ${LOCK_KEY} on this database"`));
    assert.doesNotMatch(b.output(), /Job failed|ERR/);
    const readyB = await http(portB, '/readyz');
    assert.equal(readyB.status, 200, 'another instance is syncing this database');
    assert.equal((readyB.json.lastRun as { result: string }).result, 'skipped');
    const metricsB = (await http(portB, '/metrics')).text;
    assert.equal(metric(metricsB, 'pocket_id_ldap_sync_runs_total{result="skipped"}'), 1);
    assert.equal(metric(metricsB, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 0);

    // A one-off `sync` (a CronJob, an operator) meets the same lock: skipped, exit 0.
    const once = await runCommand(['sync'], env);
    assert.equal(once.code, 0, once.all);
    assert.match(once.stdout, /INF Job skipped name=SyncLdap /);
    assert.equal(await db.dump(), before, 'nothing committed while A holds the lock');

    const stopping = a.output().length;
    a.child.kill('SIGTERM');
    await a.waitFor(/INF Waiting for the running sync to finish timeout=20s/, { from: stopping });
    await sleep(300);
    assert.equal(a.child.exitCode, null, 'A waits for its run');
    assert.equal((await http(portA, '/readyz')).json.reason, 'shutting down');
    await blocker.query('ROLLBACK');
    assert.equal(await a.exited, 0);
    assert.match(a.output().slice(stopping), /INF Shutting down signal=SIGTERM\n.*INF Waiting for the running sync to finish[^\n]*\n(.*WRN Skipped LDAP entry[^\n]*\n)*.*INF Job run successfully name=SyncLdap [^\n]*usersUpdated=1 [^\n]*membershipsAdded=1 [^\n]*\n.*INF Stopped signal=SIGTERM\n$/);
    assert.ok(await isAfterTheChange(db), 'the run finished: fully after');
    assert.equal(await b.stop(), 0);
    assertNoSecrets(a.output() + b.output() + once.all, [DB_PASSWORD, 'readerpw']);
  } finally {
    a.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await blocker.end().catch(() => undefined);
    await done();
  }
});

test('SIGTERM while a sync cannot finish within LDAP_SYNC_SHUTDOWN_TIMEOUT: exit 0, and the database rolls the run back to exactly before', async () => {
  const { db, env, done, before, blocker } = await blockedRunFixture();
  const daemon = startDaemon({ ...env, LDAP_SYNC_SHUTDOWN_TIMEOUT: '1' });
  try {
    await waitUntil('the daemon waits inside its write transaction', async () => (await daemonSessions(db, true)) === 1);
    const signalled = Date.now();
    assert.equal(await daemon.stop('SIGINT'), 0);
    const took = Date.now() - signalled;
    assert.ok(took >= 900 && took < 5000, `exited after ${took} ms`);
    assert.match(daemon.output(), /INF Shutting down signal=SIGINT\n.*INF Waiting for the running sync to finish timeout=1s\n.*WRN Exiting without waiting for the running sync: nothing of it is committed, and the database rolls back its open transaction when the connection closes\n.*INF Stopped signal=SIGINT\n$/);
    assert.doesNotMatch(daemon.output(), /Job run successfully/);
    assert.equal(await db.dump(), before);
    // The orphaned session still waits for the lock; once it gets it, it finds its client gone and rolls back.
    await blocker.query('ROLLBACK');
    await waitUntil('the daemon\'s session has ended', async () => (await daemonSessions(db, false)) === 0);
    assert.equal(await db.dump(), before, 'fully before: not one of the run\'s statements survived');
    assert.equal(await isAfterTheChange(db), false);
    assertNoSecrets(daemon.output(), [DB_PASSWORD, 'readerpw']);
  } finally {
    daemon.child.kill('SIGKILL');
    await blocker.end().catch(() => undefined);
    await done();
  }
});

test('LDAP_ENABLED=false: the daemon warns once that it idles, syncs nothing, and /readyz answers 200 "disabled"; UI_CONFIG_DISABLED unset gives a warning', async () => {
  const port = await freePort();
  const daemon = startDaemon({ LDAP_ENABLED: 'false', LDAP_SYNC_HTTP_PORT: String(port), DB_CONNECTION_STRING: '/nonexistent/pocket-id.db' });
  try {
    await daemon.waitFor(/HTTP server listening/);
    await sleep(1200);
    assert.equal([...daemon.output().matchAll(/WRN LDAP sync is disabled \(LDAP_ENABLED is not true\): the daemon idles/g)].length, 1);
    assert.match(daemon.output(), /WRN UI_CONFIG_DISABLED is not true: /);
    assert.doesNotMatch(daemon.output(), /Starting job/);
    const ready = await http(port, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.status, 'disabled');
    assert.equal(await daemon.stop(), 0);
  } finally {
    daemon.child.kill('SIGKILL');
  }
});
