// Session revocation on an older Pocket ID schema (v2.10-v2.11): oauth2_sessions without client_id and
// request_data as text, and the one_time_access_tokens table those versions still have.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { stopAllSlapd } from '../support/slapd.js';
import { startFixture, syncWith } from '../support/sync-harness.js';
import { DB_KINDS, type TestDatabase } from '../support/test-database.js';

after(() => stopAllSlapd());

/** Pocket ID v2.10-v2.11: oauth2_sessions before 20260731120000 (no client_id, request_data as text), and one_time_access_tokens. */
async function toPocketIdV211(db: TestDatabase): Promise<void> {
  const statements =
    db.kind === 'postgres'
      ? [
          'ALTER TABLE oauth2_sessions DROP COLUMN client_id',
          `CREATE TABLE one_time_access_tokens (id uuid NOT NULL PRIMARY KEY, created_at timestamptz, token varchar(255) NOT NULL UNIQUE,
             expires_at timestamptz NOT NULL, user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE, device_token varchar(16))`,
          'UPDATE schema_migrations SET version = 20260708130000',
        ]
      : [
          'DROP TABLE oauth2_sessions',
          `CREATE TABLE oauth2_sessions (id TEXT NOT NULL PRIMARY KEY, created_at INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
             request_id TEXT NOT NULL, access_token_signature TEXT NOT NULL DEFAULT '', active BOOLEAN NOT NULL DEFAULT TRUE,
             request_data TEXT NOT NULL, expires_at INTEGER)`,
          `CREATE TABLE one_time_access_tokens (id TEXT NOT NULL PRIMARY KEY, created_at DATETIME, token TEXT NOT NULL UNIQUE,
             expires_at DATETIME NOT NULL, user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE, device_token TEXT)`,
          'UPDATE schema_migrations SET version = 20260708130000',
        ];
  for (const statement of statements) await sql.raw(statement).execute(db.db);
}

for (const kind of DB_KINDS) {
  test(`Pocket ID v2.11 (${kind}): sessions without client_id are revoked, and the user's one-time access tokens deleted`, async () => {
    const fixture = await startFixture(kind);
    const { db } = fixture;
    try {
      assert.ifError((await syncWith(fixture.env)).error);
      await toPocketIdV211(db);
      const bob = (await db.user('bob'))!.id;
      const alice = (await db.user('alice'))!.id;
      const now = Math.floor(Date.now() / 1000);
      const time = (seconds: number) => (kind === 'postgres' ? new Date(seconds * 1000) : seconds);
      for (const [user, kindOf] of [[bob, 'refresh_token'], [bob, 'access_token'], [alice, 'refresh_token']] as const) {
        const data = JSON.stringify({ id: `req-${user}`, client_id: 'app-one', session: { subject: user } });
        await sql`INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, access_token_signature, active, request_data, expires_at)
                  VALUES (${randomUUID()}, ${time(now)}, ${kindOf}, ${`${kindOf}-${user}`}, ${`req-${user}`}, '', ${kind === 'postgres' ? true : 1},
                          ${kind === 'postgres' ? sql`${data}::jsonb` : data}, ${time(now + 3600)})`.execute(db.db);
      }
      for (const user of [bob, alice]) {
        await sql`INSERT INTO one_time_access_tokens (id, created_at, token, expires_at, user_id)
                  VALUES (${randomUUID()}, ${time(now)}, ${`ota-${user}`}, ${time(now + 900)}, ${user})`.execute(db.db);
      }
      const outcome = await syncWith({ ...fixture.env, LDAP_USER_SEARCH_FILTER: `(&${fixture.env.LDAP_USER_SEARCH_FILTER}(!(uid=bob)))` });
      assert.ifError(outcome.error);
      assert.deepEqual(outcome.result!.summary.sessions!.byKind, { refresh_token: 1, access_token: 1, one_time_access_token: 1 });
      const left = await sql<{ kind: string; key: string; active: boolean | number }>`SELECT kind, key, active FROM oauth2_sessions ORDER BY key`.execute(db.db);
      assert.deepEqual(left.rows.map((r) => `${r.key} ${r.active === true || r.active === 1}`).sort(), [`refresh_token-${alice} true`, `refresh_token-${bob} false`].sort());
      const tokens = await sql<{ user_id: string }>`SELECT CAST(user_id AS TEXT) AS user_id FROM one_time_access_tokens`.execute(db.db);
      assert.deepEqual(tokens.rows.map((r) => r.user_id), [alice]);
    } finally {
      await fixture.done();
    }
  });
}
