// Reading again the entries an incremental run's scans found (docs/incremental.md,
// "How a run works", step 3): as a user, failing that as a group, failing that
// gone or another entry. Many entries changed by the change scan are read by two
// paged searches, the user filter and the group filter each AND the change scan's
// condition; everything else by base-object searches on its DN, eight at a time.
// Changed groups may already have been read by that search on another
// connection while the change scan ran (groups-ahead.ts).
import { FilterParser, type Client, type Entry, type Filter } from 'ldapts';
import { EntryValues, MANY_VALUES_PACKED } from './entry-values.js';
import { pagedSearchPages, readUser, userAttributes } from './directory-reader.js';
import { normalizeDN } from './dn.js';
import { groupAttributes, memberValuesAsRead, readGroupEntry } from './group-entries.js';
import { keptMemberTexts, type KeptValues } from './kept-members.js';
import { pictureDigest } from './kept-read.js';
import { eachAtOnce, readByDn, type EntryContext } from './read-context.js';
import { markerAttributes } from './vendors.js';
import type { KnownUsers } from './known-users.js';
import { changedSince, type MarkerState, type MarkerWatch, type Watermark } from './change-markers.js';
import { entryKey, type DirectoryChanges, type KeptDirectory, type ReadGroup } from '../sync/kept-directory.js';

export interface ChangeReadInput {
  kept: KeptDirectory;
  state: MarkerState;
  watermark: Watermark;
  /** Also read the ids of every user and group (deletions, moves out of the base). */
  deletionScan: boolean;
  /** More entries to read again than this: none is read (`tooMany`); a full read is then cheaper. */
  maxReads: number;
  /** Called when kept users or groups are to be read again (the run will probably plan); again and again, from the change scan's first such entry on. */
  onReads?: () => void;
  /** The kept users as member values name them (kept between runs with `kept`). */
  users: KnownUsers;
  /** Opens another bound connection: the changed groups are then read while the change scan runs (groups-ahead.ts). */
  openAnother?: () => Promise<Client>;
}

export interface ChangeRead {
  changes: DirectoryChanges;
  /** The other entries seen in the change window, for the next run (KeptDirectory.others). */
  others: Map<string, string>;
  watch: MarkerWatch;
  /** Entries the searches returned: the change scan, the id scans, and the entries read again. */
  entriesRead: number;
  pages: number;
  /** The entries there were to read when more than ChangeReadInput.maxReads: nothing was read. */
  tooMany?: number;
}

/** One incremental read's state (change-reader.ts). */
export interface Reading extends EntryContext {
  input: ChangeReadInput;
  watch: MarkerWatch;
  stats: { pages: number; rangeRequests?: number };
  userId: (bytes: Uint8Array) => string;
  groupId: (bytes: Uint8Array) => string;
  candidates: Map<string, Candidate>;
  result: ChangeRead;
  /** Member values read this run that name no kept user, by text: equal values share one string. */
  sharedDns: Map<string, string>;
  /** The changed groups read while the change scan ran (groups-ahead.ts), if they are. */
  ahead?: GroupsReadAhead;
}

/** Groups read ahead of the change scan (groups-ahead.ts): takes those it has for these candidates and returns the others. */
export interface GroupsReadAhead {
  takeFor(reading: Reading, candidates: Candidate[]): Promise<Candidate[]>;
}

/** An entry to read again: by DN, and whether it is kept as a user or a group (under which key). */
export interface Candidate {
  dn: string;
  userKey?: string;
  groupKey?: string;
  /** Returned by the change scan: its marker was at or after the watermark then, so it still is (markers only grow). */
  changed?: true;
  /** The exact version the change scan saw ('' when the directory offers none). */
  version?: string;
}

/**
 * When a paged search reads the changed entries of a kind: from one changed
 * entry in this many kept ones of that kind. Without an index on the marker
 * the server walks every entry of the filter for such a search: on slapd at
 * workload L, the search for 300 changed users among 100,000 took 0.19 s of
 * CPU (slapd and client), their 300 reads by DN 0.04 s; a read by DN costs
 * about what walking 80 entries does (docs/incremental-history.md).
 */
const ENTRIES_WALKED_PER_READ = 100;

/** Whether `changed` entries of a kind with `kept` entries are read by one paged search. */
function searchPays(changed: number, kept: number): boolean {
  return changed > 0 && changed * ENTRIES_WALKED_PER_READ >= kept;
}

/** An entry not kept as a group alone is read as a user first, as a full read would find it among the users. */
function triedAsUser(candidate: Candidate): boolean {
  return candidate.groupKey === undefined || candidate.userKey !== undefined;
}

