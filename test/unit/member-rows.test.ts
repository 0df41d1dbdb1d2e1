// Member entries (DirectoryGroup.memberEntries) are a shortcut the reader
// hands the plan: recorded, stale or absent, the plan must come out the same.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan } from '../../src/sync/plan.js';
import { joinedMemberships } from '../../src/sync/membership-diff.js';
import type { DirectoryGroup, DirectorySnapshot } from '../../src/sync/snapshot.js';
import type { CurrentState, PlanOptions, SyncPlan } from '../../src/sync/types.js';
import { directoryUser } from '../support/directory-user.js';

const OPTIONS: PlanOptions = { adminGroupName: 'admins', softDeleteUsers: true, requireUserEmail: false };

const user = directoryUser;

function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

// anna: unchanged; carl: renamed to karl by his entry; bob: skipped (his username is a local user's);
// dora: new; "ghost": a member no entry has; "Ann" differs from anna only in case.
const users = [user('anna'), user('carl', { username: 'karl' }), user('bob'), user('dora'), user('edith', { email: 'not an address' })];
const members = ['anna', 'karl', 'bob', 'ghost', 'dora', 'anna', 'Ann', 'edith'];
const entryOf = (username: string) => users.findIndex((u) => u.username === username);

const state: CurrentState = {
  users: [
    { id: 'u-anna', ldapId: 'id-anna', username: 'anna', email: 'anna@example.com', firstName: 'anna', lastName: 'Tester', displayName: 'anna Tester', isAdmin: false, emailVerified: true, disabled: false },
    { id: 'u-carl', ldapId: 'id-carl', username: 'carl', email: 'carl@example.com', firstName: 'carl', lastName: 'Tester', displayName: 'carl Tester', isAdmin: false, emailVerified: true, disabled: false },
    { id: 'u-local', ldapId: null, username: 'bob', email: 'bob@local.example', firstName: 'Bob', lastName: 'Local', displayName: 'Bob Local', isAdmin: false, emailVerified: true, disabled: false },
  ],
  groups: [{ id: 'g-staff', ldapId: 'gid-staff', name: 'staff', friendlyName: 'staff' }],
  memberships: joinedMemberships([{ groupId: 'g-staff', userId: 'u-anna' }, { groupId: 'g-staff', userId: 'u-local' }]),
};

function snapshotWith(memberEntries?: number[]): DirectorySnapshot {
  const group: DirectoryGroup = { dn: 'cn=staff,ou=groups,dc=example,dc=com', ldapId: 'gid-staff', name: 'staff', memberUsernames: [...members] };
  if (memberEntries) group.memberEntries = memberEntries;
  return { users, groups: [group], unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } };
}

/** The plan without the entries' rows its book keeps for the next plan (only a plan with member entries has them). */
const comparable = (p: SyncPlan) => ({ ...p, userBook: { ...p.userBook, entryRows: undefined } });

test('a plan is the same with member entries recorded, stale, short or absent', () => {
  const without = plan(snapshotWith(), state, OPTIONS, sequentialIds());
  assert.deepEqual(without.memberships.add.map((m) => m.username).sort(), ['dora', 'karl']);
  assert.deepEqual(without.memberships.remove.map((m) => m.userId), ['u-local']);
  assert.deepEqual(without.skips.filter((s) => s.kind === 'member').map((s) => s.reason).sort(), ['member-skipped', 'member-skipped', 'member-unknown', 'member-unknown']);

  const recorded = members.map(entryOf);
  const stale = members.map((_, k) => (k * 3) % users.length);
  const wild = members.map((_, k) => [-1, 99, 0, 4][k % 4] as number);
  for (const [name, hints] of [['recorded', recorded], ['stale', stale], ['out of range', wild], ['short', recorded.slice(0, 3)]] as const) {
    assert.deepEqual(comparable(plan(snapshotWith([...hints]), state, OPTIONS, sequentialIds())), comparable(without), name);
  }
});
