// The lean state read started while LDAP is read (src/run/read-ahead.ts): it
// waits for the users to be chosen, ends without them when dropped, and fails
// as a database failure. Against PostgreSQL: the incremental tests in
// test/integration (sync-incremental, incremental-differential).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PocketIdDatabase, StateParts, StateRead } from '../../src/db/database.js';
import { LeanStateAhead } from '../../src/run/read-ahead.js';
import { SyncFailure } from '../../src/sync/failure.js';
import type { CurrentUser, UserKeys } from '../../src/sync/types.js';

const row = (id: string): CurrentUser => ({ id, ldapId: id, username: id, email: null, firstName: '', lastName: '', displayName: id, isAdmin: false, emailVerified: true, disabled: false });

/** A database whose readState hands the chooser a reader that answers each ldap_id with one row, and records the keys asked. */
function fakeDatabase(fail?: Error): { db: PocketIdDatabase; asked: UserKeys[]; parts: StateParts[] } {
  const asked: UserKeys[] = [];
  const parts: StateParts[] = [];
  const readState = async (_scope: unknown, p: StateParts = {}): Promise<StateRead> => {
    parts.push(p);
    if (fail) throw fail;
    const users = p.users ? await p.users(async (keys) => (asked.push(keys), keys.ldapIds.map(row))) : [];
    return { state: { users, groups: [], memberships: new Map() } };
  };
  return { db: { kind: 'postgres', readState } as unknown as PocketIdDatabase, asked, parts };
}

const keys = (ldapIds: string[]): UserKeys => ({ ldapIds, usernames: [], emails: [], admins: true });

test('the lean read waits for the users to be chosen and gives the rows chosen', async () => {
  const { db, asked, parts } = fakeDatabase();
  const lean = new LeanStateAhead(db, {});
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(asked.length, 0);
  assert.equal(parts[0]?.memberships, false);
  const read = await lean.read(async (readRows) => readRows(keys(['a', 'b'])));
  assert.deepEqual(read.state.users.map((u) => u.id), ['a', 'b']);
  assert.deepEqual(asked, [keys(['a', 'b'])]);
  await lean.drop();
  assert.equal(parts.length, 1);
});

test('a lean read dropped unused ends without reading users', async () => {
  const { db, asked } = fakeDatabase();
  await new LeanStateAhead(db, {}).drop();
  assert.deepEqual(asked, []);
});

test('a lean read that fails is a database failure, and dropping it does not throw', async () => {
  const { db } = fakeDatabase(new Error('connection reset'));
  const lean = new LeanStateAhead(db, {});
  await assert.rejects(lean.read(async () => []), (error: unknown) => error instanceof SyncFailure && error.reason === 'database');
  await new LeanStateAhead(db, {}).drop();
});
