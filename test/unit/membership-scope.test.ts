// An incremental run plans from the memberships of the users its changes can
// move (src/sync/membership-scope.ts): given those, its plan must be the one a
// plan over every membership makes, and it must not need everyone's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinedMemberships } from '../../src/sync/membership-diff.js';
import { membershipNeeds, namesInEitherOnly } from '../../src/sync/membership-scope.js';
import { PlannedMembers } from '../../src/sync/planned-members.js';
import { plan, stagePlan } from '../../src/sync/plan.js';
import type { DirectoryGroup, DirectorySnapshot } from '../../src/sync/snapshot.js';
import type { CurrentState, CurrentUser, PlanOptions } from '../../src/sync/types.js';
import { directoryUser } from '../support/directory-user.js';

const OPTIONS: PlanOptions = { adminGroupName: 'admins', softDeleteUsers: false, requireUserEmail: false };

function sequentialIds(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

const row = (name: string, ldapId: string | null = `id-${name}`): CurrentUser => ({
  id: `u-${name}`, ldapId, username: name, email: `${name}@example.com`, firstName: name, lastName: 'Tester', displayName: `${name} Tester`, isAdmin: false, emailVerified: true, disabled: false,
});
const group = (name: string, memberUsernames: string[]): DirectoryGroup => ({ dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `gid-${name}`, name, memberUsernames });

// Before: staff = anna, carl, gone; devs = dora, eve, anna; old = dora, gone (its entry deleted); bob is a local user.
const devsMembers = ['dora', 'eve', 'anna'];
const previous = new PlannedMembers([['gid-staff', ['anna', 'carl', 'gone']], ['gid-devs', devsMembers], ['gid-old', ['dora', 'gone']]]);
const state: CurrentState = {
  users: [row('anna'), row('carl'), row('dora'), row('eve'), row('gone'), row('fred'), row('bob', null)],
  groups: ['staff', 'devs', 'old'].map((name) => ({ id: `g-${name}`, ldapId: `gid-${name}`, name, friendlyName: name })),
  memberships: joinedMemberships([
    ...['anna', 'carl', 'gone'].map((u) => ({ groupId: 'g-staff', userId: `u-${u}` })),
    ...devsMembers.map((u) => ({ groupId: 'g-devs', userId: `u-${u}` })),
    ...['dora', 'gone'].map((u) => ({ groupId: 'g-old', userId: `u-${u}` })),
  ]),
};

// Now: carl's entry calls him karl, gone's entry is deleted, fred joins staff, devs is as it was (the same
// array, as a group not resolved again keeps it), ops is new, old is deleted.
const snapshot: DirectorySnapshot = {
  users: [directoryUser('anna'), directoryUser('carl', { username: 'karl' }), directoryUser('dora'), directoryUser('eve'), directoryUser('fred')],
  groups: [group('staff', ['anna', 'karl', 'fred']), group('devs', devsMembers), group('ops', ['eve'])],
  unresolvedMembers: [],
  stats: { pages: 1, memberLookups: 0, readMs: 0 },
};

test('a plan from the memberships of the users the changes can move is the plan from all of them', () => {
  const whole = plan(snapshot, state, OPTIONS, sequentialIds());
  assert.ok(whole.memberships.add.length > 0 && whole.memberships.remove.length > 0, 'the example changes memberships');

  const lean: CurrentState = { ...state, memberships: new Map(), membershipScope: new Set() };
  const staged = stagePlan(snapshot, lean, OPTIONS, sequentialIds());
  const needs = membershipNeeds(staged, previous);
  // What readMembershipsOf returns: the users named and every member of the groups named, with all their groups.
  const inGroups = [...state.memberships].filter(([, joined]) => joined.split(',').some((id) => needs.groupIds.includes(id))).map(([id]) => id);
  const scope = new Set([...needs.userIds, ...inGroups].filter((id) => state.users.some((u) => u.id === id)));
  const memberships = new Map([...state.memberships].filter(([id]) => scope.has(id)));
  assert.deepEqual(staged.finish(memberships, scope, needs.rows), whole);

  // eve is in devs only, unchanged, and in the new group ops: read for ops. dora is read for the deleted
  // group old (what its deletion cascades to). anna is in no group whose members changed around her.
  assert.deepEqual([...scope].sort(), ['u-carl', 'u-dora', 'u-eve', 'u-fred', 'u-gone']);
  assert.deepEqual(needs.groupIds, ['g-old']);
});

test('a plan with a membership scope compares only those users', () => {
  // anna is left out of the scope: her membership in staff, which her group no longer wants, is not seen; nor
  // are those of gone, whose entry was deleted (a plan over every membership lists them: staff and old).
  const current = { ...state, memberships: new Map([['u-carl', 'g-staff']]), membershipScope: new Set(['u-carl']) };
  const changed = { ...snapshot, groups: [group('staff', ['karl']), group('devs', devsMembers), group('old', ['dora', 'gone'])] };
  const scoped = plan(changed, current, OPTIONS, sequentialIds());
  assert.deepEqual(scoped.memberships.remove, []);
  assert.deepEqual(scoped.memberships.add, []);
  assert.deepEqual(plan(changed, state, OPTIONS, sequentialIds()).memberships.remove.map((m) => m.userId).sort(), ['u-anna', 'u-gone', 'u-gone']);
});

test('the names two member lists differ by are all found, and no more when a few were removed and added', () => {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 500; round++) {
    const a = Array.from({ length: next(12) }, () => `u${next(15)}`);
    const b = [...a];
    for (let edits = next(4); edits > 0; edits--) {
      const at = next(b.length + 1);
      if (next(3) === 0) b.splice(at, 1);
      else if (next(2) === 0) b.splice(at, 0, `u${next(15)}`);
      else b.reverse();
    }
    const found = new Set(namesInEitherOnly(a, b));
    for (const name of [...a.filter((n) => !b.includes(n)), ...b.filter((n) => !a.includes(n))]) assert.ok(found.has(name), `${name}: ${a} / ${b}`);
  }
  assert.deepEqual(namesInEitherOnly(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e']), ['b', 'e']);
  assert.deepEqual(namesInEitherOnly(['a', 'b'], ['a', 'b']), []);
  // Two members added side by side and two removed side by side, in a long list: only they are listed.
  const long = Array.from({ length: 200 }, (_, k) => `m${k}`);
  const edited = [...long.slice(0, 50), 'new1', 'new2', ...long.slice(50, 120), ...long.slice(122)];
  assert.deepEqual(namesInEitherOnly(long, edited).sort(), ['m120', 'm121', 'new1', 'new2']);
  // Runs longer than one spread of the builtins' push, at the ends and in the middle, in their order.
  const many = Array.from({ length: 10_000 }, (_, k) => `x${k}`);
  assert.deepEqual(namesInEitherOnly(many, []), many);
  assert.deepEqual(namesInEitherOnly(['a'], ['a', ...many]), many);
  assert.deepEqual(namesInEitherOnly(['a', 'b', 'c', 'd'], ['a', 'e', 'b', 'c', 'd', 'f']), ['e', 'f']);
});
