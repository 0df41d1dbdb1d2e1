// write() with the state read ahead (while LDAP is read): the plan is made
// outside any transaction, and inside it only the rows the plan touches are
// checked against what another connection (Pocket ID, another instance)
// committed meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { PocketIdDatabase } from '../../src/db/database.js';
import { PostgresDatabase, POSTGRES_SYNC_LOCK_KEY } from '../../src/db/postgres/postgres-database.js';
import { SqliteDatabase } from '../../src/db/sqlite/sqlite-database.js';
import { emptyPlan } from '../../src/sync/plan.js';
import type { CurrentState, NewUser, SyncPlan } from '../../src/sync/types.js';
import { holdLock } from '../support/fault-tools.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../support/test-database.js';

const id = (n: number) => `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Another connection commits a user, as Pocket ID would. */
async function insertUser(testDb: TestDatabase, n: number, username: string, ldapId: string | null): Promise<void> {
  const created = testDb.kind === 'postgres' ? sql`now()` : sql`0`;
  await sql`INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, ldap_id, disabled, email_verified)
    VALUES (${id(n)}, ${created}, ${username}, NULL, '', '', ${username}, false, ${ldapId}, false, false)`.execute(testDb.db);
}

function disableAll(state: CurrentState): SyncPlan {
  const plan = emptyPlan();
  plan.users.disable = state.users.filter((u) => u.ldapId !== null && !u.disabled).map((u) => ({ id: u.id, username: u.username, ldapId: u.ldapId as string }));
  return plan;
}

const newUser = (n: number, username: string): NewUser => ({
  id: id(n), ldapId: `ldap-${n}`, dn: `uid=${username}`, username, email: null,
  firstName: 'U', lastName: String(n), displayName: username, isAdmin: false, emailVerified: true, disabled: false,
});

async function withDatabases(kind: (typeof DB_KINDS)[number], body: (testDb: TestDatabase, db: PocketIdDatabase) => Promise<void>): Promise<void> {
  const testDb = await createTestDatabase(kind);
  const db = kind === 'postgres' ? new PostgresDatabase(testDb.connectionString) : SqliteDatabase.open(testDb.connectionString);
  try {
    await body(testDb, db);
  } finally {
    await db.close();
    await testDb.close();
  }
}

for (const kind of DB_KINDS) {
  test(`${kind}: with the state read ahead, a plan that writes nothing opens no write transaction`, async () => {
    await withDatabases(kind, async (testDb, db) => {
      await insertUser(testDb, 1, 'user1', 'ldap-1');
      const ahead = await db.readState();
      // On PostgreSQL even another sync holding the advisory lock does not matter: there is nothing to write.
      const lock = kind === 'postgres' ? await holdLock(testDb.connectionString, `SELECT pg_advisory_xact_lock(${POSTGRES_SYNC_LOCK_KEY})`) : null;
      try {
        const result = await db.write(() => emptyPlan(), { now: new Date(), ahead });
        assert.equal(result.transactions, 0);
      } finally {
        await lock?.release();
      }
    });
  });

  test(`${kind}: a row the plan touches, changed by another connection after the read ahead, makes the plan again from a fresh read`, async () => {
    await withDatabases(kind, async (testDb, db) => {
      await insertUser(testDb, 1, 'user1', 'ldap-1');
      const ahead = await db.readState();
      await sql`UPDATE users SET display_name = 'renamed elsewhere' WHERE id = ${id(1)}`.execute(testDb.db);
      const seen: string[][] = [];
      const result = await db.write((state) => {
        seen.push(state.users.map((u) => u.displayName));
        return disableAll(state);
      }, { now: new Date(), ahead });
      assert.deepEqual(seen, [['user1'], ['renamed elsewhere']], 'the second plan was made from the changed row');
      assert.equal(result.transactions, 1);
      assert.equal((await testDb.user('user1'))?.disabled, true);
      assert.equal((await testDb.user('user1'))?.display_name, 'renamed elsewhere');
    });
  });

  test(`${kind}: a commit elsewhere to rows the plan does not touch keeps the plan made from the state read ahead`, async () => {
    await withDatabases(kind, async (testDb, db) => {
      await insertUser(testDb, 1, 'user1', 'ldap-1');
      const ahead = await db.readState();
      await insertUser(testDb, 2, 'local2', null);
      let plans = 0;
      await db.write((state) => {
        plans += 1;
        return disableAll(state);
      }, { now: new Date(), ahead });
      assert.equal(plans, 1);
      assert.deepEqual((await testDb.users()).map((u) => [u.username, u.disabled]), [['local2', false], ['user1', true]]);
    });
  });

  test(`${kind}: a username taken elsewhere after the read ahead (in another case) is seen before the plan's insert`, async () => {
    await withDatabases(kind, async (testDb, db) => {
      const ahead = await db.readState();
      await insertUser(testDb, 2, 'ALICE', null);
      const seen: number[] = [];
      await db.write((state) => {
        seen.push(state.users.length);
        const plan = emptyPlan();
        // The fresh plan sees the local ALICE and, as the real plan would, leaves alice out.
        if (state.users.length === 0) plan.users.create = [newUser(1, 'alice')];
        return plan;
      }, { now: new Date(), ahead });
      assert.deepEqual(seen, [0, 1]);
      assert.deepEqual((await testDb.users()).map((u) => u.username), ['ALICE']);
    });
  });
}

test('postgres: a plan touching more rows than the state holds compares a fresh read whole instead of checking its rows', async () => {
  await withDatabases('postgres', async (testDb, db) => {
    const plans = async (elsewhere: () => Promise<void>) => {
      const ahead = await db.readState();
      await elsewhere();
      let count = 0;
      const result = await db.write((state) => {
        count += 1;
        const plan = emptyPlan();
        // Like an initial sync: every user new, more rows than the database holds.
        const base = 1000 + state.users.length * 100;
        plan.users.create = Array.from({ length: 10 + 2 * state.users.length }, (_, n) => newUser(base + n, `new${base + n}`));
        return plan;
      }, { now: new Date(), ahead });
      assert.equal(result.transactions, 1);
      return count;
    };
    assert.equal(await plans(async () => undefined), 1, 'nothing changed since the read ahead: the plan stands');
    // A local user the plan's own rows would never be checked against: the whole-state comparison still sees it.
    assert.equal(await plans(() => insertUser(testDb, 100, 'local100', null)), 2);
    assert.equal((await testDb.users()).length, 10 + 1 + 32);
  });
});
