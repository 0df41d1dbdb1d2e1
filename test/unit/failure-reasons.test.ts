// Failure reasons as the errors carry them, how a step turns a foreign error into one, and how a
// job reports them. The faults themselves against real servers: test/integration/failure-reasons.test.ts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/load-config.js';
import type { PocketIdDatabase } from '../../src/db/database.js';
import { sqliteDialect } from '../../src/db/sqlite/sqlite-dialect.js';
import { judgeSchema, SchemaError } from '../../src/db/schema-check.js';
import { SyncLockBusyError } from '../../src/db/database.js';
import { openLdapConnection } from '../../src/ldap/connection.js';
import { completeRangedValues } from '../../src/ldap/range.js';
import { createLogger } from '../../src/log/logger.js';
import { runJob } from '../../src/service/job.js';
import { failsAs } from '../../src/run/fails-as.js';
import { failureReason, FAILURE_REASONS, SyncFailure } from '../../src/sync/failure.js';
import { DeletionGuardError } from '../../src/sync/deletion-guard.js';
import { freePort } from '../support/ports.js';
import { validEnv } from '../support/env.js';

const silent = () => createLogger({ level: 'error', json: false, stream: new PassThrough() });

test('the reasons are a small fixed set of label-safe words', () => {
  assert.deepEqual([...FAILURE_REASONS], ['ldap_connect', 'ldap_search', 'schema', 'database', 'deletion_guard', 'reenable_guard', 'config', 'lock_skipped', 'other']);
  for (const reason of FAILURE_REASONS) assert.match(reason, /^[a-z_]+$/);
});

test('the project\'s own errors carry their reason', () => {
  assert.equal(failureReason(new SchemaError(judgeSchema(sqliteDialect.expectedSchema, null, new Map()))), 'schema');
  assert.equal(failureReason(new DeletionGuardError({ message: 'would delete 9 of 10' })), 'deletion_guard');
  assert.equal(failureReason(new SyncLockBusyError('held')), 'lock_skipped');
  assert.equal(failureReason(new TypeError('x is undefined')), 'other', 'a defect is "other"');
  assert.equal(failureReason('a string'), 'other');
});

test('LDAP: a refused connection and a TLS handshake with a server that speaks no TLS are ldap_connect', async () => {
  const base = { url: '', bindDn: 'cn=r', bindPassword: 'p', timeoutMs: 2000, startTls: false, skipCertVerify: false, caPem: '' };
  const refused = await openLdapConnection({ ...base, url: `ldap://127.0.0.1:${await freePort()}` } as never, silent()).then(() => null, (e: unknown) => e);
  assert.equal(failureReason(refused), 'ldap_connect');
  assert.match((refused as Error).message, /^failed to connect to LDAP at ldap:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);

  // A TCP server that closes every connection at once: the TLS handshake cannot finish.
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const tls = await openLdapConnection({ ...base, url: `ldaps://127.0.0.1:${port}` } as never, silent()).then(() => null, (e: unknown) => e);
    assert.equal(failureReason(tls), 'ldap_connect');
  } finally {
    server.close();
  }
});

test('LDAP: a range read that cannot be completed is ldap_search', async () => {
  const entry = { dn: 'cn=big,dc=x', 'member;range=5-9': [Buffer.from('v5')] };
  const failed = await completeRangedValues({ search: () => assert.fail('no follow-up is needed') }, entry, 'member').then(() => null, (e: unknown) => e);
  assert.match((failed as Error).message, /first block starts at 5/);
  assert.equal(failureReason(failed), 'ldap_search');
});

test('failsAs: a foreign error becomes the step\'s reason with its message and cause; a classified one passes', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: await freePort(), user: 'x', database: 'x' });
  client.on('error', () => undefined);
  const driver = await client.connect().then(() => null, (e: unknown) => e as Error);
  assert.ok(driver);
  const wrapped = await failsAs('database', () => Promise.reject(driver)).then(() => null, (e: unknown) => e as SyncFailure);
  assert.ok(wrapped instanceof SyncFailure);
  assert.equal(wrapped.reason, 'database');
  assert.equal(wrapped.message, driver.message || driver.name);
  assert.equal(wrapped.cause, driver);

  const guard = new DeletionGuardError({ message: 'no' });
  assert.equal(await failsAs('database', () => Promise.reject(guard)).catch((e: unknown) => e), guard);
  assert.equal(await failsAs('database', async () => 7), 7);
});

test('failsAs: an AggregateError without a message keeps the messages of its errors', async () => {
  const aggregate = new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('connect ECONNREFUSED 127.0.0.1:5432')]);
  const wrapped = await failsAs('database', () => Promise.reject(aggregate)).catch((e: unknown) => e as Error);
  assert.equal(wrapped.message, 'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
});

const JOB_ENV = validEnv({ LDAP_BIND_PASSWORD: 'x', DB_CONNECTION_STRING: '/nonexistent/pocket-id.db' });

test('a job reports the reason: a failure by its error\'s reason, a held lock as skipped, an unopenable database as database', async () => {
  const config = loadConfig(JOB_ENV);
  const database = { get: async () => ({}) as PocketIdDatabase };
  const failed = await runJob({ jsonLog: config.log.json, log: silent(), database, sync: async () => { throw new DeletionGuardError({ message: 'would delete 9 of 10' }); } });
  assert.deepEqual([failed.result, failed.failureReason], ['failure', 'deletion_guard']);
  const skipped = await runJob({ jsonLog: config.log.json, log: silent(), database, sync: async () => { throw new SyncLockBusyError('held'); } });
  assert.deepEqual([skipped.result, skipped.failureReason], ['skipped', 'lock_skipped']);
  const unopenable = await runJob({ jsonLog: config.log.json, log: silent(), database: { get: async () => { throw new Error('SQLite database x does not exist'); } }, sync: async () => { throw new Error('not reached'); } });
  assert.deepEqual([unopenable.result, unopenable.failureReason, unopenable.reason], ['failure', 'database', 'SQLite database x does not exist']);
});
