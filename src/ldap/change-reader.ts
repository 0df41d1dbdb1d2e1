// An incremental run's read (docs/incremental.md): which entries changed since
// the watermark, read again one by one; with a deletion scan, the ids of every
// user and group too. Returns the changes for mergeChanges (src/sync/kept-directory.ts).
import type { Entry } from 'ldapts';
import { EntryValues, firstValue, MANY_VALUES_PACKED } from './entry-values.js';
import { changedSince, MarkerWatch, type MarkerState, type Watermark } from './change-markers.js';
import { pagedSearch, pagedSearchPages, readUser, userAttributes } from './directory-reader.js';
import { groupAttributes, memberValuesAsRead, readGroupEntry } from './group-entries.js';
import { keptMemberTexts, type KeptValues } from './kept-members.js';
import { pictureDigest } from './kept-read.js';
import type { KnownUsers } from './known-users.js';
import { uniqueIdConverter } from './ldap-id.js';
import { eachAtOnce, readByDn, unique, type EntryContext } from './read-context.js';
import { markerAttributes } from './vendors.js';
import { entryKey, type DirectoryChanges, type KeptDirectory } from '../sync/kept-directory.js';

export interface ChangeReadInput {
  kept: KeptDirectory;
  state: MarkerState;
  watermark: Watermark;
  /** Also read the ids of every user and group (deletions, moves out of the base). */
  deletionScan: boolean;
  /** More entries to read one by one than this: none is read (`tooMany`); a full read is then cheaper. */
  maxReads: number;
  /** Called when kept users or groups are to be read again (the run will probably plan). */
  onReads?: () => void;
  /** The kept users as member values name them (kept between runs with `kept`). */
  users: KnownUsers;
}

export interface ChangeRead {
  changes: DirectoryChanges;
  /** The other entries seen in the change window, for the next run (KeptDirectory.others). */
  others: Map<string, string>;
  watch: MarkerWatch;
  /** Entries the searches returned: the change scan, the id scans, and the entries read one by one. */
  entriesRead: number;
  pages: number;
  /** The entries there were to read when more than ChangeReadInput.maxReads: nothing was read. */
  tooMany?: number;
}

/** An entry to read again: by DN, and whether it is kept as a user or a group (under which key). */
interface Candidate {
  dn: string;
  userKey?: string;
  groupKey?: string;
}

interface Reading extends EntryContext {
  input: ChangeReadInput;
  watch: MarkerWatch;
  stats: { pages: number; rangeRequests?: number };
  userId: (bytes: Uint8Array) => string;
  groupId: (bytes: Uint8Array) => string;
  candidates: Map<string, Candidate>;
  result: ChangeRead;
  /** Member values read this run that name no kept user, by text: equal values share one string. */
  sharedDns: Map<string, string>;
}

function keyOf(values: EntryValues, dn: string, attribute: string, convert: (bytes: Uint8Array) => string): string {
  const bytes = values.first(attribute);
  return entryKey(bytes ? convert(bytes) : '', dn);
}

function addCandidate(reading: Reading, candidate: Candidate): void {
  const known = reading.candidates.get(candidate.dn);
  reading.candidates.set(candidate.dn, { ...known, ...candidate });
}

/**
 * Every entry under the base changed since the watermark, by id only. An entry
 * seen before with the same exact version is not read again; the others
 * (changed, new, left the filter, or a directory without exact versions) are.
 */
async function scanChanged(reading: Reading): Promise<void> {
  const { client, settings, log, input, watch, result } = reading;
  const { userUniqueId, groupUniqueId } = settings.attributes;
  const attributes = unique([userUniqueId, groupUniqueId, ...markerAttributes(input.state.marker)]);
  const search = { what: 'changed entries', filter: changedSince(input.state.marker, input.watermark), attributes };
  for await (const entry of pagedSearch(client, settings, search, { pageSize: settings.pageSize }, reading.stats, log)) {
    result.entriesRead += 1;
    const values = new EntryValues(entry);
    const version = watch.note(values);
    const userKey = keyOf(values, entry.dn, userUniqueId, reading.userId);
    const groupKey = keyOf(values, entry.dn, groupUniqueId, reading.groupId);
    const user = input.kept.users.get(userKey);
    const group = input.kept.groups.get(groupKey);
    const settled = (kept: { version: string; dn: string } | undefined) => kept !== undefined && version !== '' && kept.version === version && kept.dn === entry.dn;
    if (settled(user && { version: user.version, dn: user.user.dn }) || settled(group && { version: group.version, dn: group.group.dn })) continue;
    if (!user && !group) {
      result.others.set(entry.dn, version);
      if (version !== '' && input.kept.others.get(entry.dn) === version) continue;
    }
    addCandidate(reading, { dn: entry.dn, ...(user ? { userKey } : {}), ...(group ? { groupKey } : {}) });
  }
}

/** The ids of every user or group: kept ones missing are gone; new or moved ones are read. */
async function scanIds(reading: Reading, kind: 'users' | 'groups'): Promise<void> {
  const { client, settings, log, input, result } = reading;
  const users = kind === 'users';
  const attribute = users ? settings.attributes.userUniqueId : settings.attributes.groupUniqueId;
  const convert = users ? reading.userId : reading.groupId;
  const keptDn = (key: string) => (users ? input.kept.users.get(key)?.user.dn : input.kept.groups.get(key)?.group.dn);
  const search = { what: `${kind} (ids)`, filter: users ? settings.userFilter : settings.groupFilter, attributes: [attribute] };
  const seen = new Set<string>();
  for await (const page of pagedSearchPages(client, settings, search, { pageSize: settings.pageSize }, reading.stats, log)) {
    result.entriesRead += page.length;
    for (const entry of page) {
      const bytes = firstValue(entry, attribute);
      const key = entryKey(bytes ? convert(bytes) : '', entry.dn);
      seen.add(key);
      const dn = keptDn(key);
      if (dn !== entry.dn) addCandidate(reading, { dn: entry.dn, ...(dn !== undefined ? (users ? { userKey: key } : { groupKey: key }) : {}) });
    }
  }
  const gone = users ? result.changes.goneUsers : result.changes.goneGroups;
  for (const key of (users ? input.kept.users : input.kept.groups).keys()) if (!seen.has(key)) gone.push(key);
}

