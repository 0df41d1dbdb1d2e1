import { usernameKey } from './plan-users.js';
import type { CurrentState, SyncPlan, UserFields } from './types.js';

/**
 * Rows whose current value of a unique column is another row's value after the
 * run: they must let go of it before the bulk update runs. A removed row whose
 * value another row takes is among them: removals are written last (on SQLite
 * possibly in a later transaction), so it gives the value up first.
 */
function rowsToVacate<T>(
  changes: { id: string; before: T; after: T }[],
  created: { id: string; value: T }[],
  removed: { id: string; value: T }[],
  keys: ((v: T) => string | null)[],
): string[] {
  // Only a row that had a value can hand it over: an initial sync builds no map of its 100,000 new usernames and emails.
  if (changes.length === 0 && removed.length === 0) return [];
  const vacate = new Set<string>();
  for (const key of keys) {
    const finalOwner = new Map<string, string>();
    for (const change of changes) {
      const value = key(change.after);
      if (value !== null) finalOwner.set(value, change.id);
    }
    for (const row of created) {
      const value = key(row.value);
      if (value !== null) finalOwner.set(value, row.id);
    }
    for (const { id, before } of [...changes, ...removed.map((row) => ({ id: row.id, before: row.value }))]) {
      const value = key(before);
      const owner = value === null ? undefined : finalOwner.get(value);
      if (owner !== undefined && owner !== id) vacate.add(id);
    }
  }
  return [...vacate];
}

/** Fills `result.vacate`: usernames and emails (users), names (groups) handed from one row to another. */
export function planVacate(result: SyncPlan, current: CurrentState): void {
  // Only deleted rows need their current values looked up: a no-change plan builds no map of 100,000 users.
  const deleted = new Set(result.users.delete.map((u) => u.id));
  const deletedRows = deleted.size === 0 ? [] : current.users.filter((u) => deleted.has(u.id));
  result.vacate.userIds = rowsToVacate(
    result.users.update,
    result.users.create.map((u) => ({ id: u.id, value: u as UserFields })),
    deletedRows.map((u) => ({ id: u.id, value: u as UserFields })),
    [(u) => usernameKey(u.username), (u) => u.email],
  );
  result.vacate.groupIds = rowsToVacate(
    result.groups.update.filter((g) => !g.membersOnly),
    result.groups.create.map((g) => ({ id: g.id, value: { name: g.name, friendlyName: g.friendlyName } })),
    result.groups.delete.map((g) => ({ id: g.id, value: { name: g.name, friendlyName: g.name } })),
    [(g) => g.name],
  );
}
