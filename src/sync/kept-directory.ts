// What one daemon keeps of the directory between runs for incremental runs
// (docs/incremental.md): the last snapshot, lean (no picture bytes), each
// group's member values as read, and each entry's change marker. Changes are
// merged into it by unique id and the same plan() runs over the result, so an
// incremental run plans from exactly what a full read would have returned.
// Pure: the LDAP reading is in src/ldap/change-reader.ts.
import type { KeptMemberUsers } from './kept-member-users.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, UnresolvedMember } from './snapshot.js';

/** A member value as read: text, or the raw bytes when it is not UTF-8 (the resolver reports those). */
export type MemberValue = string | Buffer;

export interface KeptUser {
  /** As read, without `picture` (only its digest is kept). */
  user: DirectoryUser;
  /** The entry's exact version (uSNChanged, entryCSN); '' when the directory offers none. */
  version: string;
  /** SHA-256 of the picture attribute's first value; '' when none. */
  pictureDigest: string;
  /** The entry carried a disabled-flag attribute (the re-enable guard's count). */
  hasAccountFlag: boolean;
}

export interface KeptGroup {
  /** As resolved: memberUsernames and memberGroupDns filled. */
  group: DirectoryGroup;
  /** Member values as read (ranges followed), before nested groups were told apart. */
  members: MemberValue[];
  /** The members of this group that did not resolve. */
  unresolved: UnresolvedMember[];
  version: string;
  /** Which known user each of `members` named when read (kept-member-users.ts). */
  keptUsers?: KeptMemberUsers;
}

export interface KeptDirectory {
  /** By entryKey(), in the order a full read would return them (new entries last). */
  users: Map<string, KeptUser>;
  groups: Map<string, KeptGroup>;
  /** Other entries seen changed under the base (member lookups' targets among them): DN → version. */
  others: Map<string, string>;
}

/** Entries are merged by unique id; one without an id (the plan skips it) by its DN. */
export function entryKey(ldapId: string, dn: string): string {
  return ldapId !== '' ? ldapId : `dn:${dn}`;
}

/** A group as an incremental run read it: members not yet resolved. */
export interface ReadGroup {
  group: DirectoryGroup;
  members: MemberValue[];
  version: string;
  /** Per member value, the known user whose DN it is exactly, -1 when none (src/ldap/known-users.ts): the resolver need not look it up again. */
  keptUsers?: KeptMemberUsers;
}

/** What an incremental run found in the directory (src/ldap/change-reader.ts). */
export interface DirectoryChanges {
  /** Users read this run (changed, new, or seen again in the change window). `user.picture` is set when the entry has one. */
  users: KeptUser[];
  groups: ReadGroup[];
  /** Keys of kept users and groups that no longer match the filter or are gone from the base. */
  goneUsers: string[];
  goneGroups: string[];
  /** DNs of other entries that changed: groups naming them are resolved again. */
  otherDns: string[];
}

/** The merge's result: counts, the users to look at for pictures, and what the member resolution must redo. */
export interface MergeOutcome {
  added: { users: number; groups: number };
  changed: { users: number; groups: number };
  removed: { users: number; groups: number };
  /** Users added or changed, as read (with their picture): the picture step looks at these only. */
  changedUsers: DirectoryUser[];
  /** Keys (entryKey) of the users removed. */
  removedUsers: string[];
  /** DNs (old and new) whose meaning as a member value may have changed. */
  touchedDns: Set<string>;
  /** Groups read this run whose content changed, or new: resolved again whatever their members. */
  readGroups: KeptGroup[];
  /** Their member values' known users (ReadGroup.keptUsers), when the reader found them. */
  memberUsers: Map<KeptGroup, Int32Array>;
}

const USER_FIELDS = ['dn', 'ldapId', 'username', 'email', 'firstName', 'lastName', 'displayName', 'invalidAttribute', 'disabled'] as const;

export function sameUser(a: KeptUser, b: KeptUser): boolean {
  return (
    USER_FIELDS.every((field) => a.user[field] === b.user[field]) &&
    a.pictureDigest === b.pictureDigest &&
    a.hasAccountFlag === b.hasAccountFlag &&
    a.user.claims === b.user.claims
  );
}

