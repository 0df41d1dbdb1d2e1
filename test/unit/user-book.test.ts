// The book of user rows a committed plan leaves (src/sync/user-book.ts): the
// next plan over the touched users brings it up to date in place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CurrentUser, FinalUsers } from '../../src/sync/types.js';
import { bookToKeep, patchFinalUsers, skippedUserKeys } from '../../src/sync/user-book.js';
import { directoryUser } from '../support/directory-user.js';
import { UserBook } from '../../src/sync/types.js';

const row = (id: string, username: string): CurrentUser => ({ id, ldapId: `l-${id}`, username, email: null, firstName: '', lastName: '', displayName: username, isAdmin: false, emailVerified: true, disabled: false });

function final(pairs: [string, string][], others: string[] = []): FinalUsers {
  return { ids: pairs.map(([id]) => id), indexByUsername: new Map(pairs.map(([, name], k) => [name, k])), others: new Set(others) };
}

/** username → id, the book's meaning (its order is its own). */
const named = (f: FinalUsers) => new Map([...f.indexByUsername].map(([name, k]) => [name, f.ids[k]]));

test('a patched book names every row as the plan left it: names swapped, rows deleted, created, untouched', () => {
  const book = final([['a', 'ann'], ['b', 'bob'], ['c', 'cid'], ['d', 'dee']], ['local']);
  // a and b swap names, c is deleted, e is created; d is untouched.
  const read = [row('a', 'ann'), row('b', 'bob'), row('c', 'cid')];
  const planned = final([['a', 'bob'], ['b', 'ann'], ['e', 'eve']], ['c', 'local']);
  patchFinalUsers(book, read, planned);
  assert.deepEqual(named(book), new Map([['bob', 'a'], ['ann', 'b'], ['dee', 'd'], ['eve', 'e']]));
  assert.deepEqual([...book.others].sort(), ['c', 'local']);
  // The rows keep their places: the membership diff numbers users by them.
  assert.deepEqual(book.ids.slice(0, 4), ['a', 'b', 'c', 'd']);
});

test('a row the book holds under another username (changed by hand) loses that name', () => {
  const book = final([['a', 'ann'], ['b', 'bob']]);
  patchFinalUsers(book, [row('a', 'anna')], final([['a', 'anna']]));
  assert.deepEqual(named(book), new Map([['anna', 'a'], ['bob', 'b']]));
  assert.equal(book.ids.length, 2);
});

test('the keys of skipped user entries, by their DNs; none looked for without a skip', () => {
  const users = [directoryUser('ann'), directoryUser('bob', { ldapId: '' })];
  const skip = (dn: string) => ({ kind: 'user' as const, dn, reason: 'email-taken' as const, message: '' });
  assert.deepEqual(skippedUserKeys(users, [skip(users[0]!.dn), skip(users[1]!.dn), { ...skip('cn=g'), kind: 'group' }]), ['id-ann', `dn:${users[1]!.dn}`]);
  assert.deepEqual(skippedUserKeys(users, []), []);
});

test('the book kept holds the same ids, as strings of their own', () => {
  const packed = `${'x'.repeat(40)}|a-0000000000000000000000000000000001|`;
  const id = packed.slice(41, 77);
  const book = bookToKeep(new UserBook(final([[id, 'ann']]), new Set(), [], []));
  assert.equal(book.final.ids[0], id);
});
