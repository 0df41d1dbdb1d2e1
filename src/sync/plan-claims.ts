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
import { StoredClaims } from './stored-claims.js';
import type { ClaimChanges, ClaimMapping, ClaimMappings, ClaimPlan, ClaimRemoval, CurrentState, Skip, SyncPlan } from './types.js';

export function emptyClaimPlan(): ClaimPlan {
  return { users: { create: [], update: [], delete: [] }, groups: { create: [], update: [], delete: [] } };
}

/** The rows after the run: id by ldap_id, and (only for reports and retired keys, so built on first use) a name by id and the LDAP row ids. */
interface Owners {
  idOf: Map<string, string>;
  label: (id: string) => string;
  isLdap: (id: string) => boolean;
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

/** What the stored rows say about one (entry, configured key) slot; 0: no stored row. */
const SAME = 1;
const DIFFERENT = 2;

/**
 * The stored rows held against the entries' values, one slot per entry and
 * key: most slots end up SAME without any object being built; only a
 * DIFFERENT slot keeps its row (id and old value) for the update or delete.
 */
interface Slots {
  state: Uint8Array;
  rows: Map<number, { id: string; value: string }>;
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

function compareStored(side: Side, entryAt: Map<string, number>): Slots {
  const width = side.mappings.length;
  const slots: Slots = { state: new Uint8Array(side.entries.length * width), rows: new Map(), retired: [] };
  const stored = new StoredClaims(side.stored);
  let ownerId = '';
  let index: number | undefined;
  let claims = '';
  while (stored.next()) {
    const k = slotOf(stored, side.mappings);
    const { key, attribute } = side.mappings[k] as ClaimMapping;
    if (attribute === null) {
      const holder = stored.owner();
      if (side.owners.isLdap(holder) && !side.deleted.has(holder)) {
        slots.retired.push({ id: stored.id(), ownerId: holder, key, before: stored.value(), owner: side.owners.label(holder) });
      }
      continue;
    }
    // A row of the same owner as the last one (Pocket ID writes a user's claims together) needs no lookup.
    if (!stored.ownerIs(ownerId)) {
      ownerId = stored.owner();
      index = entryAt.get(ownerId);
      claims = index === undefined ? '' : (side.entries[index]?.claims ?? '');
    }
    // Not an entry this run syncs (a local owner, a skipped or departed one): left as it is.
    if (index === undefined) continue;
    const slot = index * width + k;
    if (sameValue(stored, claims, k)) {
      slots.state[slot] = SAME;
    } else {
      slots.state[slot] = DIFFERENT;
      slots.rows.set(slot, { id: stored.id(), value: stored.value() });
    }
  }
  return slots;
}

function diffEntry(side: Side, index: number, ownerId: string, slots: Slots, out: ClaimChanges, skips: Skip[], newId: () => string): void {
  const entry = side.entries[index] as DirectoryUser | DirectoryGroup;
  const width = side.mappings.length;
  for (let k = 0; k < width; k++) {
    const { key, attribute } = side.mappings[k] as ClaimMapping;
    const slot = index * width + k;
    const state = slots.state[slot];
    if (attribute === null || state === SAME) continue;
    const value = claimAt(entry.claims, k);
    const existing = state === DIFFERENT ? slots.rows.get(slot) : undefined;
    if (value.kind === 'skip') {
      const kept = existing ? 'its current value is kept' : 'no claim is written';
      skips.push({ kind: 'claim', dn: entry.dn, reason: value.reason, message: `claim "${key}" of ${side.kind} ${side.owners.label(ownerId)}: ${value.message}; ${kept}` });
    } else if (value.kind === 'absent') {
      if (existing) out.delete.push({ id: existing.id, ownerId, key, before: existing.value, owner: side.owners.label(ownerId) });
    } else if (!existing) {
      out.create.push({ id: newId(), ownerId, key, before: null, after: value.stored, owner: side.owners.label(ownerId) });
    } else {
      out.update.push({ id: existing.id, ownerId, key, before: existing.value, after: value.stored, owner: side.owners.label(ownerId) });
    }
  }
}

function planSide(side: Side, skippedDns: Set<string>, skips: Skip[], newId: () => string): ClaimChanges {
  const out: ClaimChanges = { create: [], update: [], delete: [] };
  if (side.mappings.length === 0) return out;
  // Owner row id → index of the entry that syncs it, in entry order.
  const entryAt = new Map<string, number>();
  side.entries.forEach((entry, index) => {
    if (entry.ldapId === '' || skippedDns.has(entry.dn)) return;
    const ownerId = side.owners.idOf.get(entry.ldapId);
    if (ownerId !== undefined) entryAt.set(ownerId, index);
  });
  const slots = compareStored(side, entryAt);
  for (const [ownerId, index] of entryAt) diffEntry(side, index, ownerId, slots, out, skips, newId);
  out.delete.push(...slots.retired);
  return out;
}

function owners<R extends { id: string; ldapId: string | null }>(rows: R[], created: R[], name: (row: R) => string, renamed: Map<string, string>): Owners {
  const idOf = new Map<string, string>();
  for (const list of [rows, created]) for (const row of list) if (row.ldapId !== null) idOf.set(row.ldapId, row.id);
  let names: Map<string, string> | undefined;
  let ldapRows: Set<string> | undefined;
  const label = (id: string) => {
    names ??= new Map([...rows, ...created].map((row) => [row.id, name(row)]));
    return renamed.get(id) ?? names.get(id) ?? id;
  };
  const isLdap = (id: string) => (ldapRows ??= new Set(idOf.values())).has(id);
  return { idOf, label, isLdap };
}

/**
 * The claim changes of a run, given the rest of its plan (which rows exist
 * after it, which entries it skipped). Returns the changes and one skip per
 * claim left alone (value not UTF-8 text, NUL byte, over the size limit).
 */
export function planClaims(
  snapshot: DirectorySnapshot,
  current: CurrentState,
  planned: SyncPlan,
  mappings: ClaimMappings | undefined,
  newId: () => string,
): { claims: ClaimPlan; skips: Skip[] } {
  const skips: Skip[] = [];
  if (!mappings || (mappings.user.length === 0 && mappings.group.length === 0)) return { claims: emptyClaimPlan(), skips };
  if (!current.claims) throw new Error('claims are configured but the database state was read without them');
  const skipped = (kind: Skip['kind']) => new Set(planned.skips.filter((s) => s.kind === kind).map((s) => s.dn));
  const userOwners = owners<{ id: string; ldapId: string | null; username: string }>(
    current.users, planned.users.create, (u) => u.username, new Map(planned.users.update.map((u) => [u.id, u.after.username])),
  );
  const groupOwners = owners<{ id: string; ldapId: string | null; name: string }>(
    current.groups, planned.groups.create, (g) => g.name, new Map(planned.groups.update.map((g) => [g.id, g.after.name])),
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
