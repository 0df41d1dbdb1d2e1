// An incremental run reads Pocket ID's state without memberships and then the
// memberships of some users by key (src/run/touched-state.ts): on both
// databases these must be exactly what the whole state read holds for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { PocketIdDatabase } from '../../src/db/database.js';
import { PostgresDatabase } from '../../src/db/postgres/postgres-database.js';
import { SqliteDatabase } from '../../src/db/sqlite/sqlite-database.js';
import { createTestDatabase, DB_KINDS, type DbKind, type TestDatabase } from '../support/test-database.js';

const userId = (n: number) => `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const groupId = (n: number) => `e0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Users 1-6 and groups 1-3: user n is in every group g with (n + g) % 3 !== 0; user 6 in none. */
async function fill(testDb: TestDatabase): Promise<void> {
  const created = testDb.kind === 'postgres' ? sql`now()` : sql`0`;
  for (let n = 1; n <= 6; n++) {
    await sql`INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, ldap_id, disabled, email_verified)
      VALUES (${userId(n)}, ${created}, ${`user${n}`}, NULL, '', '', ${`user${n}`}, false, ${`ldap-${n}`}, false, false)`.execute(testDb.db);
  }
  for (let g = 1; g <= 3; g++) {
    await sql`INSERT INTO user_groups (id, created_at, name, friendly_name, ldap_id) VALUES (${groupId(g)}, ${created}, ${`group${g}`}, ${`group${g}`}, ${`gldap-${g}`})`.execute(testDb.db);
    for (let n = 1; n <= 5; n++) {
      if ((n + g) % 3 !== 0) await sql`INSERT INTO user_groups_users (user_id, user_group_id) VALUES (${userId(n)}, ${groupId(g)})`.execute(testDb.db);
    }
  }
}

// SQLite reads the users ahead on a worker thread from USERS_OFF_THREAD users on (sqlite-database.ts): both ways here.
const CASES = DB_KINDS.flatMap((kind): { kind: DbKind; offThread: boolean }[] => (kind === 'sqlite' ? [{ kind, offThread: false }, { kind, offThread: true }] : [{ kind, offThread: false }]));

for (const { kind, offThread } of CASES) {
  test(`${kind}${offThread ? ' (users read on a worker thread)' : ''}: the state read without memberships, then some users' memberships by key, match the whole read`, async () => {
    const testDb = await createTestDatabase(kind);
    const db: PocketIdDatabase = kind === 'postgres' ? new PostgresDatabase(testDb.connectionString) : SqliteDatabase.open(testDb.connectionString, undefined, offThread ? 0 : Infinity);
    try {
      await fill(testDb);
      const whole = (await db.readState()).state;
      const lean = (await db.readState({}, { memberships: false })).state;
      assert.deepEqual(lean.users, whole.users);
      assert.deepEqual(lean.groups, whole.groups);
      assert.equal(lean.memberships.size, 0);
      assert.deepEqual([...(lean.membershipScope ?? ['absent'])], []);
      assert.equal(whole.membershipScope, undefined);
      assert.equal(whole.memberships.size, 5);

      // Users 1 and 6 (in no group) by id, a user that does not exist, and every member of group 1 (users 1, 3, 4).
      const read = await db.readMembershipsOf({ userIds: [userId(1), userId(6), userId(99)], groupIds: [groupId(1)] });
      assert.deepEqual([...read.scope].sort(), [userId(1), userId(3), userId(4), userId(6)]);
      assert.deepEqual(new Map([...read.memberships].sort()), new Map([...whole.memberships].filter(([id]) => read.scope.has(id)).sort()));
      assert.equal(read.memberships.get(userId(1)), [groupId(1), groupId(3)].join(','));
    } finally {
      await db.close();
      await testDb.close();
    }
  });
}