async function takeUser(reading: Reading, candidate: Candidate, entry: Entry): Promise<void> {
  const changes = reading.result.changes;
  const values = new EntryValues(entry);
  const { user, hasAccountFlag } = await readUser(reading, entry, reading.userId, values);
  changes.users.push({ user, version: reading.watch.note(values), pictureDigest: pictureDigest(user.picture), hasAccountFlag });
  if (candidate.userKey !== undefined && candidate.userKey !== entryKey(user.ldapId, user.dn)) changes.goneUsers.push(candidate.userKey);
}

/** The kept group's member values and users, when the users kept now numbered them (kept-members.ts). */
function keptValues(reading: Reading, groupKey: string | undefined): KeptValues | undefined {
  const { input } = reading;
  const kept = groupKey === undefined ? undefined : input.kept.groups.get(groupKey);
  const users = kept?.keptUsers;
  return kept && users && users.numbering === input.users && users.users.length === kept.members.length ? { members: kept.members, users: users.users } : undefined;
}

/** An entry's key (entryKey) from its unique-id attribute, `convert`ed, and its DN. */
export function keyOf(values: EntryValues, dn: string, attribute: string, convert: (bytes: Uint8Array) => string): string {
  const bytes = values.first(attribute);
  return entryKey(bytes ? convert(bytes) : '', dn);
}

/** The kept entry is the one read: at the same DN with the same exact version (never when the directory offers none). */
export function settledAt(kept: { version: string; dn: string } | undefined, version: string, dn: string): boolean {
  return kept !== undefined && version !== '' && kept.version === version && kept.dn === dn;
}

/**
 * A group entry as an incremental run keeps it, at `version`, its members not
 * yet resolved; compared with the kept group at `keptKey` (its values, when
 * the same, are taken from there).
 */
export async function readGroupParts(reading: Reading, entry: Entry, values: EntryValues, keptKey: string | undefined, version: string): Promise<ReadGroup> {
  const group = await readGroupEntry(reading, entry, reading.groupId, values);
  const raw = await memberValuesAsRead(reading, entry, values, reading.stats);
  // Member values equal to a kept user's DN share its string, as after a full read (FullReadTracker); which user it is goes to the resolver.
  const { members, found } = keptMemberTexts(raw, keptValues(reading, keptKey), reading.input.users, reading.sharedDns);
  return { group, members, version, keptUsers: { users: found, numbering: reading.input.users } };
}

/** The candidate is this group (and, when it was tried as a user, no user); `read.version` is its version, noted. */
export function recordGroup(reading: Reading, candidate: Candidate, read: ReadGroup): void {
  const changes = reading.result.changes;
  if (candidate.userKey !== undefined) changes.goneUsers.push(candidate.userKey);
  changes.groups.push(read);
  if (candidate.groupKey !== undefined && candidate.groupKey !== entryKey(read.group.ldapId, read.group.dn)) changes.goneGroups.push(candidate.groupKey);
}

/** The candidate is a group (and, when it was tried as a user, no user). */
async function takeGroup(reading: Reading, candidate: Candidate, entry: Entry): Promise<void> {
  const values = new EntryValues(entry);
  recordGroup(reading, candidate, await readGroupParts(reading, entry, values, candidate.groupKey, reading.watch.note(values)));
}

/** Neither user nor group now: deleted, renamed since the scan, out of the filters, or an entry of another kind. */
function takeNeither(reading: Reading, candidate: Candidate): void {
  const changes = reading.result.changes;
  // Deleted or renamed since the scan: the deletion scan or the next run's change scan sees what became of it.
  if (candidate.userKey !== undefined) changes.goneUsers.push(candidate.userKey);
  if (candidate.groupKey !== undefined) changes.goneGroups.push(candidate.groupKey);
  else if (candidate.userKey === undefined) changes.otherDns.push(candidate.dn);
}

/**
 * How readKind reads entries of one kind by DN: the filter parsed once and
 * the attributes listed once, for all of them (ldapts parses a text filter
 * again for every search: 13 ms of the 1 % run's 300 reads at L, a profile).
 */
interface ByDn {
  filter: Filter;
  attributes: string[];
  asBuffers?: string[];
}

function byDnOf(reading: Reading, users: boolean): ByDn {
  const { settings } = reading;
  const extra = markerAttributes(reading.input.state.marker);
  return users
    ? { filter: FilterParser.parseString(settings.userFilter), attributes: userAttributes(settings, extra) }
    : { filter: FilterParser.parseString(settings.groupFilter), attributes: groupAttributes(settings, extra), asBuffers: MANY_VALUES_PACKED };
}

/** One entry by DN (readByDn), counted as read when it is there. */
async function readOne(reading: Reading, dn: string, how: ByDn): Promise<Entry | undefined> {
  const entry = await readByDn(reading.client, dn, how.filter, how.attributes, 'changed entry', how.asBuffers);
  if (entry) reading.result.entriesRead += 1;
  return entry;
}

function parenthesized(filter: string): string {
  return filter.startsWith('(') ? filter : `(${filter})`;
}

