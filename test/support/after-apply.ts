import { joinedMemberships } from '../../src/sync/membership-diff.js';
import type { CurrentState, CurrentUser, SyncPlan } from '../../src/sync/types.js';

/** What the database would hold after apply(): lets tests check a second run plans nothing. */
export function afterApply(state: CurrentState, p: SyncPlan): CurrentState {
  const deletedUsers = new Set(p.users.delete.map((u) => u.id));
  const deletedGroups = new Set(p.groups.delete.map((g) => g.id));
  const updates = new Map(p.users.update.map((u) => [u.id, u.after]));
  const disabled = new Set(p.users.disable.map((u) => u.id));
  const users: CurrentUser[] = state.users
    .filter((u) => !deletedUsers.has(u.id))
    .map((u) => ({ ...u, ...(updates.get(u.id) ?? {}), disabled: disabled.has(u.id) ? true : (updates.get(u.id)?.disabled ?? u.disabled) }));
  for (const c of p.users.create) {
    const { dn: _dn, ...row } = c;
    users.push(row);
  }
  const groupUpdates = new Map(p.groups.update.map((g) => [g.id, g.after]));
  const groups = state.groups.filter((g) => !deletedGroups.has(g.id)).map((g) => ({ ...g, ...(groupUpdates.get(g.id) ?? {}) }));
  for (const g of p.groups.create) groups.push({ id: g.id, ldapId: g.ldapId, name: g.name, friendlyName: g.friendlyName });
  const pairs = new Map<string, { groupId: string; userId: string }>();
  for (const [userId, joined] of state.memberships) {
    for (const groupId of joined.split(',')) if (!deletedGroups.has(groupId) && !deletedUsers.has(userId)) pairs.set(`${groupId}/${userId}`, { groupId, userId });
  }
  for (const m of p.memberships.remove) pairs.delete(`${m.groupId}/${m.userId}`);
  for (const m of p.memberships.add) pairs.set(`${m.groupId}/${m.userId}`, m);
  return { users, groups, memberships: joinedMemberships(pairs.values()) };
}
