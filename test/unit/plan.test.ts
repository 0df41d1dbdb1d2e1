import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import { randomUUID } from 'node:crypto';
import { plan as planWithIds } from '../../src/sync/plan.js';
import type { CurrentState, CurrentUser, PlanOptions, SyncPlan } from '../../src/sync/types.js';
import { directoryUser } from '../support/directory-user.js';
import { afterApply } from '../support/after-apply.js';

/** plan() with random ids unless a test needs predictable ones, as a run has them. */
const plan = (snapshot: DirectorySnapshot, current: CurrentState, options: PlanOptions, newId: () => string = randomUUID) => planWithIds(snapshot, current, options, newId);

const OPTIONS: PlanOptions = { adminGroupName: 'admins', softDeleteUsers: true, requireUserEmail: true };

const user = directoryUser;

function group(name: string, members: string[], extra: Partial<DirectoryGroup> = {}): DirectoryGroup {
  return { dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `gid-${name}`, name, memberUsernames: members, ...extra };
}

function snapshot(users: DirectoryUser[], groups: DirectoryGroup[] = []): DirectorySnapshot {
  return { users, groups, unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } };
}

const EMPTY: CurrentState = { users: [], groups: [], memberships: new Map() };

function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

function isNoop(p: SyncPlan): boolean {
  return (
    p.users.create.length + p.users.update.length + p.users.disable.length + p.users.delete.length +
      p.groups.create.length + p.groups.update.length + p.groups.delete.length +
      p.memberships.add.length + p.memberships.remove.length ===
    0
  );
}

function localUser(id: string, username: string, email: string | null = null): CurrentUser {
  return { id, ldapId: null, username, email, firstName: '', lastName: '', displayName: username, isAdmin: false, emailVerified: false, disabled: false };
}

test('first sync creates users, groups, memberships and admin flags; a second sync plans nothing', () => {
  const dir = snapshot([user('alice'), user('bob')], [group('admins', ['alice']), group('devs', ['alice', 'bob'])]);
  const first = plan(dir, EMPTY, OPTIONS, sequentialIds());
  assert.equal(first.users.create.length, 2);
  assert.equal(first.groups.create.length, 2);
  assert.equal(first.memberships.add.length, 3);
  const alice = first.users.create.find((u) => u.username === 'alice');
  assert.equal(alice?.isAdmin, true);
  assert.equal(alice?.emailVerified, true);
  assert.equal(first.users.create.find((u) => u.username === 'bob')?.isAdmin, false);
  const second = plan(dir, afterApply(EMPTY, first), OPTIONS, sequentialIds());
  assert.ok(isNoop(second), 'second run must not change anything');
  assert.equal(second.users.unchanged, 2);
  assert.equal(second.groups.unchanged, 2);
});

test('users gone from LDAP are disabled once, re-enabled when they return, deleted in hard-delete mode', () => {
  const dir = snapshot([user('alice'), user('bob')]);
  const state = afterApply(EMPTY, plan(dir, EMPTY, OPTIONS, sequentialIds()));
  const gone = plan(snapshot([user('alice')]), state, OPTIONS);
  assert.deepEqual(gone.users.disable.map((u) => u.username), ['bob']);
  const disabledState = afterApply(state, gone);
  assert.ok(isNoop(plan(snapshot([user('alice')]), disabledState, OPTIONS)), 'an already disabled user is not written again');
  const back = plan(dir, disabledState, OPTIONS);
  assert.deepEqual(back.users.update.map((u) => [u.after.username, u.changed]), [['bob', ['disabled']]]);
  const hard = plan(snapshot([user('alice')]), state, { ...OPTIONS, softDeleteUsers: false });
  assert.deepEqual(hard.users.delete.map((u) => u.username), ['bob']);
  assert.equal(hard.users.disable.length, 0);
});

test('an entry skipped for a validation error keeps its row untouched (the id counts as seen)', () => {
  const state = afterApply(EMPTY, plan(snapshot([user('alice'), user('bob')]), EMPTY, OPTIONS, sequentialIds()));
  const p = plan(snapshot([user('alice'), user('bob', { username: 'bob smith' })]), state, OPTIONS);
  assert.equal(p.users.disable.length, 0);
  assert.equal(p.users.update.length, 0);
  assert.deepEqual(p.skips.map((s) => [s.dn, s.reason]), [['uid=bob,ou=people,dc=example,dc=com', 'invalid-username']]);
});

