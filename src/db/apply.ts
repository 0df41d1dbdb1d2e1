import type { SyncWriter } from './database.js';
import type { SyncPlan } from '../sync/types.js';

/**
 * Executes a plan through a writer, inside the caller's transaction. The order
 * keeps every unique index and foreign key satisfied after each statement:
 * removals free values first, rows that hand a value to another row let go of
 * it, then updates and inserts, then memberships that reference them.
 */
export async function apply(plan: SyncPlan, writer: SyncWriter, now: Date): Promise<void> {
  const { users, groups, memberships, vacate } = plan;
  const steps: [number, () => Promise<void>][] = [
    [groups.delete.length, () => writer.deleteGroups(groups.delete.map((g) => g.id))],
    [users.delete.length, () => writer.deleteUsers(users.delete.map((u) => u.id))],
    [vacate.userIds.length, () => writer.vacateUsers(vacate.userIds)],
    [vacate.groupIds.length, () => writer.vacateGroups(vacate.groupIds)],
    [users.update.length, () => writer.updateUsers(users.update, now)],
    [users.create.length, () => writer.insertUsers(users.create, now)],
    [users.disable.length, () => writer.disableUsers(users.disable.map((u) => u.id), now)],
    [groups.update.length, () => writer.updateGroups(groups.update, now)],
    [groups.create.length, () => writer.insertGroups(groups.create, now)],
    [memberships.remove.length, () => writer.removeMemberships(memberships.remove)],
    [memberships.add.length, () => writer.addMemberships(memberships.add)],
  ];
  for (const [count, step] of steps) if (count > 0) await step();
}
