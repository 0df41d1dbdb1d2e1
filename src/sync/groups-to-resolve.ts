// Which kept groups an incremental run resolves again (docs/incremental.md,
// "How a run works", step 5). Pure: the resolving is in src/ldap/group-resolution.ts.
import type { KeptDirectory, KeptGroup, MemberValue, MergeOutcome } from './kept-directory.js';

/** The table of known users that numbered KeptMemberUsers.users, after this run's merge (src/ldap/known-users.ts). */
export interface KnownUserIndexes {
  isKnown(user: number): boolean;
}

/**
 * Whether a member value of the group names a touched DN. A value that named a
 * user still known (KeptGroup.keptUsers, numbered by `known`)
 * cannot: every touched DN's user was forgotten by the merge (updateKnownUsers),
 * so that value is not even read, which for most of a million values saves two
 * waits for memory (its string, a map of every DN).
 */
function namesAny(group: KeptGroup, names: (value: MemberValue) => boolean, known: KnownUserIndexes | undefined): boolean {
  const kept = group.keptUsers;
  if (!known || kept?.numbering !== known || kept.users.length !== group.members.length) return group.members.some(names);
  const users = kept.users;
  for (let k = 0; k < users.length; k++) {
    const user = users[k] as number;
    if (user >= 0 && known.isKnown(user)) continue;
    if (names(group.members[k] as MemberValue)) return true;
  }
  return false;
}

/** `normalize(dn)`, from `cache` when it has it (kept between runs: a DN is normalised once). */
export function cachedNormal(cache: Map<string, string>, normalize: (dn: string) => string, dn: string): string {
  let key = cache.get(dn);
  if (key === undefined) {
    key = normalize(dn);
    cache.set(dn, key);
  }
  return key;
}

/**
 * The kept groups whose members must be resolved again: those read this run,
 * and those with a member value naming a touched DN (a user renamed, added,
 * removed or given another username; a group renamed, added or removed; another
 * entry that changed). `normalize` is the DN normalisation the resolver uses;
 * `normalized` caches it between runs. A member value spelled exactly as a kept
 * user's DN (`isUserDn`, over the kept users after the merge) can only name that
 * user, so it is compared as it is: only the few other values (other spellings,
 * lookups, unresolved members) are normalised.
 */
export function groupsToResolve(
  kept: KeptDirectory,
  outcome: MergeOutcome,
  normalize: (dn: string) => string,
  normalized: Map<string, string>,
  isUserDn: (value: string) => boolean,
  known?: KnownUserIndexes,
): KeptGroup[] {
  const result = new Set<KeptGroup>(outcome.readGroups);
  const exact = outcome.touchedDns;
  if (exact.size === 0) return [...result];
  const touched = new Set([...exact].map(normalize));
  const names = (value: MemberValue): boolean => {
    if (typeof value !== 'string') return false;
    if (exact.has(value)) return true;
    if (isUserDn(value)) return false;
    return touched.has(cachedNormal(normalized, normalize, value));
  };
  for (const group of kept.groups.values()) {
    if (!result.has(group) && namesAny(group, names, known)) result.add(group);
  }
  return [...result];
}