/** The search for the changed entries of one kind: the filter AND the change scan's condition, with the same watermark. */
export function changedSearch(reading: Reading, users: boolean): { what: string; filter: string; attributes: string[]; asBuffers?: string[] } {
  const { settings, input } = reading;
  const extra = markerAttributes(input.state.marker);
  const filter = `(&${parenthesized(users ? settings.userFilter : settings.groupFilter)}${changedSince(input.state.marker, input.watermark)})`;
  return users
    ? { what: 'changed users', filter, attributes: userAttributes(settings, extra) }
    : { what: 'changed groups', filter, attributes: groupAttributes(settings, extra), asBuffers: MANY_VALUES_PACKED };
}

/**
 * The changed entries of one kind by one paged search: the filter AND the
 * change scan's condition, with the same watermark. Each entry returned at a
 * candidate's DN is taken; one returned elsewhere changed or moved after the
 * scan, and the next run's change scan reads it (as a base-object read would
 * not have either). Returns the candidates not returned, and those to read by DN.
 */
async function searchChanged(reading: Reading, wanted: Candidate[], users: boolean): Promise<{ missed: Candidate[]; unsure: Candidate[] }> {
  const { client, settings, log } = reading;
  const byDn = new Map<string, Candidate>();
  // Two candidates whose DNs differ only in case (a rename between the scans): which one a result is cannot be told.
  const unsure: Candidate[] = [];
  // DNs compare as Pocket ID normalises them: a rename that changes only the case still matches, as a read by DN would.
  for (const candidate of wanted) {
    const key = normalizeDN(candidate.dn);
    if (byDn.has(key)) unsure.push(candidate);
    else byDn.set(key, candidate);
  }
  const search = changedSearch(reading, users);
  let returned = 0;
  for await (const page of pagedSearchPages(client, settings, search, { pageSize: settings.pageSize }, reading.stats, log)) {
    reading.result.entriesRead += page.length;
    returned += page.length;
    for (const entry of page) {
      const key = normalizeDN(entry.dn);
      const candidate = byDn.get(key);
      if (candidate === undefined) continue;
      byDn.delete(key);
      await (users ? takeUser(reading, candidate, entry) : takeGroup(reading, candidate, entry));
    }
  }
  log.debug('Read changed entries by one search', { search: search.what, candidates: wanted.length, returned, missed: byDn.size });
  return { missed: [...byDn.values()], unsure };
}

/** Whether readKind reads the changed ones of these candidates of a kind by one paged search, the rest by DN. */
function searched(reading: Reading, candidates: Candidate[], users: boolean): boolean {
  const { kept } = reading.input;
  return searchPays(candidates.filter((c) => c.changed).length, users ? kept.users.size : kept.groups.size);
}

/**
 * Reads `candidates` as one kind: the changed ones by one search when that
 * pays, the rest by DN; `absent` gets each that is not of that kind now. A
 * changed candidate the search did not return is not (its marker still
 * matches, so only the filter or its DN can have kept it out): it is not read
 * again by DN. Any other is, as before the searches.
 */
async function readKind(reading: Reading, candidates: Candidate[], users: boolean, absent: (candidate: Candidate) => void): Promise<void> {
  let toRead = !users && reading.ahead ? await reading.ahead.takeFor(reading, candidates) : candidates;
  if (searched(reading, toRead, users)) {
    const { missed, unsure } = await searchChanged(reading, toRead.filter((c) => c.changed), users);
    missed.forEach(absent);
    toRead = [...toRead.filter((c) => !c.changed), ...unsure];
  }
  if (toRead.length === 0) return;
  const how = byDnOf(reading, users);
  await eachAtOnce(toRead, async (candidate) => {
    const entry = await readOne(reading, candidate.dn, how);
    if (!entry) absent(candidate);
    else await (users ? takeUser(reading, candidate, entry) : takeGroup(reading, candidate, entry));
  });
}

/**
 * Reads every candidate: those that may be users as users first, then the
 * rest as groups, then what is neither. The kept groups that are no user are
 * read meanwhile: a paged search and reads by DN share the connection, so the
 * reads wait on the server while this thread takes the search's entries. Not
 * when both kinds would be searched: slapd allows one paged search per
 * connection at a time.
 */
export async function readCandidates(reading: Reading, queue: Candidate[]): Promise<void> {
  const asUsers = queue.filter(triedAsUser);
  const groups = queue.filter((c) => !triedAsUser(c));
  const notUsers: Candidate[] = [];
  const neither = (candidate: Candidate) => takeNeither(reading, candidate);
  const users = () => readKind(reading, asUsers, true, (candidate) => notUsers.push(candidate));
  if (searched(reading, asUsers, true) && searched(reading, groups, false)) {
    await users();
    await readKind(reading, [...groups, ...notUsers], false, neither);
    return;
  }
  await Promise.all([users(), readKind(reading, groups, false, neither)]);
  await readKind(reading, notUsers, false, neither);
}
