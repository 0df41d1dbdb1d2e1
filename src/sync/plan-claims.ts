// Custom claims of LDAP users and groups: which rows of custom_claims a run
// creates, updates and deletes. Pure, like plan(), which calls it last.
//
// Ownership: on an LDAP user or group the sync owns exactly the configured
// keys. Every other key (an admin's claim on an LDAP user) and every claim of
// a local user or group is never read for writing, so never touched. A user
// or group skipped by the plan keeps its claims as they are; so does a user
// who left the directory and is only disabled. A retired key (`claim=` with no
// attribute) is deleted from every LDAP user (or group) that has it.
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from './snapshot.js';
import type { ClaimValue } from './claim-values.js';
import type {
  ClaimChanges,
  ClaimMapping,
  ClaimMappings,
  ClaimPlan,
  ClaimsByOwner,
  CurrentState,
  Skip,
  StoredClaim,
  SyncPlan,
} from './types.js';

export function emptyClaimPlan(): ClaimPlan {
  return { users: { create: [], update: [], delete: [] }, groups: { create: [], update: [], delete: [] } };
}

/** The rows after the run: id by ldap_id, and (only for reports, so built on first use) a name by id. */
interface Owners {
  idOf: Map<string, string>;
  label: (id: string) => string;
}

interface Side {
  entries: (DirectoryUser | DirectoryGroup)[];
  kind: 'user' | 'group';
  mappings: ClaimMapping[];
  owners: Owners;
  current: ClaimsByOwner;
  /** Rows the run deletes: their claims go with them (ON DELETE CASCADE). */
  deleted: Set<string>;
}

const NO_CLAIMS: ReadonlyMap<string, StoredClaim> = new Map();
const ABSENT: ClaimValue = { kind: 'absent' };

function diffEntry(entry: DirectoryUser | DirectoryGroup, side: Side, ownerId: string, out: ClaimChanges, skips: Skip[], newId: () => string): void {
  const stored = side.current.get(ownerId) ?? NO_CLAIMS;
  for (const { key, attribute } of side.mappings) {
    if (attribute === null) continue;
    const value = entry.claims?.get(key) ?? ABSENT;
    const existing = stored.get(key);
    if (value.kind === 'skip') {
      const kept = existing ? 'its current value is kept' : 'no claim is written';
      skips.push({ kind: 'claim', dn: entry.dn, reason: value.reason, message: `claim "${key}" of ${side.kind} ${side.owners.label(ownerId)}: ${value.message}; ${kept}` });
    } else if (value.kind === 'absent') {
      if (existing) out.delete.push({ id: existing.id, ownerId, key, before: existing.value, owner: side.owners.label(ownerId) });
    } else if (!existing) {
      out.create.push({ id: newId(), ownerId, key, before: null, after: value.stored, owner: side.owners.label(ownerId) });
    } else if (existing.value !== value.stored) {
      out.update.push({ id: existing.id, ownerId, key, before: existing.value, after: value.stored, owner: side.owners.label(ownerId) });
    }
  }
}

function planSide(side: Side, skippedDns: Set<string>, skips: Skip[], newId: () => string): ClaimChanges {
  const out: ClaimChanges = { create: [], update: [], delete: [] };
  if (side.mappings.length === 0) return out;
  for (const entry of side.entries) {
    if (entry.ldapId === '' || skippedDns.has(entry.dn)) continue;
    const ownerId = side.owners.idOf.get(entry.ldapId);
    if (ownerId !== undefined) diffEntry(entry, side, ownerId, out, skips, newId);
  }
  const retired = side.mappings.filter((m) => m.attribute === null).map((m) => m.key);
  if (retired.length > 0) {
    for (const [ownerId, claims] of side.current) {
      if (side.deleted.has(ownerId)) continue;
      for (const key of retired) {
        const claim = claims.get(key);
        if (claim) out.delete.push({ id: claim.id, ownerId, key, before: claim.value, owner: side.owners.label(ownerId) });
      }
    }
  }
  return out;
}

function owners<R extends { id: string; ldapId: string | null }>(rows: R[], created: R[], name: (row: R) => string, renamed: Map<string, string>): Owners {
  const idOf = new Map<string, string>();
  for (const list of [rows, created]) for (const row of list) if (row.ldapId !== null) idOf.set(row.ldapId, row.id);
  let names: Map<string, string> | undefined;
  const label = (id: string) => {
    names ??= new Map([...rows, ...created].map((row) => [row.id, name(row)]));
    return renamed.get(id) ?? names.get(id) ?? id;
  };
  return { idOf, label };
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
    { entries: snapshot.users, kind: 'user', mappings: mappings.user, owners: userOwners, current: current.claims.users, deleted: new Set(planned.users.delete.map((u) => u.id)) },
    skipped('user'),
    skips,
    newId,
  );
  const groups = planSide(
    { entries: snapshot.groups, kind: 'group', mappings: mappings.group, owners: groupOwners, current: current.claims.groups, deleted: new Set(planned.groups.delete.map((g) => g.id)) },
    skipped('group'),
    skips,
    newId,
  );
  return { claims: { users, groups }, skips };
}
