import { usernameKey } from './plan-users.js';
import type { SyncPlan, UserFields } from './types.js';

/**
 * Rows whose current value of a unique column is another row's value after the
 * run: they must let go of it before the bulk update runs.
 */
function rowsToVacate<T>(changes: { id: string; before: T; after: T }[], created: { id: string; value: T }[], keys: ((v: T) => string | null)[]): string[] {
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
    for (const change of changes) {
      const value = key(change.before);
      const owner = value === null ? undefined : finalOwner.get(value);
      if (owner !== undefined && owner !== change.id) vacate.add(change.id);
    }
  }
  return [...vacate];
}

/** Fills `result.vacate`: usernames and emails (users), names (groups) handed from one row to another. */
export function planVacate(result: SyncPlan): void {
  result.vacate.userIds = rowsToVacate(
    result.users.update,
    result.users.create.map((u) => ({ id: u.id, value: u as UserFields })),
    [(u) => usernameKey(u.username), (u) => u.email],
  );
  result.vacate.groupIds = rowsToVacate(
    result.groups.update.filter((g) => !g.membersOnly),
    result.groups.create.map((g) => ({ id: g.id, value: { name: g.name, friendlyName: g.friendlyName } })),
    [(g) => g.name],
  );
}
