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
import { claimValue } from './claim-values.js';
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

/** A row after the run, by ldap_id: its id and the name reports show. */
type Owners = Map<string, { id: string; label: string }>;

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

function diffEntry(entry: DirectoryUser | DirectoryGroup, side: Side, owner: { id: string; label: string }, out: ClaimChanges, skips: Skip[], newId: () => string): void {
  const stored = side.current.get(owner.id) ?? NO_CLAIMS;
  for (const { key, attribute, multi } of side.mappings) {
    if (attribute === null) continue;
    const value = claimValue(attribute, entry.claimValues?.get(key) ?? [], multi);
    const existing = stored.get(key);
    if (value.kind === 'skip') {
      const kept = existing ? 'its current value is kept' : 'no claim is written';
      skips.push({ kind: 'claim', dn: entry.dn, reason: value.reason, message: `claim "${key}" of ${side.kind} ${owner.label}: ${value.message}; ${kept}` });
    } else if (value.kind === 'absent') {
      if (existing) out.delete.push({ id: existing.id, ownerId: owner.id, key, before: existing.value, owner: owner.label });
    } else if (!existing) {
      out.create.push({ id: newId(), ownerId: owner.id, key, before: null, after: value.stored, owner: owner.label });
    } else if (existing.value !== value.stored) {
      out.update.push({ id: existing.id, ownerId: owner.id, key, before: existing.value, after: value.stored, owner: owner.label });
    }
  }
}

function planSide(side: Side, skippedDns: Set<string>, skips: Skip[], newId: () => string): ClaimChanges {
  const out: ClaimChanges = { create: [], update: [], delete: [] };
  if (side.mappings.length === 0) return out;
  for (const entry of side.entries) {
    if (entry.ldapId === '' || skippedDns.has(entry.dn)) continue;
    const owner = side.owners.get(entry.ldapId);
    if (owner) diffEntry(entry, side, owner, out, skips, newId);
  }
  const retired = side.mappings.filter((m) => m.attribute === null).map((m) => m.key);
  if (retired.length > 0) {
    const labels = new Map([...side.owners.values()].map((o) => [o.id, o.label]));
    for (const [ownerId, claims] of side.current) {
      if (side.deleted.has(ownerId)) continue;
      for (const key of retired) {
        const claim = claims.get(key);
        if (claim) out.delete.push({ id: claim.id, ownerId, key, before: claim.value, owner: labels.get(ownerId) ?? ownerId });
      }
    }
  }
  return out;
}

function owners(rows: { id: string; ldapId: string | null; label: string }[], renamed: Map<string, string>): Owners {
  const map: Owners = new Map();
  for (const row of rows) if (row.ldapId !== null) map.set(row.ldapId, { id: row.id, label: renamed.get(row.id) ?? row.label });
  return map;
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
  const userOwners = owners(
    [...current.users.map((u) => ({ id: u.id, ldapId: u.ldapId, label: u.username })), ...planned.users.create.map((u) => ({ id: u.id, ldapId: u.ldapId, label: u.username }))],
    new Map(planned.users.update.map((u) => [u.id, u.after.username])),
  );
  const groupOwners = owners(
    [...current.groups.map((g) => ({ id: g.id, ldapId: g.ldapId, label: g.name })), ...planned.groups.create.map((g) => ({ id: g.id, ldapId: g.ldapId, label: g.name }))],
    new Map(planned.groups.update.map((g) => [g.id, g.after.name])),
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
