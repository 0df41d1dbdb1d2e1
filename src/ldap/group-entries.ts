// Group entries: the member attribute as asked for, one entry without its
// members, the member values with ranges followed, and nested groups told apart.
import type { Entry } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import { decodeUtf8 } from '../text/go-text.js';
import { normalizeDN } from './dn.js';
import type { EntryValues } from './entry-values.js';
import type { MemberResolver } from './member-resolver.js';
import { PackedValues } from './packed-values.js';
import { completeRangedValues, rangeRequest } from './range.js';
import { claimAttributes, readClaimValues } from './claim-reader.js';
import { textReader, unique, type EntryContext } from './read-context.js';
import type { DirectoryGroup, DirectorySnapshot } from '../sync/snapshot.js';

/** The member attribute as the group search asks for it: with LDAP_SYNC_MEMBER_RANGE_SIZE the first block is asked for in the search itself. */
export function memberRequestOf(settings: LdapSettings): { request: string; rangeSize: number | undefined } {
  const memberAttribute = settings.attributes.groupMember;
  const rangeSize = settings.memberRangeSize > 0 ? settings.memberRangeSize : undefined;
  return { request: rangeSize && memberAttribute !== '' ? rangeRequest(memberAttribute, 0, rangeSize) : memberAttribute, rangeSize };
}

/** The attributes of the group search. */
export function groupAttributes(settings: LdapSettings, extra: string[] = []): string[] {
  const attrs = settings.attributes;
  return unique([attrs.groupName, attrs.groupUniqueId, memberRequestOf(settings).request, ...claimAttributes(settings.claims.group), ...extra]);
}

/** One group entry without its members (memberValues, classifyMembers and the resolver add them). */
export async function readGroupEntry(context: EntryContext, entry: Entry, groupId: (bytes: Uint8Array) => string, values: EntryValues): Promise<DirectoryGroup> {
  return groupOf(context, entry, groupId, values, await readClaimValues(context.client, entry, values, context.settings.claims.group));
}

/** readGroupEntry once its claims are read (no await: see the full read's page loop). */
export function groupOf(context: EntryContext, entry: Entry, groupId: (bytes: Uint8Array) => string, values: EntryValues, claims: string | undefined): DirectoryGroup {
  const attrs = context.settings.attributes;
  const text = textReader(values);
  const idBytes = values.first(attrs.groupUniqueId);
  const group: DirectoryGroup = { dn: entry.dn, ldapId: idBytes ? groupId(idBytes) : '', name: text.read(attrs.groupName), memberUsernames: [], memberEntries: [] };
  if (text.invalidAttribute) group.invalidAttribute = text.invalidAttribute;
  if (claims) group.claims = claims;
  return group;
}

/** A group's member values, ranges followed (range.ts). */
export async function memberValues(context: EntryContext, entry: Entry, values: EntryValues, stats: Pick<DirectorySnapshot['stats'], 'rangeRequests'>): Promise<Buffer[]> {
  const read = await memberValuesAsRead(context, entry, values, stats);
  return read instanceof PackedValues ? read.all() : read;
}

/** memberValues, packed when the entry holds them so (read with MANY_VALUES_PACKED, packed-values.ts). */
export async function memberValuesAsRead(context: EntryContext, entry: Entry, values: EntryValues, stats: Pick<DirectorySnapshot['stats'], 'rangeRequests'>): Promise<Buffer[] | PackedValues> {
  const { client, settings, log } = context;
  const memberAttribute = settings.attributes.groupMember;
  if (memberAttribute === '') return [];
  const { rangeSize } = memberRequestOf(settings);
  const ranged = await completeRangedValues(client, entry, memberAttribute, rangeSize ? { size: rangeSize } : {});
  if (!ranged) return values.packed(memberAttribute) ?? values.all(memberAttribute);
  stats.rangeRequests = (stats.rangeRequests ?? 0) + ranged.requests;
  log.debug('Read ranged member values', { group: entry.dn, values: ranged.values.length, requests: ranged.requests + 1 });
  return ranged.values;
}

/**
 * With LDAP_SYNC_NESTED_GROUPS=true (`groupDns` given): member values naming a
 * group of the snapshot are recorded by that group's DN; the rest are returned,
 * for the resolver to turn into usernames.
 */
export function classifyMembers(groupDns: Map<string, string> | null, group: DirectoryGroup, members: Buffer[] | PackedValues): Buffer[] | PackedValues {
  if (!groupDns) return members;
  return (members instanceof PackedValues ? members.all() : members).filter((raw) => !isMemberGroup(groupDns, group, raw));
}

/** Whether the member value names a group of `groupDns` (matched as Pocket ID normalises DNs); if so it is recorded in the group's memberGroupDns. */
export function isMemberGroup(groupDns: Map<string, string>, group: DirectoryGroup, value: Buffer | string): boolean {
  const member = typeof value === 'string' ? value : decodeUtf8(value);
  const memberGroupDn = member === null ? undefined : groupDns.get(normalizeDN(member));
  if (memberGroupDn === undefined) return false;
  (group.memberGroupDns ??= []).push(memberGroupDn);
  return true;
}

/**
 * The resolver's view of the groups: with nesting off, a member value naming a group is reported as a group
 * (LDAP_SYNC_NESTED_GROUPS), not looked up. `normalize`: normalizeDN, or a cache of it (an incremental run's,
 * kept between runs: 5,000 group DNs parsed again in every run cost about 20 ms at L).
 */
export function groupDnsFor(settings: LdapSettings, groups: readonly DirectoryGroup[], resolver: MemberResolver, normalize = normalizeDN): Map<string, string> | null {
  const dns = groupDnsByNormalizedDn(groups, normalize);
  if (settings.nestedGroups) return dns;
  resolver.rememberGroups(new Set(dns.keys()));
  return null;
}

/** Normalised DN → the DN of the first group read with it. */
function groupDnsByNormalizedDn(groups: readonly DirectoryGroup[], normalize: (dn: string) => string): Map<string, string> {
  const dns = new Map<string, string>();
  for (const group of groups) {
    const key = normalize(group.dn);
    if (!dns.has(key)) dns.set(key, group.dn);
  }
  return dns;
}
