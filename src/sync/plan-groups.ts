// The group half of plan(): which entries become groups, their members as
// Pocket ID resolves them, and the groups that leave.
import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import { nfc } from '../text/go-text.js';
import { screenEntries } from './screen-entries.js';
import type { EntryRows } from './entry-rows.js';
import type { CurrentGroup, GroupChange, Membership, NewGroup, PlanOptions, Skip, SyncPlan } from './types.js';
import { resolveUniqueClaims, type UniqueKey } from './unique-claims.js';
import type { UserOutcome } from './plan-users.js';
import { validateGroupName } from './validation.js';
import { diffMemberships, type MembershipDiff } from './membership-diff.js';
import { entryRows, memberRows } from './member-rows.js';

export interface GroupCandidate {
  dn: string;
  ldapId: string;
  name: string;
  memberUsernames: string[];
  memberEntries?: number[];
  existing?: CurrentGroup;
  /** The index of `existing` among the LDAP rows. */
  row?: number;
}

/** The entries that passed every rule of their own, the LDAP rows an entry names, and the admin group's members. */
export interface ScreenedGroups {
  candidates: GroupCandidate[];
  /** By LDAP row: 1 when an entry has its ldap_id (screen-entries.ts). */
  seen: Uint8Array;
  /** By entry: the index of its LDAP row, or -1 (screen-entries.ts). */
  rowOfEntry: Int32Array;
  adminUsernames: Set<string>;
}

const GROUP_NAME: UniqueKey<GroupCandidate, CurrentGroup> = {
  label: 'group name',
  reason: 'group-name-taken',
  ofCandidate: (c) => c.name,
  ofRow: (row) => row.name,
  shown: (c) => c.name,
};

/** Entries (already flattened when nested groups are on) that pass Pocket ID's group rules. */
export function screenGroups(entries: DirectoryGroup[], ldapGroups: CurrentGroup[], options: PlanOptions, skips: Skip[]): ScreenedGroups {
  const screened = screenEntries(entries, ldapGroups, 'group', skips);
  const candidates: GroupCandidate[] = [];
  const adminUsernames = new Set<string>();
  screened.accepted.forEach((entry, k) => {
    const name = nfc(entry.name);
    const invalid = validateGroupName(name);
    if (invalid) {
      skips.push({ kind: 'group', dn: entry.dn, ...invalid });
      return;
    }
    const candidate: GroupCandidate = { dn: entry.dn, ldapId: entry.ldapId, name, memberUsernames: entry.memberUsernames, memberEntries: entry.memberEntries };
    const row = screened.rows[k] as number;
    if (row >= 0) {
      candidate.existing = ldapGroups[row];
      candidate.row = row;
    }
    candidates.push(candidate);
    if (options.adminGroupName !== '' && name === options.adminGroupName) {
      for (const username of entry.memberUsernames) adminUsernames.add(username);
    }
  });
  return { candidates, seen: screened.seen, rowOfEntry: screened.rowOfEntry, adminUsernames };
}

/** The groups the plan writes, each with its wanted members as user row indexes (FinalUsers.ids): what the membership diff compares. */
export interface StagedGroups {
  planned: { candidate: GroupCandidate; groupId: string }[];
  membersOf: Int32Array[];
  /** The user entries' rows the members were found by, kept in the plan's book for the next one. */
  byEntry?: EntryRows;
  /** LDAP group rows no entry names: deleted. */
  gone: CurrentGroup[];
}

/**
 * The group half up to the membership diff: which entries become or stay
 * groups, and their members as rows. `users.entries`: the snapshot's user
 * entries; `users.last`: the last plan's rows of them and the entries planned
 * now, for a plan over the touched users (member-rows.ts).
 */