function sameMemberValue(a: MemberValue, b: MemberValue): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.equals(b);
}

export function sameGroupEntry(a: ReadGroup, b: ReadGroup): boolean {
  const g = a.group;
  const h = b.group;
  return (
    g.dn === h.dn && g.ldapId === h.ldapId && g.name === h.name && g.invalidAttribute === h.invalidAttribute &&
    g.claims === h.claims &&
    a.members.length === b.members.length && a.members.every((value, i) => sameMemberValue(value, b.members[i] as MemberValue))
  );
}

/** The user as kept: the picture bytes dropped (the digest stays). */
function lean(kept: KeptUser): KeptUser {
  if (kept.user.picture === undefined) return kept;
  const { picture: _picture, ...user } = kept.user;
  return { ...kept, user };
}

/**
 * Keys of kept entries at the DN of an entry read new or moved: the kept one
 * was deleted (or moved, and then it is read too) and another took its DN.
 * Without this only the next id scan would remove it. Two entries never share a DN.
 */
function replacedAt<T>(entries: Map<string, T>, dnOf: (entry: T) => string, read: { key: string; dn: string }[]): string[] {
  const added = read.filter((r) => {
    const before = entries.get(r.key);
    return before === undefined || dnOf(before) !== r.dn;
  });
  if (added.length === 0) return [];
  // A few DNs looked for among 100,000 entries: a map of every entry's DN would cost a run tens of milliseconds.
  const wanted = new Set(added.map((r) => r.dn));
  const byDn = new Map<string, string>();
  // forEach, not for…of: the [key, entry] pair and iterator result of each step were 10 MB of garbage at L (an allocation profile).
  entries.forEach((entry, key) => {
    if (wanted.has(dnOf(entry))) byDn.set(dnOf(entry), key);
  });
  return added.map((r) => byDn.get(r.dn)).filter((key): key is string => key !== undefined);
}

function mergeUsers(kept: KeptDirectory, changes: DirectoryChanges, outcome: MergeOutcome): void {
  const readKeys = changes.users.map((u) => ({ key: entryKey(u.user.ldapId, u.user.dn), dn: u.user.dn }));
  const replaced = replacedAt(kept.users, (u) => u.user.dn, readKeys);
  for (const read of changes.users) {
    const key = entryKey(read.user.ldapId, read.user.dn);
    const before = kept.users.get(key);
    if (before && sameUser(before, read)) {
      // Seen again in the change window: only a newer version is taken.
      if (before.version !== read.version) kept.users.set(key, lean(read));
      continue;
    }
    if (before) {
      outcome.changed.users += 1;
      if (before.user.dn !== read.user.dn || before.user.username !== read.user.username) outcome.touchedDns.add(before.user.dn).add(read.user.dn);
    } else {
      outcome.added.users += 1;
      outcome.touchedDns.add(read.user.dn);
    }
    outcome.changedUsers.push(read.user);
    kept.users.set(key, lean(read));
  }
  const read = new Set(readKeys.map((r) => r.key));
  removeGone(kept.users, [...changes.goneUsers, ...replaced], read, (u) => u.user.dn, outcome, 'users');
}

/** Removes the gone entries; one read this run is there, whatever an earlier scan of the same run said. */
function removeGone<T>(entries: Map<string, T>, gone: string[], read: Set<string>, dnOf: (entry: T) => string, outcome: MergeOutcome, kind: 'users' | 'groups'): void {
  for (const key of gone) {
    const before = entries.get(key);
    if (!before || read.has(key)) continue;
    outcome.removed[kind] += 1;
    if (kind === 'users') outcome.removedUsers.push(key);
    outcome.touchedDns.add(dnOf(before));
    entries.delete(key);
  }
}

