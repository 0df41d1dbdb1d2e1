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
 * Usernames in one list and not in the other, and perhaps a few more: a group
 * read again mostly differs by a member removed here and one added there, in
 * the same order otherwise. Both lists are walked together; a name skipped on
 * one side is listed, and where the two disagree beyond one step both names
 * are. A name in one list only is never matched, so it is always listed; a
 * name in both listed too costs its user's memberships being read for nothing.
 */
export function namesInEitherOnly(a: readonly string[], b: readonly string[]): string[] {
  const names: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (a[i + 1] === b[j]) {
      names.push(a[i++] as string);
    } else if (a[i] === b[j + 1]) {
      names.push(b[j++] as string);
    } else {
      names.push(a[i++] as string, b[j++] as string);
    }
  }
  while (i < a.length) names.push(a[i++] as string);
  while (j < b.length) names.push(b[j++] as string);
  return names;
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
