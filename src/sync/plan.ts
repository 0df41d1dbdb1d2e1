import { skippedUsersByName } from './member-skips.js';
import { PlannedMembers } from './planned-members.js';
import { expandNestedGroups } from './nested-groups.js';
import { emptyClaimPlan, planClaims } from './plan-claims.js';
import { finishGroups, screenGroups, stageGroups, type ScopedRows, type StagedGroups } from './plan-groups.js';
import { planUsers, screenUsers, type UserOutcome } from './plan-users.js';
import { planVacate } from './plan-vacate.js';
import type { DirectorySnapshot } from './snapshot.js';
import { touchedFinalUsers, untouchedClaimSkips, type TouchedUsers } from './plan-touched.js';
import { skippedUserKeys } from './user-book.js';
import { UserBook, type CurrentState, type FinalUsers, type PlanOptions, type SyncPlan } from './types.js';

export type { TouchedUsers };

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

/** A plan made up to the membership diff, which needs only the memberships of the users it names (membership-scope.ts). */
export interface StagedPlan {
  result: SyncPlan;
  users: UserOutcome;
  groups: StagedGroups;
  /**
   * The rest of the plan, once: the membership diff against `memberships`
   * (CurrentState.memberships; with `scope`, of those users only, each with
   * every group it is in; `rows`: where membershipNeeds found them), the
   * group rows, what gives up its unique values, and custom claims.
   */
  finish(memberships: Map<string, string>, scope?: ReadonlySet<string>, rows?: ReadonlyMap<string, number>): SyncPlan;
}

/**
 * Every step of plan() that does not read the memberships the database holds.
 * With `touched`, the user half covers only those entries and the rows read
 * for them (CurrentState.userScope; plan-touched.ts), the groups all.
 */
export function stagePlan(snapshot: DirectorySnapshot, current: CurrentState, options: PlanOptions, newId: () => string, touched?: TouchedUsers): StagedPlan {
  const ldapUsers = current.users.filter((u) => u.ldapId !== null);
  const ldapGroups = current.groups.filter((g) => g.ldapId !== null);
  const result = emptyPlan({ users: current.userScope?.ldapUsers ?? ldapUsers.length, groups: ldapGroups.length });

  // Groups are screened first: the admin flag of users comes from them.
  // Nested groups (only recorded with LDAP_SYNC_NESTED_GROUPS=true) are flattened first.
  const screenedGroups = screenGroups(expandNestedGroups(snapshot.groups), ldapGroups, options, result.skips);
  const userEntries = touched?.entries ?? snapshot.users;
  const screenedUsers = screenUsers(userEntries, ldapUsers, screenedGroups.adminUsernames, options, result.skips);

  const localUsers = current.users.filter((u) => u.ldapId === null);
  const planned = planUsers(screenedUsers, { ldapUsers, localUsers, allUsers: current.users }, options, newId, result);
  const finalUsers = touched ? touchedFinalUsers(touched, { rows: current.users, ldapUsers, planned, result, untouched: snapshot.users.length - userEntries.length }) : planned;

  for (const unresolved of snapshot.unresolvedMembers) {
    result.skips.push({ kind: 'member', dn: unresolved.groupDn, reason: unresolved.reason, message: `${unresolved.message}: ${unresolved.member}` });
  }
  const localGroups = current.groups.filter((g) => g.ldapId === null);
  const users: UserOutcome = { ...finalUsers, skippedUsers: skippedUsersByName(userEntries, result.skips) };
  const lastRows = touched?.book.entryRows;
  const last = lastRows && touched ? { last: { rows: lastRows, planned: touched.entries } } : {};
  const groups = stageGroups(screenedGroups, { ldapGroups, localGroups }, { ...users, entries: snapshot.users, ...last }, newId, result);
  const finish = (memberships: Map<string, string>, scope?: ReadonlySet<string>, rows?: ReadonlyMap<string, number>) => {
    const inScope = scope ? ((rows && rowsOfScope(users.finalUsers, scope, result, rows)) ?? scopedRows(users.finalUsers.ids, scope, result)) : undefined;
    finishGroups(groups, users, memberships, result, inScope);
    result.groupMembers = new PlannedMembers(groups.planned.map(({ candidate }) => [candidate.ldapId, candidate.memberUsernames]));
    planVacate(result, current);
    // Last: claims follow the rows the plan keeps, creates and skips.
    const claimed = planClaims({ ...snapshot, users: userEntries }, current, result, options.claims, newId, { users: screenedUsers.rowOfEntry, groups: screenedGroups.rowOfEntry });
    result.claims = claimed.claims;
    const claimSkips = touched ? [...claimed.skips, ...untouchedClaimSkips(touched, snapshot.groups)] : claimed.skips;
    result.skips.push(...claimSkips);
    const skippedKeys = skippedUserKeys(userEntries, result.skips);
    result.userBook = new UserBook(users.finalUsers, screenedGroups.adminUsernames, skippedKeys, claimSkips, groups.byEntry);
    return result;
  };
  return { result, users, groups, finish };
}

/** The final user rows whose memberships were read, and those this plan creates (they hold none yet). */
function scopedRows(ids: string[], scope: ReadonlySet<string>, result: SyncPlan): ScopedRows {
  const created = new Set(result.users.create.map((u) => u.id));
  const rows: ScopedRows = { inScope: new Uint8Array(ids.length), byId: new Map() };
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row] as string;
    if (!scope.has(id) && !created.has(id)) continue;
    rows.inScope[row] = 1;
    rows.byId.set(id, row);
  }
  return rows;
}

/**
 * scopedRows from the rows membershipNeeds found its users at (`known`, -1:
 * not found) and the created rows by their usernames, each checked against
 * `final.ids`: at L a pass over 100,000 ids hashing each took 13-17 ms of the
 * 1 % run. The final rows' ids are distinct (database keys; user-book.ts adds
 * a row only for an id it does not hold), so a row whose id checks is that
 * id's only one. Undefined, for the pass, when a user has no such row (a
 * deleted one, a member of a group read by the group).
 */
function rowsOfScope(final: FinalUsers, scope: ReadonlySet<string>, result: SyncPlan, known: ReadonlyMap<string, number>): ScopedRows | undefined {
  const rows: ScopedRows = { inScope: new Uint8Array(final.ids.length), byId: new Map() };
  const place = (id: string, row: number | undefined) => {
    if (row === undefined || row < 0 || final.ids[row] !== id) return false;
    rows.inScope[row] = 1;
    rows.byId.set(id, row);
    return true;
  };
  for (const id of scope) if (!place(id, known.get(id))) return undefined;
  for (const user of result.users.create) if (!scope.has(user.id) && !place(user.id, final.indexByUsername.get(user.username))) return undefined;
  return rows;
}

/**
 * Compares the directory with the database and returns every change a run
 * would make. Pure: no I/O; ids for new rows come from `newId` (the run passes
 * randomUUID, tests a counter). With `current.membershipScope` only those
 * users' memberships are compared (membership-scope.ts).
 */
export function plan(snapshot: DirectorySnapshot, current: CurrentState, options: PlanOptions, newId: () => string): SyncPlan {
  return stagePlan(snapshot, current, options, newId).finish(current.memberships, current.membershipScope);
}
