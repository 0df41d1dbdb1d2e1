// An incremental run plans only the touched users (src/sync/touched-users.ts,
// plan-touched.ts): from the rows it reads by key and the last committed
// plan's book, its plan must be the one a plan over every entry and row makes.
// Random runs of changes: renames onto other users' names (any case), emails
// taken, invalid names, entries removed and added, the admin group's members,
// local users made and deleted by hand, soft and hard deletes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entryKey, type KeptUser } from '../../src/sync/kept-directory.js';
import { membershipNeeds } from '../../src/sync/membership-scope.js';
import { plan, stagePlan } from '../../src/sync/plan.js';
import type { PlannedMembers } from '../../src/sync/planned-members.js';
import { screenGroups } from '../../src/sync/plan-groups.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import { adminChanges, TouchedSelection } from '../../src/sync/touched-users.js';
import { checkDeletionGuard } from '../../src/sync/deletion-guard.js';
import { checkReEnableGuard, type ReEnableFacts } from '../../src/sync/reenable-guard.js';
import { UserBook, type CurrentState, type CurrentUser, type PlanOptions, type Skip, type SyncPlan, type UserKeys } from '../../src/sync/types.js';
import { untouchedClaimSkips } from '../../src/sync/plan-touched.js';
import { entryRows, type EntryRows } from '../../src/sync/member-rows.js';
import { afterApply } from '../support/after-apply.js';
import { directoryUser } from '../support/directory-user.js';

function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
}

