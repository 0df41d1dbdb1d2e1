import type { ClaimPlan } from '../sync/types.js';
import type { SyncWriter } from './database.js';

/**
 * The custom claim step of a run, after the users and groups it refers to
 * exist: removals first (they free (key, owner) pairs), then new values, then
 * new rows. Claims of rows the run deletes are not in the plan: ON DELETE
 * CASCADE takes them with their owner.
 */
export async function applyClaims(claims: ClaimPlan, writer: SyncWriter, now: Date): Promise<void> {
  const { users, groups } = claims;
  const removals = [...users.delete, ...groups.delete].map((c) => c.id);
  const updates = [...users.update, ...groups.update];
  if (removals.length > 0) await writer.deleteClaims(removals);
  if (updates.length > 0) await writer.updateClaims(updates);
  if (users.create.length > 0) await writer.insertClaims('user', users.create, now);
  if (groups.create.length > 0) await writer.insertClaims('group', groups.create, now);
}
