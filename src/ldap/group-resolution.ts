// An incremental run resolves again the member values of the groups that
// changed or name a touched DN, exactly as a full read resolves them
// (directory-reader.ts completeMembers): the same resolver, knowing every kept
// user (the KnownUsers kept between runs, known-users.ts).
import type { Client } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { normalizeDN } from './dn.js';
import { groupDnsFor, isMemberGroup } from './group-entries.js';
import type { KnownUsers } from './known-users.js';
import { MemberResolver } from './member-resolver.js';
import { entryKey, foldOutcome, mergeChanges, sameResolution, type KeptDirectory, type KeptGroup, type MemberValue, type MergeOutcome } from '../sync/kept-directory.js';
import { cachedNormal, groupsToResolve } from '../sync/groups-to-resolve.js';
import { readGroupsAgain, type ChangeReadInput } from './change-reader.js';
import type { DirectoryGroup, UnresolvedMember } from '../sync/snapshot.js';

export interface Resolution {
  /** Groups resolved again. */
  resolved: number;
  /** Of those not read this run (mergeChanges counts those), groups whose members came out different. */
  changed: number;
  lookups: number;
  /** Entries read again (groups naming a touched DN). */
  entriesRead: number;
}

/** Lookups resolve in any order: members compare as multisets. */
function sorted(values: readonly string[] | undefined): string[] {
  return [...(values ?? [])].sort();
}

function sameMembers(a: KeptGroup, b: KeptGroup): boolean {
  const sortedGroup = (g: DirectoryGroup): DirectoryGroup => ({ ...g, memberUsernames: sorted(g.memberUsernames), memberGroupDns: sorted(g.memberGroupDns) });
  const sortedUnresolved = (list: UnresolvedMember[]) => [...list].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  return sameResolution({ group: sortedGroup(a.group), unresolved: sortedUnresolved(a.unresolved) }, { group: sortedGroup(b.group), unresolved: sortedUnresolved(b.unresolved) });
}

/**
 * Groups with a member value that names neither a kept user nor a kept group
 * (an entry outside the base or the filter, a contact, a computer). On Active
 * Directory such a value follows its entry wherever it moves, unseen: when an
 * entry comes into the base its old DN is not known, so these groups are read again.
 */
function groupsNamingOthers(kept: KeptDirectory, users: KnownUsers): KeptGroup[] {
  const groupDns = new Set<string>();
  for (const { group } of kept.groups.values()) groupDns.add(group.dn);
  const other = (value: MemberValue) => typeof value !== 'string' || (users.exactText(value) < 0 && !groupDns.has(value));
  return [...kept.groups.values()].filter(({ members }) => members.some(other));
}

/**
 * A group's member values as a full read resolves them (classifyMembers, then
 * the resolver), each looked up once: `found` is what the read found
 * (ReadGroup.keptUsers), before the merge. A value it found no known user
 * for, or one forgotten since, may name a user the merge added or renamed: it
 * is looked up by its text, as the values of the groups not read this run.
 */
function addMembers(resolver: MemberResolver, groupDns: Map<string, string> | null, group: DirectoryGroup, members: MemberValue[], found: Int32Array | undefined): void {
  if (!groupDns && found?.length === members.length && allKnown(resolver, group, members, found)) return;
  const users = resolver.users;
  for (let k = 0; k < members.length; k++) {
    const value = members[k] as MemberValue;
    if (groupDns && isMemberGroup(groupDns, group, value)) continue;
    const user = found ? (found[k] as number) : -1;
    // Nearly every value: a user still known, with a username (a forgotten one has none), recorded without reading whether it is known.
    if (user >= 0 && resolver.recordKnown(group, user)) continue;
    resolver.addMember(group, value, userNow(users, user, value));
  }
}

/**
 * The user a member value names now: `user`, the one the read found, while it
 * is known; else, none found or that one forgotten since, the one its text
 * names (a user the merge added or renamed); -1 for none.
 */
function userNow(users: KnownUsers, user: number, value: MemberValue): number {
  if (user >= 0 && users.isKnown(user)) return user;
  return typeof value === 'string' ? users.exactText(value) : -1;
}

