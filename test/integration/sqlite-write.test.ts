import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { WriteProgress } from '../../src/db/database.js';
import { SqliteDatabase } from '../../src/db/sqlite/sqlite-database.js';
import type { CurrentState, NewUser, SyncPlan } from '../../src/sync/types.js';
import { createTestDatabase } from '../support/test-database.js';
import { emptyPlan } from '../../src/sync/plan.js';

const id = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Another connection, as Pocket ID would write: commits at once. */
function elsewhere(path: string, statement: string, ...params: unknown[]): void {
  const other = new Database(path);
  other.prepare(statement).run(...params);
  other.close();
}

function insertUser(path: string, n: number, ldapId: string | null): void {
  elsewhere(
    path,
    `INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, ldap_id, disabled, email_verified)
     VALUES (?, 0, ?, NULL, '', '', ?, 0, ?, 0, 0)`,
    id(n), `user${n}`, `user${n}`, ldapId,
  );
}

const newUser = (n: number): NewUser => ({
  id: id(n), ldapId: `ldap-${n}`, dn: `uid=user${n}`, username: `user${n}`, email: `user${n}@example.com`,
  firstName: 'U', lastName: String(n), displayName: `User ${n}`, isAdmin: false, emailVerified: true, disabled: false,
});

/** Disables every LDAP user of the state: a plan whose rows another connection can change under it. */
function disableAll(state: CurrentState): SyncPlan {
  const plan = emptyPlan();
  plan.users.disable = state.users.filter((u) => u.ldapId !== null && !u.disabled).map((u) => ({ id: u.id, username: u.username, ldapId: u.ldapId as string }));
  return plan;
}

test('SQLite: a commit by another connection to rows the plan does not touch costs a check of the planned rows, not a new plan', async () => {
  const testDb = await createTestDatabase('sqlite');
  insertUser(testDb.connectionString, 1, 'ldap-1');
  const db = SqliteDatabase.open(testDb.connectionString);
  try {
    let plans = 0;
    const result = await db.write(
      (state) => {
        plans += 1;
        // Pocket ID commits an unrelated local user between our read and our BEGIN IMMEDIATE.
        if (plans === 1) insertUser(testDb.connectionString, 2, null);
        return disableAll(state);
      },
      { now: new Date() },
    );
    assert.equal(plans, 1);
    assert.equal(result.transactions, 1);
    assert.deepEqual((await testDb.users()).map((u) => [u.username, u.disabled]), [['user1', true], ['user2', false]]);
  } finally {
    await db.close();
    await testDb.close();
  }
});

test('SQLite: when another connection changed a row the plan writes before anything was committed, the plan is made again outside the lock', async () => {
  const testDb = await createTestDatabase('sqlite');
  insertUser(testDb.connectionString, 1, 'ldap-1');
  const db = SqliteDatabase.open(testDb.connectionString);
  try {
    const seen: string[][] = [];
    await db.write(
      (state) => {
        seen.push(state.users.map((u) => u.displayName));
        if (seen.length === 1) elsewhere(testDb.connectionString, `UPDATE users SET display_name = 'renamed elsewhere' WHERE id = ?`, id(1));
        return disableAll(state);
      },
      { now: new Date() },
    );
    assert.deepEqual(seen, [['user1'], ['renamed elsewhere']], 'the second plan was made from the changed row');
    assert.equal((await testDb.user('user1'))?.disabled, true);
  } finally {
    await db.close();
    await testDb.close();
  }
});

test('SQLite: a plan larger than LDAP_SYNC_SQLITE_BATCH_ROWS is committed in batches, creations before memberships, removals last', async () => {
  const testDb = await createTestDatabase('sqlite');
  insertUser(testDb.connectionString, 90, 'ldap-90');
  // A user counts 3, a group 3, a membership 1, a disable 2: a budget of 8 takes two users; a batch that would reach
  // a step the last one did not write gets half of it (takeNextBatch): one user, then a group and a membership.
  const db = SqliteDatabase.open(testDb.connectionString, 8);
  try {
    const progress: WriteProgress[] = [];
    const groupId = id(50);
    const result = await db.write(
      (state) => {
        const plan = disableAll(state);
        plan.users.create = [5, 3, 1, 4, 2].map(newUser);
        plan.groups.create = [{ id: groupId, ldapId: 'g-1', dn: 'cn=g', name: 'g', friendlyName: 'g' }];
        plan.memberships.add = [4, 2, 5, 1, 3].map((n) => ({ groupId, userId: id(n), groupName: 'g', username: `user${n}` }));
        return plan;
      },
      { now: new Date(), onCommitted: (p) => progress.push(p) },
    );
    assert.deepEqual(progress.map((p) => p.wrote), [
      'insert users 2',
      'insert users 2',
      'insert users 1',
      'insert groups 1, add memberships 1',
      'add memberships 4',
      'disable users 1',
    ]);
    assert.deepEqual(progress.map((p) => `${p.committed}/${p.total}`), ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    assert.equal(result.transactions, 6);
    assert.equal(db.transactionsFor(result.plan, { users: [], groups: [], memberships: new Map() }), 6, 'the dry run counts the same batches');
    // Primary-key order: rowids follow insertion order.
    const order = (table: string, key: string) =>
      (new Database(testDb.connectionString, { readonly: true }).prepare(`SELECT ${key} AS k FROM ${table} ORDER BY rowid`).all() as { k: string }[]).map((r) => r.k);
    assert.deepEqual(order('users', 'id'), [id(90), id(1), id(2), id(3), id(4), id(5)]);
    assert.deepEqual(order('user_groups_users', 'user_id'), [1, 2, 3, 4, 5].map(id));
  } finally {
    await db.close();
    await testDb.close();
  }
});

test('SQLite: when another connection takes a value a later batch needs, the run stops, says how far it got, and the committed batches stay consistent', async () => {
  const testDb = await createTestDatabase('sqlite');
  const db = SqliteDatabase.open(testDb.connectionString, 8);
  try {
    let committed = 0;
    const failure = await db
      .write(
        () => {
          const plan = emptyPlan();
          plan.users.create = [1, 2, 3, 4, 5, 6].map(newUser);
          return plan;
        },
        {
          now: new Date(),
          onCommitted: () => {
            committed += 1;
            // Pocket ID creates a local user with the username the third batch is about to insert.
            if (committed === 1) insertUser(testDb.connectionString, 99, null), elsewhere(testDb.connectionString, `UPDATE users SET username = 'user5' WHERE id = ?`, id(99));
          },
        },
      )
      .then(() => assert.fail('the run should fail'), (error: Error) => error);
    assert.match(failure.message, /^the database changed under the run: user user5 \(.*\) now holds a username, email or ldap_id the plan gives another user \(committed 2 of 3 write transactions: each is complete on its own; the next run writes the rest\)$/);
    assert.deepEqual((await testDb.users()).map((u) => u.username), ['user1', 'user2', 'user3', 'user4', 'user5']);
  } finally {
    await db.close();
    await testDb.close();
  }
});
