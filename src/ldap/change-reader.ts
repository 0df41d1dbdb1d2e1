// An incremental run's read (docs/incremental.md): which entries changed since
// the watermark, read again (candidate-reads.ts); with a deletion scan, the ids of every
// user and group too. Returns the changes for mergeChanges (src/sync/kept-directory.ts).
import { keyOf, readCandidates, settledAt, type Candidate, type ChangeRead, type ChangeReadInput, type Reading } from './candidate-reads.js';
import { GroupsAhead } from './groups-ahead.js';
import { EntryValues, firstValue } from './entry-values.js';
import { changedSince, MarkerWatch } from './change-markers.js';
import { pagedSearch, pagedSearchPages } from './directory-reader.js';
import { uniqueIdConverter } from './ldap-id.js';
import { unique, type EntryContext } from './read-context.js';
import { markerAttributes } from './vendors.js';
import { entryKey } from '../sync/kept-directory.js';

export type { ChangeRead, ChangeReadInput } from './candidate-reads.js';

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
    if (settledAt(user && { version: user.version, dn: user.user.dn }, version, entry.dn) || settledAt(group && { version: group.version, dn: group.group.dn }, version, entry.dn)) continue;
    if (!user && !group) {
      result.others.set(entry.dn, version);
      if (version !== '' && input.kept.others.get(entry.dn) === version) continue;
    }
    addCandidate(reading, { dn: entry.dn, changed: true, version, ...(user ? { userKey } : {}), ...(group ? { groupKey } : {}) });
    // At the first kept entry changed, not once the scan ends: Pocket ID's state is read while slapd still walks its entries, not beside the entries read again.
    if (user || group) input.onReads?.();
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
  // Only with exact versions: a group read ahead is taken when its version is the one the scan saw (groups-ahead.ts).
  const ahead = input.openAnother && input.state.marker.version && input.kept.groups.size > 0 ? new GroupsAhead(reading, input.openAnother) : undefined;
  if (ahead) reading.ahead = ahead;
  try {
    return await readCandidatesChanged(reading);
  } finally {
    // Also when there are too many to read: the run then reads the whole directory, without this search beside it.
    await ahead?.stop();
  }
}

async function readCandidatesChanged(reading: Reading): Promise<ChangeRead> {
  const { input, result } = reading;
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
  await readCandidates(reading, queue);
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
  // Not changed by their marker (candidate-reads.ts): each is read by its DN.
  await readCandidates(reading, groups.map(({ dn, key }) => ({ dn, groupKey: key })));
  reading.result.pages = reading.stats.pages;
  return reading.result;
}