test('a user colliding with a local user (username case-insensitively, email exactly) is skipped, the rest syncs', () => {
  const state: CurrentState = { users: [localUser('l1', 'Alice'), localUser('l2', 'other', 'bob@example.com')], groups: [], memberships: new Map() };
  const p = plan(snapshot([user('alice'), user('bob'), user('carol')]), state, OPTIONS, sequentialIds());
  assert.deepEqual(p.users.create.map((u) => u.username), ['carol']);
  assert.deepEqual(p.skips.map((s) => s.reason).sort(), ['email-taken', 'username-taken']);
  assert.match(p.skips.find((s) => s.reason === 'username-taken')?.message ?? '', /local/);
});

test('two LDAP entries wanting one username: the current holder keeps it, else the first in directory order', () => {
  const p = plan(snapshot([user('dave'), user('Dave', { ldapId: 'id-dave2', email: 'd2@example.com' })]), EMPTY, OPTIONS, sequentialIds());
  assert.deepEqual(p.users.create.map((u) => u.username), ['dave']);
  assert.equal(p.skips[0]?.dn, 'uid=Dave,ou=people,dc=example,dc=com');
  const state = afterApply(EMPTY, plan(snapshot([user('Dave', { ldapId: 'id-dave2' })]), EMPTY, OPTIONS, sequentialIds()));
  const q = plan(snapshot([user('dave'), user('Dave', { ldapId: 'id-dave2' })]), state, OPTIONS, sequentialIds());
  assert.equal(q.users.create.length, 0, 'the incumbent keeps the username');
  assert.equal(q.skips[0]?.reason, 'username-taken');
});

test('a skipped entry whose row keeps its old username blocks whoever wanted it (fixpoint)', () => {
  const state = afterApply(EMPTY, plan(snapshot([user('x1', { username: 'anna' }), user('x2', { username: 'bert' })]), EMPTY, OPTIONS, sequentialIds()));
  // x2 wants "anna" (x1's old name), x1 wants "carl" but carl is local: x1 keeps "anna", so x2 must be skipped too.
  const withLocal: CurrentState = { ...state, users: [...state.users, localUser('l1', 'carl')] };
  const p = plan(snapshot([user('x2', { username: 'anna' }), user('x1', { username: 'carl' })]), withLocal, OPTIONS);
  assert.equal(p.users.update.length, 0);
  assert.deepEqual(p.skips.map((s) => s.reason).sort(), ['username-taken', 'username-taken']);
});

test('two users swapping usernames vacate first so the bulk update cannot trip the unique index', () => {
  const state = afterApply(EMPTY, plan(snapshot([user('x1', { username: 'anna', email: 'a@x.io' }), user('x2', { username: 'bert', email: 'b@x.io' })]), EMPTY, OPTIONS, sequentialIds()));
  const p = plan(snapshot([user('x1', { username: 'bert', email: 'b@x.io' }), user('x2', { username: 'anna', email: 'a@x.io' })]), state, OPTIONS);
  assert.equal(p.users.update.length, 2);
  assert.equal(p.vacate.userIds.length, 2);
  assert.equal(p.skips.length, 0);
});

test('entries sharing a unique id are all skipped and their row is left alone', () => {
  const p = plan(snapshot([user('a1', { ldapId: 'same' }), user('a2', { ldapId: 'same' })]), EMPTY, OPTIONS);
  assert.equal(p.users.create.length, 0);
  assert.deepEqual(p.skips.map((s) => s.reason), ['duplicate-unique-id', 'duplicate-unique-id']);
});

test('entries sharing the unique id of an existing row are all skipped; the row keeps its values and stays enabled', () => {
  const state = afterApply(EMPTY, plan(snapshot([user('alice'), user('bob')]), EMPTY, OPTIONS, sequentialIds()));
  const twins = [user('alice', { displayName: 'A' }), user('alice2', { ldapId: 'id-alice' }), user('bob'), user('alice3', { ldapId: 'id-alice' })];
  const p = plan(snapshot(twins), state, OPTIONS);
  assert.deepEqual(p.skips.map((s) => [s.dn, s.reason]), ['alice', 'alice2', 'alice3'].map((u) => [`uid=${u},ou=people,dc=example,dc=com`, 'duplicate-unique-id']));
  assert.match(p.skips[0]?.message ?? '', /shared by 3 entries/);
  assert.deepEqual([p.users.create.length, p.users.update.length, p.users.disable.length, p.users.unchanged], [0, 0, 0, 1]);
});

test('entries without a unique id are skipped and do not count as seen', () => {
  const state = afterApply(EMPTY, plan(snapshot([user('alice')]), EMPTY, OPTIONS, sequentialIds()));
  const p = plan(snapshot([user('alice', { ldapId: '' })]), state, OPTIONS);
  assert.equal(p.skips[0]?.reason, 'missing-unique-id');
  assert.equal(p.users.disable.length, 1, 'Pocket ID disables a user whose entry lost its id');
});

