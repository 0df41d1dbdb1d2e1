// Custom claims of LDAP users and groups: which rows of custom_claims a run
// creates, updates and deletes. Pure, like plan(), which calls it last.
//
// Ownership: on an LDAP user or group the sync owns exactly the configured
// keys. Every other key (an admin's claim on an LDAP user) is never read, and
// claims of local users and groups, though read with the rest, are never
// written: only owners that are LDAP rows can match an entry or lose a
// retired key. A user or group skipped by the plan keeps its claims as they
// are; so does a user who left the directory and is only disabled. A retired
// key (`claim=` with no attribute) is deleted from every LDAP user (or group)
// that has it.
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from './snapshot.js';
import { claimAt, slotEnd, slotStart } from './entry-claims.js';
import { OrderedIndex } from './ordered-index.js';
import { StoredClaims } from './stored-claims.js';
import type { ClaimChanges, ClaimMapping, ClaimMappings, ClaimPlan, ClaimRemoval, CurrentState, Skip, SyncPlan } from './types.js';

export function emptyClaimPlan(): ClaimPlan {
  return { users: { create: [], update: [], delete: [] }, groups: { create: [], update: [], delete: [] } };
}

/**
 * The rows after the run, by index: the current rows in the order the
 * database returned them, then the rows the run creates.
 */
interface Owners {
  ids: string[];
  /** The row of the entry at `index` of the snapshot, or -1. */
  rowOfEntry: (entry: DirectoryUser | DirectoryGroup, index: number) => number;
  isLdap: (row: number) => boolean;
  /** The row's name after the run, for reports. */
  label: (row: number) => string;
}

interface Side {
  entries: (DirectoryUser | DirectoryGroup)[];
  kind: 'user' | 'group';
  mappings: ClaimMapping[];
  owners: Owners;
  /** The stored rows of the configured keys, as the database returned them (stored-claims.ts). */
  stored: string;
  /** Rows the run deletes: their claims go with them (ON DELETE CASCADE). */
  deleted: Set<string>;
}

/** Each row's entry this run, or -1 (a local row, a skipped or departed entry's); and that entry's claims (entry-claims.ts). */
interface Synced {
  entryOf: Int32Array;
  claimsOf: (string | undefined)[];
}

/** What the stored rows say about one (row, configured key) slot; 0: no stored row. */
const SAME = 1;
const DIFFERENT = 2;

/**
 * The stored rows held against the entries' values, one slot per row and
 * key: most slots end up SAME without any string being built; only a
 * DIFFERENT slot keeps its stored value, for the update or delete and its report.
 */
interface Slots {
  state: Uint8Array;
  before: Map<number, string>;
  /** Rows of retired keys on LDAP owners the run keeps. */
  retired: ClaimRemoval[];
}

/** Index of the mapping whose key the cursor's record has; throws for a key that is not configured (the query asks only for those). */
function slotOf(stored: StoredClaims, mappings: ClaimMapping[]): number {
  for (let k = 0; k < mappings.length; k++) if (stored.keyIs((mappings[k] as ClaimMapping).key)) return k;
  throw new Error(`custom_claims: the database returned the key ${JSON.stringify(stored.key())}, which is not configured`);
}

/** True when the entry's claims hold, in slot k, a value that is the cursor's stored one (entry-claims.ts). */
function sameValue(stored: StoredClaims, claims: string, k: number): boolean {
  const start = slotStart(claims, k);
  if (start === -1) return false;
  const end = slotEnd(claims, start);
  // An empty slot is no value: a stored row there is to be deleted, even an empty one.
  return end > start && stored.valueIsSlot(claims, start, end);
}

