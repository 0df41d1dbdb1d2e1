import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import type { PocketIdDatabase } from '../../src/db/database.js';
import { SyncLockBusyError } from '../../src/db/database.js';
import { createLogger } from '../../src/log/logger.js';
import { errorMessage } from '../../src/log/error-message.js';
import { durationField, runJob } from '../../src/service/job.js';
import { makeRedactor, redactingLogger, secretsOf } from '../../src/service/redact.js';
import type { SyncResult } from '../../src/run/run-sync.js';
import { summarize } from '../../src/run/summary.js';
import type { SyncPlan } from '../../src/sync/types.js';
import { validEnv } from '../support/env.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

const ENV = validEnv({ LDAP_BIND_PASSWORD: 'bind-S3cret', DB_CONNECTION_STRING: 'postgres://pocketid:db%2FS3cret@db.example.com:5432/pocketid' });

const EMPTY_PLAN: SyncPlan = {
  users: { create: [], update: [], disable: [], delete: [], unchanged: 4 },
  groups: { create: [], update: [], delete: [], unchanged: 2 },
  memberships: { add: [], remove: [] },
  vacate: { userIds: [], groupIds: [] },
  claims: emptyClaimPlan(),
  skips: [],
  managed: { users: 4, groups: 2 },
};
const RESULT: SyncResult = { dryRun: false, guard: null, plan: EMPTY_PLAN, summary: summarize(EMPTY_PLAN), mode: 'full', entriesRead: { users: 4, groups: 2, total: 0 }, timings: { readMs: 1, planMs: 1, applyMs: 1 } };

const database = { get: async () => ({}) as PocketIdDatabase };

function capture(json: boolean, redacted = false) {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const config = loadConfig({ ...ENV, LOG_JSON: String(json) });
  const plain = createLogger({ level: 'debug', json, stream });
  const log = redacted ? redactingLogger(plain, makeRedactor(secretsOf(config))) : plain;
  return { config, log, text: () => text };
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const TIME = '[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d';

test('a successful run logs gocron\'s two lines, with the counts', async () => {
  const { config, log, text } = capture(false);
  const outcome = await runJob({ jsonLog: config.log.json, log, database, sync: async () => RESULT });
  assert.equal(outcome.result, 'success');
  const lines = text().trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^${TIME} INF Starting job name=SyncLdap jobID=${outcome.jobId}$`));
  assert.match(outcome.jobId, new RegExp(`^${UUID}$`));
  assert.match(
    lines[1]!,
    new RegExp(`^${TIME} INF Job run successfully name=SyncLdap jobID=${outcome.jobId} duration=\\d+(\\.\\d+)?(µs|ms|s) mode=full entriesRead=0 usersCreated=0 usersUpdated=0 usersDisabled=0 usersReEnabled=0 usersDeleted=0 usersUnchanged=4 usersSkipped=0 groupsCreated=0 groupsUpdated=0 groupsDeleted=0 groupsUnchanged=2 groupsSkipped=0 membershipsAdded=0 membershipsRemoved=0 memberSkips=0$`),
  );
});

test('a failed run logs "Job failed" at ERR with the duration and the error; it never throws', async () => {
  const { config, log, text } = capture(false);
  const outcome = await runJob({ jsonLog: config.log.json, log, database, sync: async () => { throw new Error('failed to connect to LDAP at ldap://ldap.example.com: connect ECONNREFUSED'); } });
  assert.equal(outcome.result, 'failure');
  assert.equal(outcome.reason, 'failed to connect to LDAP at ldap://ldap.example.com: connect ECONNREFUSED');
  assert.match(text(), new RegExp(`\\n${TIME} ERR Job failed name=SyncLdap jobID=${UUID} duration=\\S+ error="failed to connect to LDAP at ldap://ldap.example.com: connect ECONNREFUSED"\\n$`));
});

test('a held write lock is "Job skipped" at INFO, not a failure', async () => {
  const { config, log, text } = capture(false);
  const outcome = await runJob({ jsonLog: config.log.json, log, database, sync: async () => { throw new SyncLockBusyError('another sync holds the PostgreSQL advisory lock 1 on this database'); } });
  assert.equal(outcome.result, 'skipped');
  assert.match(text(), new RegExp(`INF Job skipped name=SyncLdap jobID=${UUID} duration=\\S+ reason="another sync holds the PostgreSQL advisory lock 1 on this database"\\n$`));
  assert.doesNotMatch(text(), /ERR|Job failed/);
});

test('a database that cannot be opened fails the run like any other error', async () => {
  const { config, log, text } = capture(false);
  const outcome = await runJob({ jsonLog: config.log.json, log, database: { get: async () => { throw new Error('SQLite database x does not exist'); } }, sync: async () => RESULT });
  assert.equal(outcome.result, 'failure');
  assert.match(text(), /ERR Job failed .*error="SQLite database x does not exist"/);
});

test('dry runs log "Dry run …" so that no health check takes them for a sync', async () => {
  const { config, log, text } = capture(false);
  await runJob({ jsonLog: config.log.json, log, database, sync: async () => ({ ...RESULT, dryRun: true }) }, { dryRun: true });
  assert.match(text(), /INF Starting dry run name=SyncLdap .*\n.*INF Dry run finished name=SyncLdap /);
  assert.doesNotMatch(text(), /Job run successfully/);
});

test('JSON logs: msg, name, jobID, and duration in integer nanoseconds like slog', async () => {
  const { config, log, text } = capture(true);
  await runJob({ jsonLog: config.log.json, log, database, sync: async () => RESULT });
  const [start, done] = text().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(Object.keys(start!), ['time', 'level', 'msg', 'name', 'jobID']);
  assert.equal(start!.msg, 'Starting job');
  assert.equal(done!.level, 'INFO');
  assert.equal(done!.msg, 'Job run successfully');
  assert.equal(done!.name, 'SyncLdap');
  assert.equal(done!.jobID, start!.jobID);
  assert.ok(Number.isInteger(done!.duration) && (done!.duration as number) > 0);
  assert.equal(done!.usersUnchanged, 4);
  assert.equal(durationField(1234.5678, true), 1_234_567_800);
  assert.equal(durationField(1234.5678, false), '1.235s');
});

test('the redacting logger masks the bind password and the database password everywhere', async () => {
  const { config, log, text } = capture(false, true);
  assert.deepEqual(secretsOf(config), ['bind-S3cret', 'db%2FS3cret', 'db/S3cret']);
  await runJob({ jsonLog: config.log.json, log, database, sync: async () => { throw new Error('bind-S3cret rejected; url postgres://pocketid:db%2FS3cret@db; decoded db/S3cret'); } });
  assert.ok(!text().includes('S3cret'), text());
  assert.match(text(), /error="\[REDACTED\] rejected; url postgres:\/\/pocketid:\[REDACTED\]@db; decoded \[REDACTED\]"/);
  log.child({ note: 'bind-S3cret' }).info('child fields too');
  assert.match(text(), /child fields too note=\[REDACTED\]/);
});

test('errorMessage: an AggregateError without a message (a refused dual-stack connect) lists its errors', () => {
  assert.equal(errorMessage(new AggregateError([new Error('connect ECONNREFUSED ::1:1'), new Error('connect ECONNREFUSED 127.0.0.1:1')])), 'connect ECONNREFUSED ::1:1; connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(errorMessage('plain'), 'plain');
});
