// The group half of plan(): which entries become groups, their members as
// Pocket ID resolves them, and the groups that leave.
import type { DirectoryGroup } from './snapshot.js';
import { nfc } from '../text/go-text.js';
import { screenEntries } from './screen-entries.js';
import type { CurrentGroup, GroupChange, Membership, NewGroup, PlanOptions, Skip, SyncPlan } from './types.js';
import { resolveUniqueClaims, type UniqueKey } from './unique-claims.js';
import type { UserOutcome } from './plan-users.js';
import { validateGroupName } from './validation.js';
import { unknownMemberSkip } from './member-skips.js';

interface GroupCandidate {
  dn: string;
  ldapId: string;
  name: string;
  memberUsernames: string[];
  existing?: CurrentGroup;
}

/** The entries that passed every rule of their own, the ids seen, and the admin group's members. */
export interface ScreenedGroups {
  candidates: GroupCandidate[];
  seen: Set<string>;
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
  const groupsByLdapId = new Map(ldapGroups.map((g) => [g.ldapId as string, g]));
  const screened = screenEntries(entries, 'group', skips);
  const candidates: GroupCandidate[] = [];
  const adminUsernames = new Set<string>();
  for (const entry of screened.accepted) {
    const name = nfc(entry.name);
    const invalid = validateGroupName(name);
    if (invalid) {
      skips.push({ kind: 'group', dn: entry.dn, ...invalid });
      continue;
    }
    const candidate: GroupCandidate = { dn: entry.dn, ldapId: entry.ldapId, name, memberUsernames: entry.memberUsernames };
    const existing = groupsByLdapId.get(entry.ldapId);
    if (existing) candidate.existing = existing;
    candidates.push(candidate);
    if (options.adminGroupName !== '' && name === options.adminGroupName) {
      for (const username of entry.memberUsernames) adminUsernames.add(username);
    }
  }
  return { candidates, seen: screened.seen, adminUsernames };
}

/** Fills `result.groups` and `result.memberships`. */
export function planGroupsAndMemberships(
  screened: ScreenedGroups,
  current: { ldapGroups: CurrentGroup[]; localGroups: CurrentGroup[]; memberships: Map<string, Set<string>> },
  users: UserOutcome,
  newId: () => string,
  result: SyncPlan,
): void {
  const { ldapGroups, localGroups } = current;
  const groupKeeps = (row: CurrentGroup, active: Set<string>) => !active.has(row.ldapId as string) && screened.seen.has(row.ldapId as string);
  const excluded = resolveUniqueClaims(screened.candidates, localGroups, ldapGroups, groupKeeps, [GROUP_NAME], 'group');
  for (const candidate of screened.candidates) {
    const skip = excluded.get(candidate);
    if (skip) {
      result.skips.push(skip);
      continue;
    }
    const groupId = candidate.existing?.id ?? newId();
    const currentMembers = candidate.existing ? (current.memberships.get(candidate.existing.id) ?? new Set<string>()) : new Set<string>();
    const { added, removed } = planMembers(candidate, groupId, currentMembers, users, result.skips);
    result.memberships.add.push(...added);
    result.memberships.remove.push(...removed);
    planGroupRow(candidate, groupId, added.length + removed.length > 0, result);
  }
  for (const row of ldapGroups) {
    if (!screened.seen.has(row.ldapId as string)) result.groups.delete.push({ id: row.id, name: row.name, ldapId: row.ldapId as string });
  }
}

/** Memberships to add and remove; a member that is no LDAP user row after the run is skipped, as Pocket ID does. */
function planMembers(
  candidate: GroupCandidate,
  groupId: string,
  currentMembers: Set<string>,
  users: UserOutcome,
  skips: Skip[],
): { added: Membership[]; removed: Membership[] } {
  const desiredMembers = new Set<string>();
  const unknown = new Set<string>();
  for (const username of candidate.memberUsernames) {
    const userId = users.finalUserIds.get(username);
    if (userId) desiredMembers.add(userId);
    else unknown.add(username);
  }
  for (const username of unknown) skips.push(unknownMemberSkip(candidate.dn, username, users.skippedUsers?.get(username)));
  const membership = (userId: string): Membership => ({ groupId, userId, groupName: candidate.name, username: users.usernameById.get(userId) ?? userId });
  const added: Membership[] = [];
  const removed: Membership[] = [];
  for (const userId of desiredMembers) if (!currentMembers.has(userId)) added.push(membership(userId));
  for (const userId of currentMembers) if (!desiredMembers.has(userId)) removed.push(membership(userId));
  return { added, removed };
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
