// An incremental run resolves again the member values of the groups that
// changed or name a touched DN, exactly as a full read resolves them
// (directory-reader.ts completeMembers): the same resolver, fed every kept user.
import type { Client } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { nfc } from '../text/go-text.js';
import { normalizeDN } from './dn.js';
import { classifyMembers, groupDnsFor } from './group-entries.js';
import { memberBuffers } from './kept-read.js';
import { MemberResolver } from './member-resolver.js';
import { entryKey, foldOutcome, groupsToResolve, mergeChanges, sameResolution, type KeptDirectory, type KeptGroup, type MergeOutcome } from '../sync/kept-directory.js';
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
function groupsNamingOthers(kept: KeptDirectory): KeptGroup[] {
  const known = new Set<string>();
  for (const { user } of kept.users.values()) known.add(user.dn);
  for (const { group } of kept.groups.values()) known.add(group.dn);
  return [...kept.groups.values()].filter(({ members }) => members.some((value) => typeof value !== 'string' || !known.has(value)));
}

/**
 * Resolves the affected groups in place. `normalized` caches member value →
 * normalised DN between runs (kept with the directory: a DN is parsed once).
 */
export async function resolveKeptGroups(
  context: { client: Client; settings: LdapSettings; log: Logger },
  input: ChangeReadInput,
  outcome: MergeOutcome,
  normalized: Map<string, string>,
): Promise<Resolution> {
  const kept = input.kept;
  let targets = groupsToResolve(kept, outcome, normalizeDN, normalized);
  const read = new Set(outcome.readGroups);
  const again = new Set(targets.filter((target) => !read.has(target)));
  if (input.state.vendor.activeDirectoryCompatible && outcome.touchedDns.size > 0) {
    for (const group of groupsNamingOthers(kept)) if (!read.has(group)) again.add(group);
  }
  const stale = [...again].map(({ group }) => ({ dn: group.dn, key: entryKey(group.ldapId, group.dn) }));
  let entriesRead = 0;
  if (stale.length > 0) {
    // Their member values may have moved with the entries they name (readGroupsAgain): read them as a full read would.
    const again = await readGroupsAgain(context, input, stale);
    entriesRead = again.entriesRead;
    foldOutcome(outcome, mergeChanges(kept, again.changes));
    targets = groupsToResolve(kept, outcome, normalizeDN, normalized);
  }
  if (targets.length === 0) return { resolved: 0, changed: 0, lookups: 0, entriesRead };
  const { client, settings, log } = context;
  const resolver = new MemberResolver(client, settings, log);
  for (const { user } of kept.users.values()) if (user.username !== '') resolver.rememberUser(user.dn, nfc(user.username));
  const groupDns = groupDnsFor(settings, [...kept.groups.values()].map((g) => g.group), resolver);
  const fresh = targets.map((target) => {
    // The kept users have no snapshot index yet: no member entries (DirectoryGroup.memberEntries) this time.
    const { memberGroupDns: _old, memberEntries: _entries, ...rest } = target.group;
    const group: DirectoryGroup = { ...rest, memberUsernames: [] };
    resolver.addGroup(group, classifyMembers(groupDns, group, outcome.rawMembers.get(target) ?? memberBuffers(target.members)));
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