function compareStored(side: Side, synced: Synced): Slots {
  const { ids, isLdap, label } = side.owners;
  const width = side.mappings.length;
  const slots: Slots = { state: new Uint8Array(ids.length * width), before: new Map(), retired: [] };
  const stored = new StoredClaims(side.stored);
  // New claims are written by owner in the order of their rows' ids, as the rows themselves
  // (src/db/apply.ts), and both tables are read in their own order: nearly every owner is one of
  // the next few rows, found by comparison without hashing its id.
  const owners = new OrderedIndex(ids);
  let row = -1;
  while (stored.next()) {
    const k = slotOf(stored, side.mappings);
    // Cut out once and compared with ===: measured at half the cost of startsWith at a position
    // (300,000 owners: 45 against 93 ms), which the lookahead also called once more per owner.
    const owner = stored.owner();
    // A row of the same owner as the last one (Pocket ID writes a user's claims together) needs no search.
    if (row === -1 || owner !== ids[row]) row = owners.find(owner) ?? -1;
    if (row === -1) continue;
    const { key, attribute } = side.mappings[k] as ClaimMapping;
    if (attribute === null) {
      const ownerId = ids[row] as string;
      if (isLdap(row) && !side.deleted.has(ownerId)) slots.retired.push({ ownerId, key, before: stored.value(), owner: label(row) });
      continue;
    }
    // Not an entry this run syncs (a local owner, a skipped or departed one): left as it is.
    if (synced.entryOf[row] === -1) continue;
    const slot = row * width + k;
    // A second row of one key and owner (the unique index lets NULL owners through, so PostgreSQL and
    // SQLite allow it): if either differs, both are written, since writes find rows by key and owner.
    if (slots.state[slot] === DIFFERENT) continue;
    if (sameValue(stored, synced.claimsOf[row] ?? '', k)) {
      slots.state[slot] = SAME;
    } else {
      slots.state[slot] = DIFFERENT;
      slots.before.set(slot, stored.value());
    }
  }
  return slots;
}

function diffEntry(side: Side, index: number, row: number, slots: Slots, out: ClaimChanges, skips: Skip[], newId: () => string): void {
  const entry = side.entries[index] as DirectoryUser | DirectoryGroup;
  const ownerId = side.owners.ids[row] as string;
  const width = side.mappings.length;
  for (let k = 0; k < width; k++) {
    const { key, attribute } = side.mappings[k] as ClaimMapping;
    const slot = row * width + k;
    const state = slots.state[slot];
    if (attribute === null || state === SAME) continue;
    const value = claimAt(entry.claims, k);
    const before = state === DIFFERENT ? slots.before.get(slot) : undefined;
    const owner = () => side.owners.label(row);
    if (value.kind === 'skip') {
      const kept = before !== undefined ? 'its current value is kept' : 'no claim is written';
      skips.push({ kind: 'claim', dn: entry.dn, reason: value.reason, message: `claim "${key}" of ${side.kind} ${owner()}: ${value.message}; ${kept}` });
    } else if (value.kind === 'absent') {
      if (before !== undefined) out.delete.push({ ownerId, key, before, owner: owner() });
    } else if (before === undefined) {
      out.create.push({ id: newId(), ownerId, key, before: null, after: value.stored, owner: owner() });
    } else {
      out.update.push({ ownerId, key, before, after: value.stored, owner: owner() });
    }
  }
}

function planSide(side: Side, skippedDns: Set<string>, skips: Skip[], newId: () => string): ClaimChanges {
  const out: ClaimChanges = { create: [], update: [], delete: [] };
  if (side.mappings.length === 0) return out;
  const synced: Synced = { entryOf: new Int32Array(side.owners.ids.length).fill(-1), claimsOf: new Array(side.owners.ids.length) };
  const rowOfEntry = new Int32Array(side.entries.length).fill(-1);
  side.entries.forEach((entry, index) => {
    const row = side.owners.rowOfEntry(entry, index);
    // Nearly no run skips an entry: 100,000 DNs are not each hashed for an empty set.
    if (row === -1 || (skippedDns.size > 0 && skippedDns.has(entry.dn))) return;
    synced.entryOf[row] = index;
    synced.claimsOf[row] = entry.claims;
    rowOfEntry[index] = row;
  });
  const slots = compareStored(side, synced);
  // In entry order, as reports list them; of two entries with one ldap_id, the row is the last one's.
  rowOfEntry.forEach((row, index) => {
    if (row !== -1 && synced.entryOf[row] === index) diffEntry(side, index, row, slots, out, skips, newId);
  });
  out.delete.push(...slots.retired);
  return out;
}

