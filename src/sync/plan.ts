import { randomUUID } from 'node:crypto';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../ldap/snapshot.js';
import { nfc } from './text.js';
import type {
  CurrentGroup,
  CurrentState,
  CurrentUser,
  GroupChange,
  Membership,
  NewGroup,
  PlanOptions,
  Skip,
  SyncPlan,
  UserChange,
  UserFields,
} from './types.js';
import { expandNestedGroups } from './nested-groups.js';
import { emptyClaimPlan, planClaims } from './plan-claims.js';
import { resolveUniqueClaims, type UniqueKey } from './unique-claims.js';
import { desiredUserFields, validateGroupName, validateUser } from './validation.js';

interface UserCandidate {
  dn: string;
  ldapId: string;
  desired: UserFields;
  existing?: CurrentUser;
}

interface GroupCandidate {
  dn: string;
  ldapId: string;
  name: string;
  memberUsernames: string[];
  existing?: CurrentGroup;
}

const USER_FIELDS: (keyof UserFields)[] = [
  'username', 'email', 'firstName', 'lastName', 'displayName', 'isAdmin', 'emailVerified', 'disabled',
];

/** Pocket ID usernames are unique case-insensitively (citext / NOCASE, ASCII only). */
const usernameKey = (username: string) => username.toLowerCase();

const USERNAME: UniqueKey<UserCandidate, CurrentUser> = {
  label: 'username',
  reason: 'username-taken',
  ofCandidate: (c) => usernameKey(c.desired.username),
  ofRow: (row) => usernameKey(row.username),
  shown: (c) => c.desired.username,
};
const EMAIL: UniqueKey<UserCandidate, CurrentUser> = {
  label: 'email',
  reason: 'email-taken',
  ofCandidate: (c) => c.desired.email,
  ofRow: (row) => row.email,
  shown: (c) => c.desired.email ?? '',
};
const GROUP_NAME: UniqueKey<GroupCandidate, CurrentGroup> = {
  label: 'group name',
  reason: 'group-name-taken',
  ofCandidate: (c) => c.name,
  ofRow: (row) => row.name,
  shown: (c) => c.name,
};

/** Entries sharing a unique id are ambiguous: all of them are skipped, none is guessed. */
function duplicateIds(entries: { ldapId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { ldapId } of entries) if (ldapId !== '') counts.set(ldapId, (counts.get(ldapId) ?? 0) + 1);
  for (const [id, count] of counts) if (count < 2) counts.delete(id);
  return counts;
}

/**
 * Screens entries for the rules every entry must pass on its own: a unique id,
 * not shared, clean text. Returns the ids seen (an id stays "seen" even when its
 * entry is skipped, so Pocket ID never disables a user over a validation error).
 */
function screenEntries<E extends DirectoryUser | DirectoryGroup>(
  entries: E[],
  kind: 'user' | 'group',
  skips: Skip[],
): { accepted: E[]; seen: Set<string> } {
  const duplicates = duplicateIds(entries);
  const seen = new Set<string>();
  const accepted: E[] = [];
  for (const entry of entries) {
    if (entry.ldapId === '') {
      skips.push({ kind, dn: entry.dn, reason: 'missing-unique-id', message: `${kind} has no value for its unique identifier attribute` });
      continue;
    }
    seen.add(entry.ldapId);
    const count = duplicates.get(entry.ldapId);
    if (count !== undefined) {
      skips.push({ kind, dn: entry.dn, reason: 'duplicate-unique-id', message: `unique identifier "${entry.ldapId}" is shared by ${count} entries; all of them are skipped` });
      continue;
    }
    if (entry.invalidAttribute !== undefined) {
      skips.push({ kind, dn: entry.dn, reason: 'invalid-text', message: `attribute ${entry.invalidAttribute} is not valid UTF-8 text or contains a NUL byte` });
      continue;
    }
    accepted.push(entry);
  }
  return { accepted, seen };
}

function changedFields(before: UserFields, after: UserFields): (keyof UserFields)[] {
  return USER_FIELDS.filter((field) => before[field] !== after[field]);
}

function pickFields(user: UserFields): UserFields {
  const { username, email, firstName, lastName, displayName, isAdmin, emailVerified, disabled } = user;
  return { username, email, firstName, lastName, displayName, isAdmin, emailVerified, disabled };
}

/**
 * Rows whose current value of a unique column is another row's value after the
 * run: they must let go of it before the bulk update runs.
 */
