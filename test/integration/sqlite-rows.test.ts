// SQLite, Pocket ID's default database: the same rows as on PostgreSQL after a first sync, a round
// of LDAP changes and a hard delete, and the foreign-key cascades of a hard delete. The core sync
// suite (sync.test.ts) already runs on both.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Attribute, Change } from 'ldapts';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';

after(stopAllSlapd);

/** What a row means, without the values each database invents (ids, timestamps). */
async function logicalRows(db: TestDatabase) {
  const users = (await db.users()).map(({ id: _id, created_at, updated_at, ...rest }) => ({
    ...rest,
    hasCreatedAt: created_at !== null,
    hasUpdatedAt: updated_at !== null,
  }));
  const groups = (await db.groups()).map(({ id: _id, updated_at, ...rest }) => ({ ...rest, hasUpdatedAt: updated_at !== null }));
  return { users, groups, memberships: await db.memberships() };
}

describe('SQLite and PostgreSQL end with the same rows', () => {
  test('first sync, a round of LDAP changes, and a hard delete give identical logical rows in both', async () => {
    const slapd = await startSlapd();
    const pg = await createTestDatabase('postgres');
    const lite = await createTestDatabase('sqlite');
    try {
      const syncBoth = async (overrides: Record<string, string> = {}) => {
        const a = await syncWith(testEnv(slapd, pg, overrides));
        const b = await syncWith(testEnv(slapd, lite, overrides));
        assert.ifError(a.error);
        assert.ifError(b.error);
        assert.deepEqual(b.result!.summary, a.result!.summary, 'same summary on both');
        return a.result!.summary;
      };

      const first = await syncBoth();
      assert.equal(first.users.created, 28, 'the test directory gives 28 users without local rows in the way');
      const pgRows = await logicalRows(pg);
      assert.deepEqual(await logicalRows(lite), pgRows);
      assert.ok(pgRows.users.length > 20 && pgRows.groups.length > 5 && pgRows.memberships.length > 20, 'the comparison is not vacuous');

      await ldapAdmin(slapd, async (client) => {
        await client.modify(`cn=Doe\\, John,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'uid', values: ['john.doe'] }) })]);
        await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.archer@example.com'] }) })]);
        await client.modify(`cn=developers,${GROUPS}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=bob,${PEOPLE}`] }) })]);
        await client.modify(`cn=team01,${GROUPS}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
        await client.del(`uid=user18,${PEOPLE}`);
        await client.del(`cn=team05,${GROUPS}`);
      });
      const changed = await syncBoth();
      assert.deepEqual(
        [changed.users.updated, changed.users.disabled, changed.groups.deleted, changed.memberships.added, changed.memberships.removed],
        [2, 1, 1, 1, 1],
      );
      assert.deepEqual(await logicalRows(lite), await logicalRows(pg));
      assert.equal((await lite.user('user18'))!.disabled, true, 'soft delete disables');

      const hard = await syncBoth({ LDAP_SOFT_DELETE_USERS: 'false' });
      assert.equal(hard.users.deleted, 1);
      assert.deepEqual(await logicalRows(lite), await logicalRows(pg));
      assert.equal(await lite.user('user18'), undefined);
    } finally {
      await pg.close();
      await lite.close();
      await slapd.stop();
    }
  });
});

describe('SQLite foreign keys on hard delete', () => {
  test('deleting a user or group removes every row that references it, as Pocket ID\'s own deletes do', async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    const file = db.connectionString;
    try {
      assert.ifError((await syncWith(testEnv(slapd, db))).error);
      const bob = (await db.user('bob'))!.id;
      const alice = (await db.user('alice'))!.id;
      const team05 = (await db.groups()).find((g) => g.name === 'team05')!.id;
      const developers = (await db.groups()).find((g) => g.name === 'developers')!.id;

      // Rows Pocket ID would have made while bob and alice used it (tables whose foreign keys reference users).
      const other = new Database(file);
      other.pragma('foreign_keys = ON');
      const now = Math.floor(Date.now() / 1000);
      const insert = (statement: string, ...values: unknown[]) => other.prepare(statement).run(...values);
      insert("INSERT INTO oidc_clients (id, created_at, name, created_by_id) VALUES ('c-bob', ?, 'Wiki', ?)", now, bob);
      insert("INSERT INTO oidc_clients (id, created_at, name, created_by_id) VALUES ('c-alice', ?, 'Chat', ?)", now, alice);
      for (const [who, id] of [['bob', bob], ['alice', alice]] as const) {
        insert(`INSERT INTO webauthn_credentials (id, created_at, name, credential_id, public_key, user_id) VALUES (?, ?, 'YubiKey', ?, ?, ?)`, `w-${who}`, now, Buffer.from(`cred-${who}`), Buffer.from('pk'), id);
        insert('INSERT INTO api_keys (id, created_at, name, key, expires_at, user_id) VALUES (?, ?, ?, ?, ?, ?)', `k-${who}`, now, 'ci', `hash-${who}`, now + 86400, id);
        insert("INSERT INTO audit_logs (id, created_at, event, data, user_id) VALUES (?, ?, 'SIGN_IN', '{}', ?)", `a-${who}`, now, id);
        insert('INSERT INTO reauthentication_tokens (id, created_at, token, expires_at, user_id) VALUES (?, ?, ?, ?, ?)', `r-${who}`, now, `t-${who}`, now + 300, id);
        insert("INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, last_used_at) VALUES (?, 'c-alice', 'openid', ?)", id, now);
        insert('INSERT INTO interaction_sessions (id, created_at, expires_at, data, user_id) VALUES (?, ?, ?, NULL, ?)', `s-${who}`, now, now + 300, id);
        insert("INSERT INTO custom_claims (id, created_at, key, value, user_id) VALUES (?, ?, 'department', 'R&D', ?)", `cc-${who}`, now, id);
      }
      insert("INSERT INTO custom_claims (id, created_at, key, value, user_group_id) VALUES ('cc-team05', ?, 'team', '5', ?)", now, team05);
      insert("INSERT INTO custom_claims (id, created_at, key, value, user_group_id) VALUES ('cc-dev', ?, 'team', 'dev', ?)", now, developers);
      insert('INSERT INTO oidc_clients_allowed_user_groups (oidc_client_id, user_group_id) VALUES (?, ?)', 'c-alice', team05);
      insert('INSERT INTO oidc_clients_allowed_user_groups (oidc_client_id, user_group_id) VALUES (?, ?)', 'c-alice', developers);

      const byUser = ['user_groups_users', 'webauthn_credentials', 'api_keys', 'audit_logs', 'reauthentication_tokens', 'user_authorized_oidc_clients', 'interaction_sessions', 'custom_claims'];
      const count = (table: string, column: string, id: string) =>
        other.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(id)!.n;
      for (const table of byUser) assert.ok(count(table, 'user_id', bob) >= 1, `bob has a ${table} row before`);
      assert.equal(count('user_groups_users', 'user_group_id', team05) > 0, true);

      await ldapAdmin(slapd, async (client) => {
        await client.del(`uid=bob,${PEOPLE}`);
        await client.del(`cn=team05,${GROUPS}`);
      });
      const outcome = await syncWith(testEnv(slapd, db, { LDAP_SOFT_DELETE_USERS: 'false' }));
      assert.ifError(outcome.error);
      assert.equal(outcome.result!.summary.users.deleted, 1);
      assert.equal(outcome.result!.summary.groups.deleted, 1);

      for (const table of byUser) {
        assert.equal(count(table, 'user_id', bob), 0, `${table}: bob's rows cascade with him`);
        assert.ok(count(table, 'user_id', alice) >= 1, `${table}: alice's rows stay`);
      }
      const creator = (id: string) => other.prepare<[string], { created_by_id: string | null }>('SELECT created_by_id FROM oidc_clients WHERE id = ?').get(id);
      assert.deepEqual(creator('c-bob'), { created_by_id: null }, 'oidc_clients.created_by_id is SET NULL, the client stays');
      assert.deepEqual(creator('c-alice'), { created_by_id: alice });
      for (const table of ['user_groups_users', 'custom_claims', 'oidc_clients_allowed_user_groups']) {
        assert.equal(count(table, 'user_group_id', team05), 0, `${table}: team05's rows cascade with the group`);
        assert.ok(count(table, 'user_group_id', developers) >= 1, `${table}: developers' rows stay`);
      }
      assert.deepEqual(other.pragma('foreign_key_check'), [], 'no dangling references anywhere');
      other.close();
    } finally {
      await db.close();
      await slapd.stop();
    }
  });
});
