import { skippedUsersByName } from './member-skips.js';
import { expandNestedGroups } from './nested-groups.js';
import { emptyClaimPlan, planClaims } from './plan-claims.js';
import { planGroupsAndMemberships, screenGroups } from './plan-groups.js';
import { planUsers, screenUsers } from './plan-users.js';
import { planVacate } from './plan-vacate.js';
import type { DirectorySnapshot } from './snapshot.js';
import type { CurrentState, PlanOptions, SyncPlan } from './types.js';

/** A plan that changes nothing, for `managed` LDAP rows: what plan() starts from (and tests build on). */
export function emptyPlan(managed: SyncPlan['managed'] = { users: 0, groups: 0 }): SyncPlan {
  return {
    users: { create: [], update: [], disable: [], delete: [], unchanged: 0 },
    groups: { create: [], update: [], delete: [], unchanged: 0 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    skips: [],
    claims: emptyClaimPlan(),
    managed,
  };
}

/**
 * Compares the directory with the database and returns every change a run
 * would make. Pure: no I/O; ids for new rows come from `newId` (the run passes
 * randomUUID, tests a counter).
 */
export function plan(snapshot: DirectorySnapshot, current: CurrentState, options: PlanOptions, newId: () => string): SyncPlan {
  const ldapUsers = current.users.filter((u) => u.ldapId !== null);
  const ldapGroups = current.groups.filter((g) => g.ldapId !== null);
  const result = emptyPlan({ users: ldapUsers.length, groups: ldapGroups.length });

  // Groups are screened first: the admin flag of users comes from them.
  // Nested groups (only recorded with LDAP_SYNC_NESTED_GROUPS=true) are flattened first.
  const groups = screenGroups(expandNestedGroups(snapshot.groups), ldapGroups, options, result.skips);
  const users = screenUsers(snapshot.users, ldapUsers, groups.adminUsernames, options, result.skips);

  const localUsers = current.users.filter((u) => u.ldapId === null);
  const finalUsers = planUsers(users, { ldapUsers, localUsers, allUsers: current.users }, options, newId, result);

  for (const unresolved of snapshot.unresolvedMembers) {
    result.skips.push({ kind: 'member', dn: unresolved.groupDn, reason: unresolved.reason, message: `${unresolved.message}: ${unresolved.member}` });
  }
  const localGroups = current.groups.filter((g) => g.ldapId === null);
  const skippedUsers = skippedUsersByName(snapshot.users, result.skips);
  planGroupsAndMemberships(groups, { ldapGroups, localGroups, memberships: current.memberships }, { ...finalUsers, skippedUsers, entries: snapshot.users }, newId, result);
  planVacate(result, current);
  // Last: claims follow the rows the plan keeps, creates and skips.
  const claimed = planClaims(snapshot, current, result, options.claims, newId, { users: users.rowOfEntry, groups: groups.rowOfEntry });
  result.claims = claimed.claims;
  result.skips.push(...claimed.skips);
  return result;
}