export function stageGroups(
  screened: ScreenedGroups,
  current: { ldapGroups: CurrentGroup[]; localGroups: CurrentGroup[] },
  users: UserOutcome & { entries: DirectoryUser[]; last?: { rows: EntryRows; planned: readonly DirectoryUser[] } },
  newId: () => string,
  result: SyncPlan,
): StagedGroups {
  const { ldapGroups, localGroups } = current;
  const groupKeeps = (row: number, active: boolean) => !active && screened.seen[row] === 1;
  const excluded = resolveUniqueClaims(screened.candidates, localGroups, ldapGroups, groupKeeps, [GROUP_NAME], 'group');
  const lookup = { indexByUsername: users.finalUsers.indexByUsername, skippedUsers: users.skippedUsers };
  const byEntry = entryRows(users.entries, screened.candidates, lookup, users.last);
  const staged: StagedGroups = { planned: [], membersOf: [], gone: ldapGroups.filter((_row, index) => screened.seen[index] === 0) };
  if (byEntry) staged.byEntry = byEntry;
  const space = new Int32Array(screened.candidates.reduce((sum, c) => sum + c.memberUsernames.length, 0));
  let at = 0;
  for (const candidate of screened.candidates) {
    const skip = excluded.get(candidate);
    if (skip) {
      result.skips.push(skip);
      continue;
    }
    staged.planned.push({ candidate, groupId: candidate.existing?.id ?? newId() });
    const rows = memberRows(candidate, lookup, byEntry, result.skips, space, at);
    staged.membersOf.push(rows);
    at += rows.length;
  }
  return staged;
}

/** The final user rows whose memberships a scoped plan compares: by row, 1 when in scope; and those rows by user id. */
export interface ScopedRows {
  inScope: Uint8Array;
  byId: Map<string, number>;
}

const NO_ROWS = new Int32Array(0);

/**
 * The members whose rows are in scope. A loop, not Int32Array.filter: over a
 * million members of which a few thousand are in scope, filter's callback and
 * its new array per group cost about 20 ms at L.
 */
function inScopeOnly(members: Int32Array, inScope: Uint8Array): Int32Array {
  let count = 0;
  for (let k = 0; k < members.length; k++) count += inScope[members[k] as number] as number;
  if (count === 0) return NO_ROWS;
  const rows = new Int32Array(count);
  count = 0;
  for (let k = 0; k < members.length; k++) if (inScope[members[k] as number] === 1) rows[count++] = members[k] as number;
  return rows;
}

/**
 * Fills `result.groups` and `result.memberships` from the staged groups and
 * the memberships the database holds (CurrentState.memberships, of the users
 * in `rows` only when given: membership-scope.ts).
 */
export function finishGroups(staged: StagedGroups, users: UserOutcome, memberships: Map<string, string>, result: SyncPlan, rows?: ScopedRows): void {
  const { planned, gone } = staged;
  const membersOf = rows ? staged.membersOf.map((members) => inScopeOnly(members, rows.inScope)) : staged.membersOf;
  const indexOf = rows ? (userId: string) => rows.byId.get(userId) : undefined;
  const diff = diffMemberships(planned.map((p) => p.groupId), membersOf, users.finalUsers, memberships, indexOf);
  const { ids } = users.finalUsers;
  const usernames = rows ? scopedUsernames(users, diff, rows.byId) : memberUsernames(users, diff);
  planned.forEach(({ candidate, groupId }, g) => {
    const membership = (userId: string, username: string): Membership => ({ groupId, userId, groupName: candidate.name, username });
    for (const row of diff.added[g]) result.memberships.add.push(membership(ids[row] as string, usernames.ofRow(row)));
    for (const userId of diff.removed[g]) result.memberships.remove.push(membership(userId, usernames.ofId(userId)));
    planGroupRow(candidate, groupId, diff.added[g].length + diff.removed[g].length > 0, result);
  });
  for (const row of gone) result.groups.delete.push({ id: row.id, name: row.name, ldapId: row.ldapId as string });
}

/** The usernames of the memberships added (by the user's row) and removed (by its id). */
interface MemberUsernames {
  ofRow(row: number): string;
  ofId(userId: string): string;
}

