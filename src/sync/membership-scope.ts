// The users whose memberships an incremental run must read (docs/incremental.md,
// "What it costs"). After a committed run, Pocket ID holds for every group the
// plan kept exactly the members it wanted, so a user's memberships can differ
// from what this plan wants only if the user's row changes its username or
// leaves, or a group's wanted usernames changed around the user's, or the
// group is new to the plan. Only those users' memberships are read (by key)
// and compared; a membership changed by hand in Pocket ID otherwise waits for
// the next full run.
import type { StagedPlan } from './plan.js';

/** SyncPlan.groupMembers of the last committed plan. */
export type PlannedMembers = ReadonlyMap<string, readonly string[]>;

/** What to read: the memberships of these users, and those of every member of these groups. */
export interface MembershipNeeds {
  userIds: string[];
  groupIds: string[];
}

/** The same usernames in the same order; most groups resolved again come out so (the strings are shared, so === is cheap). */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Usernames in one list and not in the other, or a few more: a group read again
 * mostly differs by a member or two, so the common head and tail are left out
 * first and only the rest is compared as sets (a name in both ends up here at
 * worst, and its user's memberships are read for nothing).
 */
function namesInEitherOnly(a: readonly string[], b: readonly string[]): string[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const restA = a.slice(head, a.length - tail);
  const restB = b.slice(head, b.length - tail);
  const inA = new Set(restA);
  const inB = new Set(restB);
  return [...restA.filter((name) => !inB.has(name)), ...restB.filter((name) => !inA.has(name))];
}

/** The memberships `staged.finish` must be given for its plan to be the one a plan over every membership makes. */
export function membershipNeeds(staged: Pick<StagedPlan, 'result' | 'users' | 'groups'>, previous: PlannedMembers): MembershipNeeds {
  const { result, users, groups } = staged;
  const { ids, indexByUsername } = users.finalUsers;
  const userIds = new Set<string>();
  for (const removed of result.users.delete) userIds.add(removed.id);
  for (const change of result.users.update) if (change.before.username !== change.after.username) userIds.add(change.id);
  const groupIds = groups.gone.map((row) => row.id);
  groups.planned.forEach(({ candidate, groupId }, g) => {
    const before = candidate.existing ? previous.get(candidate.ldapId) : [];
    if (before === undefined) groupIds.push(groupId);
    if (before === undefined || !candidate.existing) {
      for (const row of groups.membersOf[g] as Int32Array) userIds.add(ids[row] as string);
      return;
    }
    if (sameNames(before, candidate.memberUsernames)) return;
    for (const username of namesInEitherOnly(before, candidate.memberUsernames)) {
      const row = indexByUsername.get(username);
      if (row !== undefined) userIds.add(ids[row] as string);
    }
  });
  return { userIds: [...userIds], groupIds };
}