/**
 * The rows after the run. An entry's row is the one screen-entries.ts found
 * for it among the LDAP rows (`ldapRowOfEntry`, an index into `rows` without
 * the local ones, as plan() filters them), or the row the run creates for it:
 * no second map of 100,000 ldap_ids is built.
 */
function owners<R extends { id: string; ldapId: string | null }>(
  rows: R[],
  created: R[],
  ldapRowOfEntry: Int32Array,
  name: (row: R) => string,
  renamed: Map<string, string>,
): Owners {
  const all = created.length === 0 ? rows : [...rows, ...created];
  const ids = all.map((row) => row.id);
  const rowOfLdapRow = new Int32Array(rows.length);
  let ldapRows = 0;
  rows.forEach((row, index) => {
    if (row.ldapId !== null) rowOfLdapRow[ldapRows++] = index;
  });
  const createdRow = new Map(created.map((row, k) => [row.ldapId, rows.length + k]));
  return {
    ids,
    rowOfEntry: (entry, index) => {
      const ldapRow = ldapRowOfEntry[index] ?? -1;
      if (ldapRow !== -1) return rowOfLdapRow[ldapRow] as number;
      return entry.ldapId === '' ? -1 : (createdRow.get(entry.ldapId) ?? -1);
    },
    isLdap: (row) => (all[row] as R).ldapId !== null,
    // An initial sync renames nothing: its 300,000 claims at L do not each hash their owner's new id for an empty map.
    label: (row) => (renamed.size === 0 ? undefined : renamed.get(ids[row] as string)) ?? name(all[row] as R),
  };
}

/**
 * The claim changes of a run, given the rest of its plan (which rows exist
 * after it, which entries it skipped) and each entry's LDAP row as screening
 * found it (screen-entries.ts). Returns the changes and one skip per claim
 * left alone (value not UTF-8 text, NUL byte, over the size limit).
 */
export function planClaims(
  snapshot: DirectorySnapshot,
  current: CurrentState,
  planned: SyncPlan,
  mappings: ClaimMappings | undefined,
  newId: () => string,
  ldapRowOfEntry: { users: Int32Array; groups: Int32Array },
): { claims: ClaimPlan; skips: Skip[] } {
  const skips: Skip[] = [];
  if (!mappings || (mappings.user.length === 0 && mappings.group.length === 0)) return { claims: emptyClaimPlan(), skips };
  if (!current.claims) throw new Error('claims are configured but the database state was read without them');
  const skipped = (kind: Skip['kind']) => new Set(planned.skips.filter((s) => s.kind === kind).map((s) => s.dn));
  const userOwners = owners<{ id: string; ldapId: string | null; username: string }>(
    current.users, planned.users.create, ldapRowOfEntry.users, (u) => u.username, new Map(planned.users.update.map((u) => [u.id, u.after.username])),
  );
  const groupOwners = owners<{ id: string; ldapId: string | null; name: string }>(
    current.groups, planned.groups.create, ldapRowOfEntry.groups, (g) => g.name, new Map(planned.groups.update.map((g) => [g.id, g.after.name])),
  );
  const users = planSide(
    { entries: snapshot.users, kind: 'user', mappings: mappings.user, owners: userOwners, stored: current.claims.users, deleted: new Set(planned.users.delete.map((u) => u.id)) },
    skipped('user'),
    skips,
    newId,
  );
  const groups = planSide(
    { entries: snapshot.groups, kind: 'group', mappings: mappings.group, owners: groupOwners, stored: current.claims.groups, deleted: new Set(planned.groups.delete.map((g) => g.id)) },
    skipped('group'),
    skips,
    newId,
  );
  return { claims: { users, groups }, skips };
}
