import type { Skip, SkipReason } from './types.js';

/** A unique column (users.username, users.email, user_groups.name) as the plan sees it. */
export interface UniqueKey<C, R> {
  /** "username", "email", "group name": used in skip messages. */
  label: string;
  reason: SkipReason;
  /** The comparable value (lower-cased where the index is case-insensitive); null never collides. */
  ofCandidate(candidate: C): string | null;
  ofRow(row: R): string | null;
  /** The value as the operator wrote it, for messages. */
  shown(candidate: C): string;
}

export interface Candidate<R> {
  dn: string;
  ldapId: string;
  existing?: R;
  /** The index of `existing` among the LDAP rows. */
  row?: number;
}

interface Holder {
  description: string;
  candidate?: unknown;
}

/**
 * Decides which LDAP entries may take their unique values, so that the final
 * state satisfies every unique index and no statement ever fails half-way.
 *
 * Values held by local rows, and by LDAP rows that keep their current values
 * (entries skipped for another reason, soft-deleted users), are off limits.
 * Among LDAP entries, the row that already holds a value keeps it; otherwise
 * the first entry in directory order wins, as in Pocket ID. Excluding an entry
 * freezes its row at its old values, which can block others, so this repeats
 * until nothing changes.
 */
export function resolveUniqueClaims<R extends { ldapId: string | null }, C extends Candidate<R>>(
  candidates: C[],
  localRows: R[],
  ldapRows: R[],
  /** By the row's index among `ldapRows`; active: an active entry has the row's ldap_id. */
  rowKeepsValues: (row: number, active: boolean) => boolean,
  keys: UniqueKey<C, R>[],
  kind: Skip['kind'],
): Map<C, Skip> {
  const excluded = new Map<C, Skip>();
  const exclude = (candidate: C, key: UniqueKey<C, R>, holder: string) => {
    excluded.set(candidate, {
      kind,
      dn: candidate.dn,
      reason: key.reason,
      message: `${key.label} "${key.shown(candidate)}" is already used by ${holder}`,
    });
  };
  for (let round = 0; round <= candidates.length; round++) {
    const active = candidates.filter((c) => !excluded.has(c));
    // A row is active when an active entry has its ldap_id, that is, when it is that entry's `existing`
    // (ldap_id is unique): marked by its index, not by a hundred thousand id strings.
    const activeRows = new Uint8Array(ldapRows.length);
    for (let k = 0; k < active.length; k++) {
      const row = (active[k] as C).row;
      if (row !== undefined) activeRows[row] = 1;
    }
    const keepsValues = (row: number) => rowKeepsValues(row, activeRows[row] === 1);
    const changed = keys.map((key) => excludeHeldValues(active, excluded, key, heldValues(key, localRows, ldapRows, keepsValues), exclude)).some(Boolean);
    if (changed) continue;
    if (!keys.map((key) => excludeLaterClaims(active, excluded, key, exclude)).some(Boolean)) break;
  }
  return excluded;
}

/** Values no entry may take: those of local rows and of LDAP rows that keep their current values. */
function heldValues<R, C>(key: UniqueKey<C, R>, localRows: R[], ldapRows: R[], keepsValues: (row: number) => boolean): Map<string, Holder> {
  const taken = new Map<string, Holder>();
  for (const row of localRows) {
    const value = key.ofRow(row);
    if (value !== null) taken.set(value, { description: `a local (non-LDAP) row` });
  }
  for (let index = 0; index < ldapRows.length; index++) {
    if (!keepsValues(index)) continue;
    const value = key.ofRow(ldapRows[index] as R);
    if (value !== null) taken.set(value, { description: `an LDAP-managed row that keeps its current values` });
  }
  return taken;
}

/** Excludes the entries that want a held value; true when any was excluded. */
function excludeHeldValues<R, C>(
  active: C[],
  excluded: Map<C, Skip>,
  key: UniqueKey<C, R>,
  taken: Map<string, Holder>,
  exclude: (candidate: C, key: UniqueKey<C, R>, holder: string) => void,
): boolean {
  if (taken.size === 0) return false;
  let changed = false;
  for (let k = 0; k < active.length; k++) {
    const candidate = active[k] as C;
    if (excluded.has(candidate)) continue;
    const value = key.ofCandidate(candidate);
    const holder = value === null ? undefined : taken.get(value);
    if (holder) {
      exclude(candidate, key, holder.description);
      changed = true;
    }
  }
  return changed;
}

/**
 * Among entries wanting the same value, the row that already holds it keeps
 * it, else the first in directory order; the others are excluded. True when
 * any was excluded.
 */
function excludeLaterClaims<R, C extends Candidate<R>>(
  active: C[],
  excluded: Map<C, Skip>,
  key: UniqueKey<C, R>,
  exclude: (candidate: C, key: UniqueKey<C, R>, holder: string) => void,
): boolean {
  if (valuesDistinct(active, excluded, key)) return false;
  let changed = false;
  const owners = new Map<string, C>();
  const incumbents: C[] = [];
  const others: C[] = [];
  for (const c of active) (c.existing && key.ofRow(c.existing) === key.ofCandidate(c) ? incumbents : others).push(c);
  for (const candidate of [...incumbents, ...others]) {
    if (excluded.has(candidate)) continue;
    const value = key.ofCandidate(candidate);
    if (value === null) continue;
    const owner = owners.get(value);
    if (owner) {
      exclude(candidate, key, `the LDAP entry ${owner.dn}`);
      changed = true;
    } else {
      owners.set(value, candidate);
    }
  }
  return changed;
}

/** Whether no two of the entries still in the running want the same value: the usual case, told by one pass over a set. */
function valuesDistinct<R, C>(active: C[], excluded: Map<C, Skip>, key: UniqueKey<C, R>): boolean {
  const values = new Set<string>();
  for (let k = 0; k < active.length; k++) {
    const candidate = active[k] as C;
    if (excluded.has(candidate)) continue;
    const value = key.ofCandidate(candidate);
    if (value === null) continue;
    const before = values.size;
    if (values.add(value).size === before) return false;
  }
  return true;
}