function rowsToVacate<T>(changes: { id: string; before: T; after: T }[], created: { id: string; value: T }[], keys: ((v: T) => string | null)[]): string[] {
  const vacate = new Set<string>();
  for (const key of keys) {
    const finalOwner = new Map<string, string>();
    for (const change of changes) {
      const value = key(change.after);
      if (value !== null) finalOwner.set(value, change.id);
    }
    for (const row of created) {
      const value = key(row.value);
      if (value !== null) finalOwner.set(value, row.id);
    }
    for (const change of changes) {
      const value = key(change.before);
      const owner = value === null ? undefined : finalOwner.get(value);
      if (owner !== undefined && owner !== change.id) vacate.add(change.id);
    }
  }
  return [...vacate];
}

/**
 * Compares the directory with the database and returns every change a run
 * would make. Pure: no I/O; ids for new rows come from `newId`.
 */
export function plan(
  snapshot: DirectorySnapshot,
  current: CurrentState,
  options: PlanOptions,
  newId: () => string = randomUUID,
): SyncPlan {
  const skips: Skip[] = [];
  const ldapUsers = current.users.filter((u) => u.ldapId !== null);
  const localUsers = current.users.filter((u) => u.ldapId === null);
  const ldapGroups = current.groups.filter((g) => g.ldapId !== null);
  const localGroups = current.groups.filter((g) => g.ldapId === null);
  const usersByLdapId = new Map(ldapUsers.map((u) => [u.ldapId as string, u]));
  const groupsByLdapId = new Map(ldapGroups.map((g) => [g.ldapId as string, g]));

  // Groups are screened first: the admin flag of users comes from them.
  // Nested groups (only recorded with LDAP_SYNC_NESTED_GROUPS=true) are flattened first.
  const screenedGroups = screenEntries(expandNestedGroups(snapshot.groups), 'group', skips);
  const groupCandidates: GroupCandidate[] = [];
  const adminUsernames = new Set<string>();
  for (const entry of screenedGroups.accepted) {
    const name = nfc(entry.name);
    const invalid = validateGroupName(name);
    if (invalid) {
      skips.push({ kind: 'group', dn: entry.dn, ...invalid });
      continue;
    }
    const candidate: GroupCandidate = { dn: entry.dn, ldapId: entry.ldapId, name, memberUsernames: entry.memberUsernames };
    const existing = groupsByLdapId.get(entry.ldapId);
    if (existing) candidate.existing = existing;
    groupCandidates.push(candidate);
    if (options.adminGroupName !== '' && name === options.adminGroupName) {
      for (const username of entry.memberUsernames) adminUsernames.add(username);
    }
  }

  const screenedUsers = screenEntries(snapshot.users, 'user', skips);
  const userCandidates: UserCandidate[] = [];
  for (const entry of screenedUsers.accepted) {
    const fields = desiredUserFields(entry);
    const invalid = validateUser(fields, options.requireUserEmail);
    if (invalid) {
      skips.push({ kind: 'user', dn: entry.dn, ...invalid });
      continue;
    }
    const candidate: UserCandidate = {
      dn: entry.dn,
      ldapId: entry.ldapId,
      desired: { ...fields, isAdmin: adminUsernames.has(fields.username) },
    };
    const existing = usersByLdapId.get(entry.ldapId);
    if (existing) candidate.existing = existing;
    userCandidates.push(candidate);
  }

  // Users: an LDAP row keeps its values unless an active entry updates it or a hard delete removes it.
  const seenUsers = screenedUsers.seen;
  const userKeeps = (row: CurrentUser, active: Set<string>) =>
    !active.has(row.ldapId as string) && (seenUsers.has(row.ldapId as string) || options.softDeleteUsers);
  const excludedUsers = resolveUniqueClaims(userCandidates, localUsers, ldapUsers, userKeeps, [USERNAME, EMAIL], 'user');

  const result: SyncPlan = {
    users: { create: [], update: [], disable: [], delete: [], unchanged: 0 },
    groups: { create: [], update: [], delete: [], unchanged: 0 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    skips,
    claims: emptyClaimPlan(),
    managed: { users: ldapUsers.length, groups: ldapGroups.length },
  };

  // Exact-case username → id of every LDAP user row after the run, disabled ones
  // included: Pocket ID resolves group members against exactly this set.
  const finalUserIds = new Map<string, string>();
  for (const candidate of userCandidates) {
    const skip = excludedUsers.get(candidate);
    if (skip) {
      skips.push(skip);
      continue;
    }
    const { existing, desired } = candidate;
    if (!existing) {
      result.users.create.push({ id: newId(), ldapId: candidate.ldapId, dn: candidate.dn, ...desired });
      continue;
    }
    const before = pickFields(existing);
    const changed = changedFields(before, desired);
    if (changed.length === 0) result.users.unchanged += 1;
    else result.users.update.push({ id: existing.id, dn: candidate.dn, before, after: desired, changed } satisfies UserChange);
  }
  const updatedUsers = new Map(result.users.update.map((u) => [u.id, u.after.username]));
  for (const row of ldapUsers) {
    const ldapId = row.ldapId as string;
    if (!seenUsers.has(ldapId)) {
      const removed = { id: row.id, username: row.username, ldapId };
      if (!options.softDeleteUsers) {
        result.users.delete.push(removed);
        continue;
      }
      if (!row.disabled) result.users.disable.push(removed);
    }
    finalUserIds.set(updatedUsers.get(row.id) ?? row.username, row.id);
  }
  for (const user of result.users.create) finalUserIds.set(user.username, user.id);
  const usernameById = new Map(current.users.map((u) => [u.id, u.username]));
  for (const [username, id] of finalUserIds) usernameById.set(id, username);
  result.vacate.userIds = rowsToVacate(
    result.users.update,
    result.users.create.map((u) => ({ id: u.id, value: u as UserFields })),
    [(u) => usernameKey(u.username), (u) => u.email],
  );

  // Groups.
  const seenGroups = screenedGroups.seen;
  const groupKeeps = (row: CurrentGroup, active: Set<string>) =>
    !active.has(row.ldapId as string) && seenGroups.has(row.ldapId as string);
  const excludedGroups = resolveUniqueClaims(groupCandidates, localGroups, ldapGroups, groupKeeps, [GROUP_NAME], 'group');

  for (const unresolved of snapshot.unresolvedMembers) {
    skips.push({ kind: 'member', dn: unresolved.groupDn, reason: unresolved.reason, message: `${unresolved.message}: ${unresolved.member}` });
  }

  for (const candidate of groupCandidates) {
    const skip = excludedGroups.get(candidate);
    if (skip) {
      skips.push(skip);
      continue;
    }
    const desiredMembers = new Set<string>();
    const unknown = new Set<string>();
    for (const username of candidate.memberUsernames) {
      const userId = finalUserIds.get(username);
      if (userId) desiredMembers.add(userId);
      else unknown.add(username);
    }
    for (const username of unknown) {
      skips.push({ kind: 'member', dn: candidate.dn, reason: 'member-unknown', message: `member "${username}" is not an LDAP user known to Pocket ID` });
    }

    const { existing } = candidate;
    const groupId = existing?.id ?? newId();
    const currentMembers = existing ? (current.memberships.get(existing.id) ?? new Set<string>()) : new Set<string>();
    const added: Membership[] = [];
    const removed: Membership[] = [];
    const membership = (userId: string): Membership => ({ groupId, userId, groupName: candidate.name, username: usernameById.get(userId) ?? userId });
    for (const userId of desiredMembers) if (!currentMembers.has(userId)) added.push(membership(userId));
    for (const userId of currentMembers) if (!desiredMembers.has(userId)) removed.push(membership(userId));
    result.memberships.add.push(...added);
    result.memberships.remove.push(...removed);

    const after = { name: candidate.name, friendlyName: candidate.name };
    if (!existing) {
      result.groups.create.push({ id: groupId, ldapId: candidate.ldapId, dn: candidate.dn, ...after } satisfies NewGroup);
      continue;
    }
    const before = { name: existing.name, friendlyName: existing.friendlyName };
    const renamed = before.name !== after.name || before.friendlyName !== after.friendlyName;
    if (!renamed && added.length === 0 && removed.length === 0) {
      result.groups.unchanged += 1;
    } else {
      result.groups.update.push({ id: existing.id, dn: candidate.dn, before, after, membersOnly: !renamed } satisfies GroupChange);
    }
  }
  for (const row of ldapGroups) {
    if (!seenGroups.has(row.ldapId as string)) {
      result.groups.delete.push({ id: row.id, name: row.name, ldapId: row.ldapId as string });
    }
  }
  result.vacate.groupIds = rowsToVacate(
    result.groups.update.filter((g) => !g.membersOnly),
    result.groups.create.map((g) => ({ id: g.id, value: { name: g.name, friendlyName: g.friendlyName } })),
    [(g) => g.name],
  );
  // Last: claims follow the rows the plan keeps, creates and skips.
  const claimed = planClaims(snapshot, current, result, options.claims, newId);
  result.claims = claimed.claims;
  skips.push(...claimed.skips);
  return result;
}