function mergeGroups(kept: KeptDirectory, changes: DirectoryChanges, outcome: MergeOutcome): void {
  const readKeys = changes.groups.map((g) => ({ key: entryKey(g.group.ldapId, g.group.dn), dn: g.group.dn }));
  const replaced = replacedAt(kept.groups, (g) => g.group.dn, readKeys);
  for (const read of changes.groups) {
    const key = entryKey(read.group.ldapId, read.group.dn);
    const before = kept.groups.get(key);
    if (before && sameGroupEntry(before, read)) {
      if (before.version !== read.version) before.version = read.version;
      continue;
    }
    if (before) {
      outcome.changed.groups += 1;
      if (before.group.dn !== read.group.dn) outcome.touchedDns.add(before.group.dn).add(read.group.dn);
    } else {
      outcome.added.groups += 1;
      outcome.touchedDns.add(read.group.dn);
    }
    // Resolved below, with every group and user known (resolveKeptGroups).
    const keptUsers = read.keptUsers ? { keptUsers: read.keptUsers } : {};
    const group: KeptGroup = { group: read.group, members: read.members, unresolved: [], version: read.version, ...keptUsers };
    kept.groups.set(key, group);
    outcome.readGroups.push(group);
    if (read.keptUsers) outcome.memberUsers.set(group, read.keptUsers.users);
  }
  const read = new Set(readKeys.map((r) => r.key));
  removeGone(kept.groups, [...changes.goneGroups, ...replaced], read, (g) => g.group.dn, outcome, 'groups');
}

/**
 * Merges what an incremental run read into the kept directory (in place):
 * changed entries keep their place, new ones go last, gone ones are removed.
 * An entry read again unchanged (the change window overlaps) counts as nothing.
 */
export function mergeChanges(kept: KeptDirectory, changes: DirectoryChanges): MergeOutcome {
  const outcome: MergeOutcome = {
    added: { users: 0, groups: 0 },
    changed: { users: 0, groups: 0 },
    removed: { users: 0, groups: 0 },
    changedUsers: [],
    removedUsers: [],
    touchedDns: new Set(changes.otherDns),
    readGroups: [],
    memberUsers: new Map(),
  };
  mergeUsers(kept, changes, outcome);
  mergeGroups(kept, changes, outcome);
  return outcome;
}

/** Adds a second merge of the same run (groups read again) to the first one's outcome. */
export function foldOutcome(into: MergeOutcome, more: MergeOutcome): void {
  for (const kind of ['users', 'groups'] as const) {
    into.added[kind] += more.added[kind];
    into.changed[kind] += more.changed[kind];
    into.removed[kind] += more.removed[kind];
  }
  into.changedUsers.push(...more.changedUsers);
  into.removedUsers.push(...more.removedUsers);
  for (const dn of more.touchedDns) into.touchedDns.add(dn);
  into.readGroups.push(...more.readGroups);
  for (const [group, users] of more.memberUsers) into.memberUsers.set(group, users);
}

/** Same members, member groups and unresolved members: resolving it again changed nothing. */
export function sameResolution(a: Pick<KeptGroup, 'group' | 'unresolved'>, b: Pick<KeptGroup, 'group' | 'unresolved'>): boolean {
  const same = (x: readonly string[] | undefined, y: readonly string[] | undefined) => (x ?? []).length === (y ?? []).length && (x ?? []).every((v, i) => v === y?.[i]);
  return (
    same(a.group.memberUsernames, b.group.memberUsernames) &&
    same(a.group.memberGroupDns, b.group.memberGroupDns) &&
    a.unresolved.length === b.unresolved.length &&
    a.unresolved.every((u, i) => JSON.stringify(u) === JSON.stringify(b.unresolved[i]))
  );
}

/** The kept directory as the snapshot plan() reads; `withAccountFlags` with LDAP_SYNC_DISABLED_ACCOUNTS. */
export function snapshotOfKept(kept: KeptDirectory, stats: DirectorySnapshot['stats'], withAccountFlags: boolean): DirectorySnapshot {
  const users: DirectoryUser[] = [];
  let entriesWithAccountFlag = 0;
  // forEach, not for…of (replacedAt says why).
  kept.users.forEach(({ user, hasAccountFlag }) => {
    users.push(user);
    if (hasAccountFlag) entriesWithAccountFlag += 1;
  });
  const groups: DirectoryGroup[] = [];
  const unresolvedMembers: UnresolvedMember[] = [];
  kept.groups.forEach(({ group, unresolved }) => {
    groups.push(group);
    unresolvedMembers.push(...unresolved);
  });
  const snapshot: DirectorySnapshot = { users, groups, unresolvedMembers, stats };
  if (withAccountFlags) snapshot.entriesWithAccountFlag = entriesWithAccountFlag;
  return snapshot;
}
