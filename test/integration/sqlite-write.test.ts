import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteDatabase } from '../../src/db/sqlite/sqlite-database.js';
import type { CurrentState } from '../../src/sync/types.js';
import { createTestDatabase } from '../support/test-database.js';

const LOCAL = (n: number) => `c0000000-0000-4000-8000-00000000000${n}`;

function insertLocalUser(path: string, n: number): void {
  const other = new Database(path);
  other.prepare(
    `INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, disabled, email_verified)
     VALUES (?, 0, ?, NULL, '', '', ?, 0, 0, 0)`,
  ).run(LOCAL(n), `local${n}`, `local${n}`);
  other.close();
}

test('SQLite plans outside the write lock and plans again when another connection committed meanwhile', async () => {
  const testDb = await createTestDatabase('sqlite');
  const db = SqliteDatabase.open(testDb.connectionString);
  try {
    const seen: number[] = [];
    let committedElsewhere = false;
    const result = await db.write(
      (state: CurrentState) => {
        seen.push(state.users.length);
        // Pocket ID commits a new user while we are planning, before our BEGIN IMMEDIATE.
        if (!committedElsewhere) {
          committedElsewhere = true;
          insertLocalUser(testDb.connectionString, 1);
        }
        return state.users.length;
      },
      async () => undefined,
    );
    assert.deepEqual(seen, [0, 1], 'the state was read again inside the transaction');
    assert.equal(result, 1, 'what is committed is planned from the state inside the lock');

    const quiet: number[] = [];
    await db.write((state: CurrentState) => (quiet.push(state.users.length), 0), async () => undefined);
    assert.deepEqual(quiet, [1], 'with no other writer the plan is made once, before the lock');
  } finally {
    await db.close();
    await testDb.close();
  }
});