/** The kept group's member values and users, when the users kept now numbered them (kept-members.ts). */
function keptValues(input: ChangeReadInput, groupKey: string | undefined): KeptValues | undefined {
  const kept = groupKey === undefined ? undefined : input.kept.groups.get(groupKey);
  const users = kept?.keptUsers;
  return kept && users && users.numbering === input.users && users.users.length === kept.members.length ? { members: kept.members, users: users.users } : undefined;
}

/** One entry by DN (readByDn), counted as read when it is there. */
async function readOne(reading: Reading, dn: string, filter: string, attributes: string[], asBuffers?: string[]): Promise<Entry | undefined> {
  // Deleted or renamed since the scan (undefined): the deletion scan or the next run's change scan sees what became of it.
  const entry = await readByDn(reading.client, dn, filter, attributes, 'changed entry', asBuffers);
  if (entry) reading.result.entriesRead += 1;
  return entry;
}

async function readCandidate(reading: Reading, candidate: Candidate): Promise<void> {
  const { settings, watch, result } = reading;
  const extra = markerAttributes(reading.input.state.marker);
  const changes = result.changes;
  const asUser = candidate.groupKey === undefined || candidate.userKey !== undefined ? await readOne(reading, candidate.dn, settings.userFilter, userAttributes(settings, extra)) : undefined;
  if (asUser) {
    const values = new EntryValues(asUser);
    const { user, hasAccountFlag } = await readUser(reading, asUser, reading.userId, values);
    changes.users.push({ user, version: watch.note(values), pictureDigest: pictureDigest(user.picture), hasAccountFlag });
    if (candidate.userKey !== undefined && candidate.userKey !== entryKey(user.ldapId, user.dn)) changes.goneUsers.push(candidate.userKey);
    return;
  }
  if (candidate.userKey !== undefined) changes.goneUsers.push(candidate.userKey);
  const asGroup = await readOne(reading, candidate.dn, settings.groupFilter, groupAttributes(settings, extra), MANY_VALUES_PACKED);
  if (asGroup) {
    const values = new EntryValues(asGroup);
    const group = await readGroupEntry(reading, asGroup, reading.groupId, values);
    const raw = await memberValuesAsRead(reading, asGroup, values, reading.stats);
    // Member values equal to a kept user's DN share its string, as after a full read (FullReadTracker); which user it is goes to the resolver.
    const { members, found } = keptMemberTexts(raw, keptValues(reading.input, candidate.groupKey), reading.input.users, reading.sharedDns);
    changes.groups.push({ group, members, version: watch.note(values), keptUsers: { users: found, numbering: reading.input.users } });
    if (candidate.groupKey !== undefined && candidate.groupKey !== entryKey(group.ldapId, group.dn)) changes.goneGroups.push(candidate.groupKey);
    return;
  }
  if (candidate.groupKey !== undefined) changes.goneGroups.push(candidate.groupKey);
  else if (candidate.userKey === undefined) changes.otherDns.push(candidate.dn);
}

function newReading(context: EntryContext, input: ChangeReadInput): Reading {
  const watch = new MarkerWatch(input.state.marker);
  const result: ChangeRead = {
    changes: { users: [], groups: [], goneUsers: [], goneGroups: [], otherDns: [] },
    others: new Map(),
    watch,
    entriesRead: 0,
    pages: 0,
  };
  const { attributes } = context.settings;
  return {
    ...context,
    input,
    watch,
    stats: { pages: 0 },
    userId: uniqueIdConverter(attributes.userUniqueId),
    groupId: uniqueIdConverter(attributes.groupUniqueId),
    candidates: new Map(),
    result,
    sharedDns: new Map(),
  };
}

/** What changed since the watermark (and, with a deletion scan, what is gone). Any incomplete read throws. */
export async function readChanges(context: EntryContext, input: ChangeReadInput): Promise<ChangeRead> {
  const reading = newReading(context, input);
  const result = reading.result;
  await scanChanged(reading);
  if (input.deletionScan) {
    await scanIds(reading, 'users');
    await scanIds(reading, 'groups');
  }
  const queue = [...reading.candidates.values()];
  if (queue.length > input.maxReads) {
    result.tooMany = queue.length;
    return result;
  }
  // A kept user or group read again will most likely be planned; other entries (lookup targets, containers) seldom.
  if (queue.some((c) => c.userKey !== undefined || c.groupKey !== undefined)) input.onReads?.();
  await eachAtOnce(queue, (candidate) => readCandidate(reading, candidate));
  result.pages = reading.stats.pages;
  return result;
}

/**
 * Kept groups read again by DN. On Active Directory a member value follows its
 * entry when that is renamed, moved or deleted (linked attributes) while the
 * group's uSNChanged stays: a group naming a touched DN must be read, not only
 * resolved again from the values kept.
 */
export async function readGroupsAgain(context: EntryContext, input: ChangeReadInput, groups: { dn: string; key: string }[]): Promise<ChangeRead> {
  const reading = newReading(context, input);
  await eachAtOnce(groups, ({ dn, key }) => readCandidate(reading, { dn, groupKey: key }));
  reading.result.pages = reading.stats.pages;
  return reading.result;
}