test('missing email is skipped only when REQUIRE_USER_EMAIL is true; display name falls back to first + last', () => {
  const entry = user('nomail', { email: '', displayName: '', firstName: ' Nora', lastName: 'Mail ' });
  assert.equal(plan(snapshot([entry]), EMPTY, OPTIONS).skips[0]?.reason, 'missing-email');
  const created = plan(snapshot([entry]), EMPTY, { ...OPTIONS, requireUserEmail: false }).users.create[0];
  assert.equal(created?.email, null);
  assert.equal(created?.displayName, 'Nora Mail');
});

test('values are NFC-normalised before comparing and writing', () => {
  const p = plan(snapshot([user('amelie', { firstName: 'Ame\u0301lie', displayName: 'Ame\u0301lie' })]), EMPTY, OPTIONS);
  assert.equal(p.users.create[0]?.firstName, 'Am\u00e9lie');
  assert.equal(p.users.create[0]?.displayName, 'Am\u00e9lie');
});

test('locale is never planned; the admin flag follows the admin group by exact name', () => {
  const dir = snapshot([user('alice')], [group('Admins', ['alice'])]);
  assert.equal(plan(dir, EMPTY, OPTIONS).users.create[0]?.isAdmin, false, 'group name match is case-sensitive');
  assert.equal(plan(dir, EMPTY, { ...OPTIONS, adminGroupName: '' }).users.create[0]?.isAdmin, false);
  assert.ok(!('locale' in (plan(dir, EMPTY, OPTIONS).users.create[0] ?? {})));
});

test('group membership becomes exactly the LDAP members: local users added by hand are removed, unknown members reported', () => {
  const first = plan(snapshot([user('alice')], [group('devs', ['alice'])]), EMPTY, OPTIONS, sequentialIds());
  const state = afterApply(EMPTY, first);
  const groupId = first.groups.create[0]?.id as string;
  state.users.push(localUser('local-1', 'mallory'));
  state.memberships.set('local-1', groupId);
  const p = plan(snapshot([user('alice')], [group('devs', ['alice', 'ghost'])]), state, OPTIONS);
  assert.deepEqual(p.memberships.remove.map((m) => m.username), ['mallory']);
  assert.equal(p.groups.update[0]?.membersOnly, true);
  assert.deepEqual(p.skips.map((s) => [s.kind, s.reason]), [['member', 'member-unknown']]);
});

test('a group colliding with a local group name is skipped; groups gone from LDAP are deleted; short names skipped', () => {
  const state: CurrentState = { users: [], groups: [{ id: 'lg', ldapId: null, name: 'marketing', friendlyName: 'marketing' }], memberships: new Map() };
  const p = plan(snapshot([], [group('marketing', []), group('x', []), group('sales', [])]), state, OPTIONS, sequentialIds());
  assert.deepEqual(p.groups.create.map((g) => g.name), ['sales']);
  assert.deepEqual(p.skips.map((s) => s.reason).sort(), ['group-name-taken', 'group-name-too-short']);
  const after = afterApply(state, p);
  assert.deepEqual(plan(snapshot([], []), after, OPTIONS).groups.delete.map((g) => g.name), ['sales']);
});

test('renaming a user keeps memberships pointing at the same row', () => {
  const first = plan(snapshot([user('alice')], [group('devs', ['alice'])]), EMPTY, OPTIONS, sequentialIds());
  const state = afterApply(EMPTY, first);
  const p = plan(snapshot([user('alice', { username: 'alice2' })], [group('devs', ['alice2'])]), state, OPTIONS);
  assert.deepEqual(p.users.update[0]?.changed, ['username']);
  assert.equal(p.memberships.add.length + p.memberships.remove.length, 0);
});

test('new users take their ids in username order, so inserting them in id order fills the username index in order too', () => {
  const names = ['mallory', 'Bob', 'zed', 'alice', 'carol', 'Dave'];
  const given: string[] = [];
  const newId = () => {
    const id = randomUUID();
    given.push(id);
    return id;
  };
  const created = plan(snapshot(names.map((name) => user(name))), EMPTY, OPTIONS, newId).users.create;
  assert.deepEqual(created.map((u) => u.username), names, 'the list stays in entry order');
  assert.deepEqual(created.map((u) => u.id).sort(), [...given].sort(), 'the ids newId gave, each once');
  const byId = [...created].sort((a, b) => (a.id < b.id ? -1 : 1)).map((u) => u.username);
  assert.deepEqual(byId, ['alice', 'Bob', 'carol', 'Dave', 'mallory', 'zed']);
});
