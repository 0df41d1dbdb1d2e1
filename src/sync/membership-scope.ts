// The users whose memberships an incremental run must read (docs/incremental-history.md,
// "Earlier rounds"). After a committed run, Pocket ID holds for every group the
// plan kept exactly the members it wanted, so a user's memberships can differ
// from what this plan wants only if the user's row changes its username or
// leaves, or a group's wanted usernames changed around the user's, or the
// group is new to the plan. Only those users' memberships are read (by key)
// and compared; a membership changed by hand in Pocket ID otherwise waits for
// the next full run.
import type { StagedPlan } from './plan.js';

/** What to read: the memberships of these users, and those of every member of these groups. */
export interface MembershipNeeds {
  userIds: string[];
  groupIds: string[];
}

/**
 * The same usernames in the same order; most groups resolved again come out
 * so. The strings are shared, and Object.is answers for the same string
 * without reading it; === in optimised code first checks that both are
 * strings, a read of each (scattered) string: 11-14 against 4.5 ms over
 * 800,000 pairs (scratch process). Both agree on strings.
 */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

/** How far past `from` `name` stands in `list`, looking at most LOOKAHEAD places on; 0 when not there. */
function stepsTo(list: readonly string[], from: number, name: string): number {
  const end = Math.min(list.length, from + 1 + LOOKAHEAD);
  for (let k = from + 1; k < end; k++) if (list[k] === name) return k - from;
  return 0;
}

const LOOKAHEAD = 8;

/**
 * Usernames in one list and not in the other, and perhaps a few more: a group
 * read again mostly differs by a few members removed or added here and there,
 * in the same order otherwise. Both lists are walked together; where they
 * disagree, the names one of them has before it meets the other's again
 * (looking a few places ahead) are listed, and failing that both names. A name
 * in one list only is never matched, so it is always listed; a name in both
 * listed too costs its user's memberships being read for nothing.
 */
export function namesInEitherOnly(a: readonly string[], b: readonly string[]): string[] {
  const names: string[] = [];
  let i = 0;
  let j = 0;
  for (;;) {
    // Object.is: see sameNames.
    while (i < a.length && j < b.length && Object.is(a[i], b[j])) {
      i++;
      j++;
    }
    if (i === a.length || j === b.length) break;
    const added = stepsTo(b, j, a[i] as string);
    const removed = stepsTo(a, i, b[j] as string);
    // Whole runs pushed by the builtins: a loop of its own on a path seldom taken
    // was compiled without type feedback and left optimised code again and again (20-25 ms at L).
    if (added > 0 && (removed === 0 || added <= removed)) j = pushRun(names, b, j, added);
    else if (removed > 0) i = pushRun(names, a, i, removed);
    else names.push(a[i++] as string, b[j++] as string);
  }
  pushRun(names, a, i, a.length - i);
  pushRun(names, b, j, b.length - j);
  return names;
}

const CHUNK = 4096;

/** Pushes `count` names of `list` from `from` onto `names`, a bounded spread at a time; returns where the run ends. */
function pushRun(names: string[], list: readonly string[], from: number, count: number): number {
  const end = from + count;
  for (let at = from; at < end; at += CHUNK) names.push(...list.slice(at, Math.min(at + CHUNK, end)));
  return end;
}

/**
 * The memberships `staged.finish` must be given for its plan to be the one a
 * plan over every membership makes; `rows`: each user of `userIds` with its
 * final row (FinalUsers.ids) where found, else -1, for finish to place its
 * scope without a pass over every row (plan.ts scopedRows).
 */
export function membershipNeeds(staged: Pick<StagedPlan, 'result' | 'users' | 'groups'>, previous: ReadonlyMap<string, readonly string[]>): MembershipNeeds & { rows: ReadonlyMap<string, number> } {
  const { result, users, groups } = staged;
  const { ids, indexByUsername } = users.finalUsers;
  // Each user with its row when known (-1: not), in the order first named.
  const rows = new Map<string, number>();
  const add = (id: string, row = -1) => {
    if (row >= 0 || !rows.has(id)) rows.set(id, row);
  };
  for (const removed of result.users.delete) add(removed.id);
  for (const change of result.users.update) if (change.before.username !== change.after.username) add(change.id, indexByUsername.get(change.after.username));
  const groupIds = groups.gone.map((row) => row.id);
  groups.planned.forEach(({ candidate, groupId }, g) => {
    const before = candidate.existing ? previous.get(candidate.ldapId) : [];
    if (before === undefined) groupIds.push(groupId);
    if (before === undefined || !candidate.existing) {
      for (const row of groups.membersOf[g] as Int32Array) add(ids[row] as string, row);
      return;
    }
    if (sameNames(before, candidate.memberUsernames)) return;
    for (const username of namesInEitherOnly(before, candidate.memberUsernames)) {
      const row = indexByUsername.get(username);
      if (row !== undefined) add(ids[row] as string, row);
    }
  });
  return { userIds: [...rows.keys()], groupIds, rows };
}
