// The one-off commands as an operator runs them (`sync --dry-run`, `check`, `--help`, LOG_JSON) and the
// secrets no command may print: `node dist/src/cli/main.js <command>` as a child process against a real
// slapd and a real PostgreSQL/SQLite database. The daemon itself is in service-daemon.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { finishedOutputs, runCommand, startDaemon } from '../support/daemon-process.js';
import { freePort } from '../support/ports.js';
import { sharedPostgres } from '../support/postgres.js';
import { assertNoSecrets, DB_PASSWORD, fixture, PEOPLE, UUID, withPassword } from '../support/service-fixture.js';
import { stopAllSlapd } from '../support/slapd.js';
import { summaryFields } from '../../src/run/summary.js';
import type { SyncResult } from '../../src/run/run-sync.js';

after(stopAllSlapd);

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

    const dry = await runCommand(['sync', '--dry-run', '--json'], readOnly);
    assert.equal(dry.code, 0, dry.all);
    const planned = JSON.parse(dry.stdout) as SyncResult;
    assert.equal(planned.dryRun, true);
    assert.match(dry.stderr, /INF Dry run finished name=SyncLdap /, 'logs go to stderr, the JSON alone to stdout');
    assert.equal(await db.dump(), before);

    // The same role cannot write at all: a real run fails at its first INSERT and changes nothing.
    const denied = await runCommand(['sync'], readOnly);
    assert.equal(denied.code, 1, denied.all);
    assert.match(denied.stdout, /ERR Job failed name=SyncLdap jobID=\S+ duration=\S+ error="permission denied for table \w+"/);
    assert.equal(await db.dump(), before);

    const real = await runCommand(['sync'], env);
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
    const refused = await runCommand(['sync', '--dry-run'], nobody);
    assert.equal(refused.code, 6, refused.all);
    assert.match(refused.stdout, /^DELETION GUARD: a real run would be refused: the user search returned no entries while 28 LDAP users exist/m);
    assert.match(refused.stderr, /ERR Dry run: a real run would be refused by a guard/);
    assert.equal((await runCommand(['sync', '--dry-run', '--json'], nobody)).code, 6);
    assert.equal((await runCommand(['sync', '--dry-run', '--allow-mass-delete'], nobody)).code, 0);
    assert.equal(await db.dump(), afterReal, 'dry runs write nothing');

    // The human-readable report of a database now in step.
    const report = await runCommand(['sync', '--dry-run'], env);
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
    const good = await runCommand(['check'], env);
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

    const both = await runCommand(['check'], { ...env, LDAP_BIND_PASSWORD: 'Wr0ng-bind-secret', DB_CONNECTION_STRING: bare });
    assert.equal(both.code, 5, both.all);
    const lines = both.stdout.trimEnd().split('\n');
    assert.match(lines[1]!, /^fail  LDAP connect and bind: failed to bind to LDAP as cn=reader,dc=example,dc=com: invalid credentials \(LDAP result 49\)$/);
    assert.deepEqual(lines.slice(2, 6), ['fail  LDAP directory: not run: no LDAP connection', 'fail  LDAP user search: not run: no LDAP connection', 'fail  LDAP group search: not run: no LDAP connection', 'fail  LDAP change marker: not run: no LDAP connection']);
    assert.match(lines[6]!, /^fail  database: postgres 127\.0\.0\.1:\d+\/t_\w+: no schema_migrations table/);

    const ldapOnly = await runCommand(['check'], { ...env, LDAP_USER_SEARCH_FILTER: '(uid=nobody-at-all)' });
    assert.equal(ldapOnly.code, 3, ldapOnly.all);
    assert.match(ldapOnly.stdout, /\nfail  LDAP user search: \(uid=nobody-at-all\) under dc=example,dc=com matched no entry\n/);
    const missingAttribute = await runCommand(['check'], { ...env, LDAP_ATTRIBUTE_USER_USERNAME: 'employeeNumber' });
    assert.equal(missingAttribute.code, 3);
    assert.match(missingAttribute.stdout, /fail  LDAP user search: .* found uid=alice,ou=people,dc=example,dc=com, which has no employeeNumber \(LDAP_ATTRIBUTE_USER_USERNAME\)/);
    assert.match(missingAttribute.stdout, /\nok    LDAP directory: OpenLDAP \(objectClass=OpenLDAProotDSE\); settings that differ from the usual ones for it: LDAP_ATTRIBUTE_USER_USERNAME=uid \(configured: employeeNumber\)\n/);

    const databaseOnly = await runCommand(['check'], { ...env, DB_CONNECTION_STRING: bare });
    assert.equal(databaseOnly.code, 4);

    const config = await runCommand(['check'], { ...env, LDAP_SYNC_SCHEDULE: 'whenever', LDAP_BASE: '' });
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
  const daemon = startDaemon(env);
  try {
    await daemon.waitFor(/"msg":"Job run successfully"/);
    assert.equal(await daemon.stop(), 0);
    const records = daemon.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
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

test('CLI: --help on every command, --version, and exit status 2 for an unknown command or option or a bad configuration', async () => {
  for (const command of ['run', 'sync', 'check']) {
    const help = await runCommand([command, '--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: pocket-id-ldap-sync ${command}`));
  }
  const top = await runCommand(['--help'], {});
  assert.match(top.stdout, /^Usage: pocket-id-ldap-sync <command> \[options\]\n\nCommands:\n  run .*\n.*\n  sync .*\n.*\n  check /s);
  assert.equal((await runCommand(['--version'], {})).stdout, 'pocket-id-ldap-sync 0.1.0\n');
  const unknown = await runCommand(['frobnicate'], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Unknown command "frobnicate"/);
  const option = await runCommand(['sync', '--dry-rn'], {});
  assert.equal(option.code, 2);
  assert.match(option.stderr, /^Unknown option '--dry-rn'/);
  const bad = await runCommand(['run'], { LDAP_SYNC_HTTP_PORT: 'http' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^invalid configuration:\n {2}- LDAP_SYNC_HTTP_PORT: "http" is not a whole number from 0 to 65535\n$/);
});

test('no output of any command ever contains the bind password or the database password, also when the bind and the database connection fail', async () => {
  const { slapd, db, env, done } = await fixture('postgres', { LDAP_SYNC_SCHEDULE: '* * * * * *', LDAP_SYNC_RETRY_DELAY: '1' });
  const wrongBind = 'Wr0ng-' + randomBytes(4).toString('hex');
  const unreachable = `postgres://postgres:${DB_PASSWORD}@localhost:1/pocketid`;
  try {
    const failing = [
      await runCommand(['sync'], { ...env, LDAP_BIND_PASSWORD: wrongBind }),
      await runCommand(['sync'], { ...env, DB_CONNECTION_STRING: unreachable }),
      await runCommand(['sync', '--dry-run'], { ...env, DB_CONNECTION_STRING: unreachable }),
      await runCommand(['check'], { ...env, LDAP_BIND_PASSWORD: wrongBind, DB_CONNECTION_STRING: unreachable }),
    ];
    assert.deepEqual(failing.map((r) => r.code), [1, 1, 1, 5]);
    assert.match(failing[1]!.stdout, /ERR Job failed .*error="cannot reach PostgreSQL \(postgres localhost:1\/pocketid\): connect ECONNREFUSED/);
    const daemon = startDaemon({ ...env, LDAP_BIND_PASSWORD: wrongBind });
    await daemon.waitFor(/Job failed/, { count: 2 });
    assert.equal(await daemon.stop(), 0);
    assert.equal((await db.users()).length, 0, 'nothing was written');
    // Every command this file ran, the earlier tests' included (service-daemon.test.ts checks its daemons' output itself).
    assert.ok(finishedOutputs().length >= 5, `${finishedOutputs().length} transcripts`);
    assertNoSecrets(finishedOutputs().join('\n'), [slapd.readerPassword, wrongBind, DB_PASSWORD, encodeURIComponent(DB_PASSWORD)]);
  } finally {
    await done();
  }
});