/**
 * The members of a group whose every value names a known user with a
 * username (nearly every group read again), as addMembers records them, into
 * arrays of their final size: grown one push at a time, the 630,000 members of
 * the 1 % run at L left 31 MB of garbage (an allocation profile). A value the
 * read found no user for is looked up by its text, as addMembers does: the
 * new DN of a user renamed this run is known only since the merge, and the
 * groups naming one (about 500 of the 1 % run's 3,154) would otherwise all
 * take addMembers' way. False, recording nothing, when a value is any other.
 */
function allKnown(resolver: MemberResolver, group: DirectoryGroup, members: MemberValue[], found: Int32Array): boolean {
  const users = resolver.users;
  const usernames = new Array<string>(found.length);
  const entries = new Array<number>(found.length);
  for (let k = 0; k < found.length; k++) {
    let user = found[k] as number;
    let username = user >= 0 ? users.usernameOf(user) : '';
    if (username === '') {
      user = userNow(users, user, members[k] as MemberValue);
      username = user >= 0 ? users.usernameOf(user) : '';
    }
    if (username === '') return false;
    usernames[k] = username;
    entries[k] = users.entryOf(user);
  }
  group.memberUsernames = usernames;
  group.memberEntries = entries;
  return true;
}

/**
 * Resolves the affected groups in place. `normalized` caches member value →
 * normalised DN between runs (kept with the directory: a DN is parsed once).
 * `input.users` must already know the kept users as merged (updateKnownUsers).
 */
export async function resolveKeptGroups(
  context: { client: Client; settings: LdapSettings; log: Logger },
  input: ChangeReadInput,
  outcome: MergeOutcome,
  normalized: Map<string, string>,
): Promise<Resolution> {
  const { kept, users } = input;
  const isUserDn = (value: string) => users.exactText(value) >= 0;
  let targets = groupsToResolve(kept, outcome, normalizeDN, normalized, isUserDn, users);
  const read = new Set(outcome.readGroups);
  const again = new Set(targets.filter((target) => !read.has(target)));
  if (input.state.vendor.activeDirectoryCompatible && outcome.touchedDns.size > 0) {
    for (const group of groupsNamingOthers(kept, users)) if (!read.has(group)) again.add(group);
  }
  const stale = [...again].map(({ group }) => ({ dn: group.dn, key: entryKey(group.ldapId, group.dn) }));
  let entriesRead = 0;
  if (stale.length > 0) {
    // Their member values may have moved with the entries they name (readGroupsAgain): read them as a full read would.
    const again = await readGroupsAgain(context, input, stale);
    entriesRead = again.entriesRead;
    const more = mergeChanges(kept, again.changes);
    foldOutcome(outcome, more);
    // Values naming known users are passed over only while no DN touched since the users were updated names one.
    const usersUpdated = [...more.touchedDns].every((dn) => users.exactText(dn) < 0);
    targets = groupsToResolve(kept, outcome, normalizeDN, normalized, isUserDn, usersUpdated ? users : undefined);
  }
  if (targets.length === 0) return { resolved: 0, changed: 0, lookups: 0, entriesRead };
  const { client, settings, log } = context;
  const resolver = new MemberResolver(client, settings, log, users);
  const groupDns = groupDnsFor(settings, [...kept.groups.values()].map((g) => g.group), resolver, (dn) => cachedNormal(normalized, normalizeDN, dn));
  const fresh = targets.map((target) => {
    // Member entries (DirectoryGroup.memberEntries) as the kept users were placed; one gone stale since is only slower for plan().
    const { memberGroupDns: _old, memberEntries: _entries, ...rest } = target.group;
    const group: DirectoryGroup = { ...rest, memberUsernames: [], memberEntries: [] };
    addMembers(resolver, groupDns, group, target.members, outcome.memberUsers.get(target));
    return { target, group };
  });
  const unresolved = new Map<string, UnresolvedMember[]>();
  for (const member of await resolver.finish()) {
    const list = unresolved.get(member.groupDn);
    if (list) list.push(member);
    else unresolved.set(member.groupDn, [member]);
  }
  const readThisRun = new Set(outcome.readGroups);
  let changed = 0;
  for (const { target, group } of fresh) {
    const next: KeptGroup = { ...target, group, unresolved: unresolved.get(group.dn) ?? [] };
    if (!readThisRun.has(target) && !sameMembers(target, next)) changed += 1;
    target.group = next.group;
    target.unresolved = next.unresolved;
  }
  return { resolved: targets.length, changed, lookups: resolver.lookups, entriesRead };
}