function idsFrom(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, '0')}`;
}

const NAMES = ['ann', 'Ann', 'bob', 'cid', 'dee', 'eve', 'fay', 'gus', 'bad name', 'hal'];

/** The rows a database returns for `keys` (usernames compared as citext / NOCASE do). */
function readByKey(state: CurrentState, keys: UserKeys): CurrentUser[] {
  const names = new Set(keys.usernames.map((n) => n.toLowerCase()));
  return state.users.filter(
    (u) => (u.ldapId !== null && keys.ldapIds.includes(u.ldapId)) || names.has(u.username.toLowerCase()) || (u.email !== null && keys.emails.includes(u.email)) || (keys.admins && u.isAdmin && u.ldapId !== null),
  );
}

/** Plan ids differ between the two plans: new rows are named by their ldap_id; memberships by group, user and username. */
function normalized(p: SyncPlan): unknown {
  const created = new Map(p.users.create.map((u) => [u.id, `new:${u.ldapId}`]));
  const id = (userId: string) => created.get(userId) ?? userId;
  const sorted = <T>(items: T[]) => items.map((i) => JSON.stringify(i)).sort();
  return {
    create: sorted(p.users.create.map(({ id: _id, ...u }) => u)),
    update: sorted(p.users.update),
    disable: sorted(p.users.disable),
    delete: sorted(p.users.delete),
    unchanged: p.users.unchanged,
    managed: p.managed,
    groups: p.groups,
    add: sorted(p.memberships.add.map((m) => [m.groupId, id(m.userId), m.username])),
    remove: sorted(p.memberships.remove.map((m) => [m.groupId, id(m.userId), m.username])),
    vacate: sorted(p.vacate.userIds.map(id)),
    skips: sorted(p.skips),
  };
}

/** Changes some entries (new objects keep their place), removes some, adds some, and changes the groups. */
function changeDirectory(users: DirectoryUser[], next: (n: number) => number, serial: { n: number }): DirectoryUser[] {
  const out: DirectoryUser[] = [];
  for (const user of users) {
    const roll = next(10);
    if (roll === 0) continue;
    if (roll === 1) out.push({ ...user, username: NAMES[next(NAMES.length)] as string });
    else if (roll === 2) out.push({ ...user, email: next(3) === 0 ? '' : `${NAMES[next(NAMES.length)]}@example.com` });
    else if (roll === 3) out.push({ ...user, displayName: `d${next(5)}` });
    else out.push(user);
  }
  for (let k = next(3); k > 0; k--) out.push(directoryUser(`n${serial.n++}`, { username: NAMES[next(NAMES.length)] as string }));
  return out;
}

/** Groups of random users, with their member entries as a read records them (stale once entries are removed before them). */
function groupsOf(users: DirectoryUser[], next: (n: number) => number): DirectoryGroup[] {
  const pick = () => {
    const entries = users.flatMap((_user, e) => (next(3) === 0 ? [e] : []));
    return { memberUsernames: entries.map((e) => (users[e] as DirectoryUser).username), memberEntries: entries };
  };
  return ['admins', 'devs'].map((name) => ({ dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `gid-${name}`, name, ...pick() }));
}

/** Local users made and deleted by hand, some with names entries want. */
function editPocketId(state: CurrentState, next: (n: number) => number, serial: { n: number }): CurrentState {
  const users = state.users.filter((u) => u.ldapId !== null || next(4) !== 0);
  const name = NAMES[next(NAMES.length)] as string;
  if (next(3) === 0 && !users.some((u) => u.username.toLowerCase() === name.toLowerCase())) {
    users.push({ id: `local-${serial.n++}`, ldapId: null, username: name, email: null, firstName: '', lastName: '', displayName: name, isAdmin: false, emailVerified: false, disabled: false });
  }
  return { ...state, users };
}

/**
 * The incremental plan: the touched entries' rows read by key, planned with the book, and finished from the
 * memberships membershipNeeds names given the last plan's members (`previous`), as touched-state.ts does.
 */
function touchedPlan(snapshot: DirectorySnapshot, before: DirectoryUser[], state: CurrentState, last: SyncPlan, options: PlanOptions, newId: () => string): { touched: SyncPlan; planned: number; lean: CurrentState } {
  const book = last.userBook as UserBook;
  const kept = new Map<string, KeptUser>(snapshot.users.map((user) => [entryKey(user.ldapId, user.dn), { user, version: '', pictureDigest: '', hasAccountFlag: false }]));
  const old = new Map(before.map((u) => [entryKey(u.ldapId, u.dn), u]));
  const changed = snapshot.users.filter((u) => old.get(entryKey(u.ldapId, u.dn)) !== u).map((u) => entryKey(u.ldapId, u.dn));
  const removed = [...old.keys()].filter((key) => !kept.has(key));
  const admins = screenGroups(snapshot.groups, [], options, []).adminUsernames;
  const selection = new TouchedSelection(kept, { changes: { changed, removed }, skippedKeys: book.skippedKeys, adminNames: adminChanges(book.admins, admins) });
  const rows: CurrentUser[] = [];
  for (let keys = selection.keys(); keys; keys = selection.keys()) rows.push(...selection.take(readByKey(state, keys)));
  const lean: CurrentState = { ...state, users: rows, userScope: { ldapUsers: state.users.filter((u) => u.ldapId !== null).length } };
  const dns = new Set(before.map((u) => u.dn).filter((dn) => !snapshot.users.some((u) => u.dn === dn)));
  const touched = { entries: selection.inOrder(snapshot.users), dns, book };
  const staged = stagePlan(snapshot, lean, options, newId, touched);
  const needs = membershipNeeds(staged, last.groupMembers as PlannedMembers);
  const scope = new Set(needs.userIds.filter((id) => state.users.some((u) => u.id === id)));
  for (const [id, joined] of state.memberships) if (joined.split(',').some((g) => needs.groupIds.includes(g))) scope.add(id);
  const memberships = new Map([...state.memberships].filter(([id]) => scope.has(id)));
  return { touched: staged.finish(memberships, scope, needs.rows), planned: touched.entries.length, lean };
}

test('the last plan\'s claim skips are repeated for the user entries not planned, and only for them', () => {
  const skip = (dn: string): Skip => ({ kind: 'claim', dn, reason: 'claim-too-long', message: `a claim of ${dn}` });
  const [kept, planned, renamed, grouped] = ['uid=kept', 'uid=planned', 'uid=old-name', 'cn=team'].map(skip) as Skip[];
  const book = new UserBook({ ids: [], indexByUsername: new Map(), others: new Set() }, new Set(), [], [kept, planned, renamed, grouped] as Skip[]);
  const touched = { entries: [directoryUser('planned', { dn: 'uid=planned' })], dns: new Set(['uid=old-name']), book };
  const groups: DirectoryGroup[] = [{ dn: 'cn=team', ldapId: 'g', name: 'team', memberUsernames: [] }];
  assert.deepEqual(untouchedClaimSkips(touched, groups), [kept]);
});

const GUARD = { kind: 'count', value: 1 } as const;
const FACTS: ReEnableFacts = { disabledAccounts: false, flagAttributes: [], entriesWithFlag: 0, adminGroupName: 'admins', memberAttribute: 'member', bindDn: 'cn=reader' };

test('a row whose entry joins the plan and does not hold its values has them read next', () => {
  const user = directoryUser('ann');
  const kept = new Map<string, KeptUser>([['id-ann', { user, version: '', pictureDigest: '', hasAccountFlag: false }]]);
  const selection = new TouchedSelection(kept, { changes: { changed: [], removed: [] }, skippedKeys: [], adminNames: ['ann'] });
  assert.deepEqual(selection.keys(), { ldapIds: [], usernames: ['ann'], emails: [], admins: true });
  const row: CurrentUser = { id: 'u1', ldapId: 'id-ann', username: 'ANN', email: 'other@example.com', firstName: '', lastName: '', displayName: 'a', isAdmin: false, emailVerified: true, disabled: false };
  assert.deepEqual(selection.take([row, row]), [row]);
  // Its username is held (case aside), its email not: the email is read, the username again with it.
  assert.deepEqual(selection.keys(), { ldapIds: [], usernames: ['ann'], emails: ['ann@example.com'], admins: false });
  assert.deepEqual(selection.take([{ ...row, email: 'ann@example.com' }]), []);
  assert.equal(selection.keys(), null);
  assert.deepEqual(selection.inOrder([directoryUser('bob'), user]), [user]);
});

for (const softDeleteUsers of [true, false]) {
  test(`a plan over the touched users is the plan over all of them (${softDeleteUsers ? 'soft' : 'hard'} deletes, 60 runs of 40 steps)`, () => {
    const options: PlanOptions = { adminGroupName: 'admins', softDeleteUsers, requireUserEmail: false };
    const seen = { taken: 0, admins: 0, partial: 0 };
    for (let run = 0; run < 60; run++) {
      const next = prng(run + 1);
      const serial = { n: 0 };
      let users = changeDirectory(Array.from({ length: 8 }, (_, k) => directoryUser(`u${k}`, { username: NAMES[k] as string })), next, serial);
      let snapshot: DirectorySnapshot = { users, groups: groupsOf(users, next), unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } };
      const first = plan(snapshot, { users: [], groups: [], memberships: new Map() }, options, idsFrom(`r${run}s0`));
      let state = afterApply({ users: [], groups: [], memberships: new Map() }, first);
      let last = first;
      for (let step = 1; step <= 40; step++) {
        const before = users;
        users = changeDirectory(users, next, serial);
        const groups = next(3) === 0 ? groupsOf(users, next) : snapshot.groups;
        snapshot = { ...snapshot, users, groups };
        state = editPocketId(state, next, serial);
        const whole = plan(snapshot, state, options, idsFrom(`r${run}s${step}`));
        const admins = adminChanges((last.userBook as UserBook).admins, screenGroups(snapshot.groups, [], options, []).adminUsernames).length;
        const { touched, planned, lean } = touchedPlan(snapshot, before, state, last, options, idsFrom(`r${run}s${step}`));
        assert.deepEqual(normalized(touched), normalized(whole), `run ${run}, step ${step}`);
        // The guards see the same: the re-enable guard counts the directory's admins in the rows read.
        assert.deepEqual(checkReEnableGuard(touched, lean, GUARD, FACTS), checkReEnableGuard(whole, state, GUARD, FACTS), `run ${run}, step ${step}`);
        assert.deepEqual(checkDeletionGuard(touched, users.length, GUARD), checkDeletionGuard(whole, users.length, GUARD));
        // The entries' rows the book keeps, brought up to date from the last plan's, are those looked up afresh.
        const kept = (touched.userBook as UserBook).entryRows as EntryRows;
        const fresh = entryRows(users, snapshot.groups, { indexByUsername: (touched.userBook as UserBook).final.indexByUsername }) as EntryRows;
        assert.deepEqual([kept.usernames, kept.rows], [fresh.usernames, fresh.rows], `run ${run}, step ${step}`);
        if (whole.skips.some((s) => s.reason === 'username-taken' || s.reason === 'email-taken')) seen.taken += 1;
        if (admins > 0) seen.admins += 1;
        if (planned < users.length) seen.partial += 1;
        state = afterApply(state, touched);
        last = touched;
      }
    }
    // The runs reached what they are meant to: values taken, admin flags moved, users left unplanned.
    assert.ok(seen.taken > 100 && seen.admins > 100 && seen.partial > 100, JSON.stringify(seen));
  });
}