/**
 * The usernames the memberships name: of the final user rows by index when
 * any is added (an initial sync at L adds a million memberships of 100,000
 * users; a set of their ids cost 0.3 s), of the removed users by id. A row
 * that indexByUsername does not name (its username went to another row)
 * takes the one `usernamesOf` finds, else its id, as before.
 */
function memberUsernames(users: UserOutcome, diff: MembershipDiff): MemberUsernames {
  const { ids, indexByUsername } = users.finalUsers;
  const ofRow: (string | undefined)[] = diff.added.some((rows) => rows.length > 0) ? new Array(ids.length) : [];
  const named = new Set<string>();
  if (ofRow.length > 0) {
    indexByUsername.forEach((row, username) => (ofRow[row] = username));
    for (let row = 0; row < ids.length; row++) if (ofRow[row] === undefined) named.add(ids[row] as string);
  }
  for (const userIds of diff.removed) for (const userId of userIds) named.add(userId);
  const ofId = users.usernamesOf(named);
  for (let row = 0; row < ofRow.length; row++) ofRow[row] ??= ofId.get(ids[row] as string) ?? (ids[row] as string);
  return { ofRow: (row) => ofRow[row] as string, ofId: (userId) => ofId.get(userId) ?? userId };
}

/**
 * memberUsernames for a scoped plan, whose memberships name a few hundred
 * users: the final usernames of just their rows (`byId`: the rows of the
 * users in scope, who hold every membership removed), in one pass over
 * indexByUsername that reads no string, and `usernamesOf` only for those it
 * leaves without one. The same names: a final row's id is that of no other
 * row (plan.ts rowsOfScope), so the usernames naming its row are those
 * usernamesOf finds for its id. At L, 100,000 rows walked three times and
 * 100,000 ids hashed cost the 1 % run about 15 ms.
 */
function scopedUsernames(users: UserOutcome, diff: MembershipDiff, byId: ReadonlyMap<string, number>): MemberUsernames {
  const { ids, indexByUsername } = users.finalUsers;
  const wanted = new Uint8Array(ids.length);
  for (const rows of diff.added) for (const row of rows) wanted[row] = 1;
  for (const userIds of diff.removed) {
    for (const userId of userIds) {
      const row = byId.get(userId);
      if (row !== undefined) wanted[row] = 1;
    }
  }
  const byRow = new Map<number, string>();
  indexByUsername.forEach((row, username) => {
    if (wanted[row] === 1) byRow.set(row, username);
  });
  const unnamed = new Set<string>();
  for (const rows of diff.added) for (const row of rows) if (!byRow.has(row)) unnamed.add(ids[row] as string);
  for (const userIds of diff.removed) for (const userId of userIds) if (!byRow.has(byId.get(userId) ?? -1)) unnamed.add(userId);
  const ofId = unnamed.size > 0 ? users.usernamesOf(unnamed) : new Map<string, string>();
  return {
    ofRow: (row) => byRow.get(row) ?? ofId.get(ids[row] as string) ?? (ids[row] as string),
    ofId: (userId) => byRow.get(byId.get(userId) ?? -1) ?? ofId.get(userId) ?? userId,
  };
}

/** The group row itself: created, renamed, touched for its members only, or unchanged. */
function planGroupRow(candidate: GroupCandidate, groupId: string, membersChanged: boolean, result: SyncPlan): void {
  const { existing } = candidate;
  const after = { name: candidate.name, friendlyName: candidate.name };
  if (!existing) {
    result.groups.create.push({ id: groupId, ldapId: candidate.ldapId, dn: candidate.dn, ...after } satisfies NewGroup);
    return;
  }
  const before = { name: existing.name, friendlyName: existing.friendlyName };
  const renamed = before.name !== after.name || before.friendlyName !== after.friendlyName;
  if (!renamed && !membersChanged) result.groups.unchanged += 1;
  else result.groups.update.push({ id: existing.id, dn: candidate.dn, before, after, membersOnly: !renamed } satisfies GroupChange);
}
