// Each failure reason of the metrics, produced by the real fault against a real slapd and a real
// SQLite or PostgreSQL database, and read back from the error runSync throws: the reason is set
// where the error is thrown, never guessed from its text.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { POSTGRES_SYNC_LOCK_KEY } from '../../src/db/postgres/postgres-database.js';
import { failureReason, type FailureReason } from '../../src/sync/failure.js';
import { holdLock } from '../support/fault-tools.js';
import { freePort } from '../support/ports.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let slapd: SlapdInstance;
let sqlite: TestDatabase;
let env: Record<string, string>;

before(async () => {
  slapd = await startSlapd({ tls: true });
  sqlite = await createTestDatabase('sqlite');
  env = testEnv(slapd, sqlite);
  const first = await syncWith(env);
  assert.equal(first.error, undefined, 'the first sync succeeds, so LDAP users exist for the guard');
});
after(async () => {
  await sqlite.close();
  await stopAllSlapd();
});

async function reasonOf(overrides: Record<string, string>): Promise<{ reason: FailureReason; message: string }> {
  const outcome = await syncWith({ ...env, ...overrides });
  assert.ok(outcome.error, 'the run fails');
  return { reason: failureReason(outcome.error), message: outcome.error.message };
}

const cases: [name: string, expected: FailureReason, overrides: () => Promise<Record<string, string>> | Record<string, string>, message: RegExp][] = [
  ['a wrong bind password', 'ldap_connect', () => ({ LDAP_BIND_PASSWORD: 'wrong' }), /invalid credentials \(LDAP result 49\)/],
  ['a port nobody listens on', 'ldap_connect', async () => ({ LDAP_URL: `ldap://127.0.0.1:${await freePort()}` }), /ECONNREFUSED/],
  ['ldaps to a certificate of a CA not trusted', 'ldap_connect', () => ({ LDAP_URL: slapd.ldapsUrl! }), /certificate/],
  ['a base DN that does not exist', 'ldap_search', () => ({ LDAP_BASE: 'ou=nowhere,dc=example,dc=com' }), /failed to query LDAP users: no such object/],
  ['member range retrieval against OpenLDAP', 'config', () => ({ LDAP_SYNC_MEMBER_RANGE_SIZE: '1500' }), /needs Active Directory or Samba/],
  ['a user filter that matches nobody', 'deletion_guard', () => ({ LDAP_USER_SEARCH_FILTER: '(uid=nobody-at-all)' }), /^deletion guard: the user search returned no entries/],
];

for (const [name, expected, overrides, message] of cases) {
  test(`failure reason ${expected}: ${name}`, async () => {
    const failed = await reasonOf(await overrides());
    assert.match(failed.message, message);
    assert.equal(failed.reason, expected);
  });
}

test('failure reason schema: an SQLite file with no Pocket ID tables', async () => {
  const path = `${sqlite.connectionString}.empty.db`;
  new Database(path).close();
  const failed = await reasonOf({ DB_CONNECTION_STRING: path });
  assert.match(failed.message, /^refusing to write: .*no schema_migrations table/);
  assert.equal(failed.reason, 'schema');
});

test('failure reason database: a file that is not an SQLite database (the driver\'s own error)', async () => {
  const path = `${sqlite.connectionString}.garbage.db`;
  writeFileSync(path, 'this is not a database, it is a text file long enough to have a header'.repeat(20));
  const failed = await reasonOf({ DB_CONNECTION_STRING: path });
  assert.match(failed.message, /file is not a database/);
  assert.equal(failed.reason, 'database');
});

test('failure reason database: PostgreSQL refusing connections', async () => {
  const failed = await reasonOf({ DB_CONNECTION_STRING: `postgres://pocketid@127.0.0.1:${await freePort()}/pocketid` });
  assert.match(failed.message, /cannot reach PostgreSQL .*ECONNREFUSED/);
  assert.equal(failed.reason, 'database');
});

test('reason lock_skipped: another session holds the sync\'s advisory lock on PostgreSQL', async () => {
  const postgres = await createTestDatabase('postgres');
  const lock = await holdLock(postgres.connectionString, `SELECT pg_advisory_xact_lock(${POSTGRES_SYNC_LOCK_KEY})`);
  try {
    const failed = await reasonOf({ DB_CONNECTION_STRING: postgres.connectionString });
    assert.match(failed.message, /another sync holds the PostgreSQL advisory lock/);
    assert.equal(failed.reason, 'lock_skipped');
  } finally {
    await lock.release();
    await postgres.close();
  }
});
