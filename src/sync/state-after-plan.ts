// Pocket ID's state as a committed plan leaves it, without reading it again:
// what an incremental run plans from (docs/incremental.md). The rows are
// those src/db/set-writer.ts writes, and in the form src/db/state-reader.ts
// hands them over (memberships as one ascending, comma-joined string per
// user; claims in the text of stored-claims.ts), so sameState() holds between
// this and a fresh read (test/support/differential.ts checks it after every run).
import { escapeValue, FIELD_SEPARATOR, RECORD_SEPARATOR, StoredClaims } from './stored-claims.js';
import type { ClaimChanges, CurrentClaims, CurrentGroup, CurrentState, CurrentUser, SyncPlan } from './types.js';

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function usersAfter(users: CurrentUser[], plan: SyncPlan): CurrentUser[] {
  const deleted = new Set(plan.users.delete.map((u) => u.id));
  const disabled = new Set(plan.users.disable.map((u) => u.id));
  const updated = new Map(plan.users.update.map((c) => [c.id, c]));
  const out: CurrentUser[] = [];
  for (const user of users) {
    if (deleted.has(user.id)) continue;
    const change = updated.get(user.id);
    const row = change ? { ...user, ...change.after } : user;
    out.push(disabled.has(row.id) ? { ...row, disabled: true } : row);
  }
  // A new row's email_verified is true whatever the plan says (SetWriter.insertUsers).
  for (const { dn: _dn, ...created } of plan.users.create) out.push({ ...created, emailVerified: true });
  return out;
}

function groupsAfter(groups: CurrentGroup[], plan: SyncPlan): CurrentGroup[] {
  const deleted = new Set(plan.groups.delete.map((g) => g.id));
  const updated = new Map(plan.groups.update.map((c) => [c.id, c]));
  const out: CurrentGroup[] = [];
  for (const group of groups) {
    if (deleted.has(group.id)) continue;
    const change = updated.get(group.id);
    out.push(change ? { ...group, name: change.after.name, friendlyName: change.after.friendlyName } : group);
  }
  for (const { id, ldapId, name, friendlyName } of plan.groups.create) out.push({ id, ldapId, name, friendlyName });
  return out;
}

/** Each user's group ids after the plan: its own adds and removes, and the deleted groups gone (ON DELETE CASCADE). */
function membershipsAfter(memberships: Map<string, string>, plan: SyncPlan): Map<string, string> {
  const out = new Map(memberships);
  for (const user of plan.users.delete) out.delete(user.id);
  const edits = new Map<string, { add: string[]; remove: Set<string> }>();
  const editOf = (userId: string) => {
    let edit = edits.get(userId);
    if (!edit) edits.set(userId, (edit = { add: [], remove: new Set() }));
    return edit;
  };
  for (const m of plan.memberships.remove) editOf(m.userId).remove.add(m.groupId);
  for (const m of plan.memberships.add) editOf(m.userId).add.push(m.groupId);
  if (plan.groups.delete.length > 0) {
    const gone = plan.groups.delete.map((g) => g.id);
    for (const [userId, joined] of out) {
      for (const id of gone) if (joined.includes(id)) editOf(userId).remove.add(id);
    }
  }
  for (const [userId, { add, remove }] of edits) {
    const current = out.get(userId);
    const kept = current === undefined ? [] : current.split(',').filter((id) => !remove.has(id));
    const ids = [...new Set([...kept, ...add])].sort(compareStrings);
    if (ids.length === 0) out.delete(userId);
    else out.set(userId, ids.join(','));
  }
  return out;
}

/** One side's stored-claims text after the plan: deleted claims and claims of deleted owners gone, new values, new rows last. */
function claimsTextAfter(text: string, changes: ClaimChanges, deletedOwners: Set<string>): string {
  const deleted = new Set(changes.delete.map((c) => c.id));
  const updated = new Map(changes.update.map((c) => [c.id, c.after]));
  if (deleted.size === 0 && updated.size === 0 && deletedOwners.size === 0 && changes.create.length === 0) return text;
  const record = (id: string, owner: string, key: string, value: string) => [id, owner, key, escapeValue(value)].join(FIELD_SEPARATOR);
  const records: string[] = [];
  const stored = new StoredClaims(text);
  while (stored.next()) {
    const id = stored.id();
    const owner = stored.owner();
    if (deleted.has(id) || deletedOwners.has(owner)) continue;
    records.push(record(id, owner, stored.key(), updated.get(id) ?? stored.value()));
  }
  for (const c of changes.create) records.push(record(c.id, c.ownerId, c.key, c.after));
  return records.join(RECORD_SEPARATOR);
}

function claimsAfter(claims: CurrentClaims, plan: SyncPlan): CurrentClaims {
  return {
    users: claimsTextAfter(claims.users, plan.claims.users, new Set(plan.users.delete.map((u) => u.id))),
    groups: claimsTextAfter(claims.groups, plan.claims.groups, new Set(plan.groups.delete.map((g) => g.id))),
  };
}

/**
 * The state `plan` leaves once committed in full, made from the `state` it was
 * planned from. Vacated rows need nothing of their own: every one is updated
 * or deleted by the same plan (plan-vacate.ts). The inputs are not changed.
 */
export function stateAfterPlan(state: CurrentState, plan: SyncPlan): CurrentState {
  return {
    users: usersAfter(state.users, plan),
    groups: groupsAfter(state.groups, plan),
    memberships: membershipsAfter(state.memberships, plan),
    ...(state.claims ? { claims: claimsAfter(state.claims, plan) } : {}),
  };
}

/** Pocket ID's own rows (ldap_id null) as read just now: users, groups, and the memberships of those users. */
export type LocalRows = Omit<CurrentState, 'claims'>;

/**
 * The state an incremental run plans from: the rows the sync owns as its
 * last committed plan left them (`kept`), and every row of Pocket ID's own as
 * read now. A row whose ldap_id was cleared by hand comes as the local row it
 * now is; one given an ldap_id by hand is missing until a full run, and the
 * write's check of the values it frees catches a plan that collides with it
 * (src/db/expectation-check.ts).
 */
export function withLocalRows(kept: CurrentState, local: LocalRows): CurrentState {
  const localUsers = new Set(local.users.map((u) => u.id));
  const localGroups = new Set(local.groups.map((g) => g.id));
  const memberships = new Map(kept.memberships);
  for (const user of kept.users) if (user.ldapId === null || localUsers.has(user.id)) memberships.delete(user.id);
  for (const [userId, joined] of local.memberships) memberships.set(userId, joined);
  return {
    users: [...kept.users.filter((u) => u.ldapId !== null && !localUsers.has(u.id)), ...local.users],
    groups: [...kept.groups.filter((g) => g.ldapId !== null && !localGroups.has(g.id)), ...local.groups],
    memberships,
    ...(kept.claims ? { claims: kept.claims } : {}),
  };
}
