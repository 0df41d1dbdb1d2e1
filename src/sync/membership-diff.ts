// The membership half of the plan with integer keys: a million memberships
// compared as Sets of id strings cost about a second and most of the run's
// garbage; as small integers in flat arrays they cost a few tens of
// milliseconds. The database hands memberships over as one string per user
// (its group ids joined in ascending order, CurrentState.memberships), so an
// unchanged user is recognised by comparing that string in place with the
// groups the directory wants, without splitting it.
import { OrderedIndex } from './ordered-index.js';
import { byCodeUnits } from '../text/code-unit-order.js';

/**
 * Per group (the index of its id in `groupIds`): the users to add, as their
 * indexes into `users.ids` (a user added is always one of them, and an initial
 * sync adds a million: the caller finds their usernames by index, not by a
 * set of their ids), and the user ids to remove.
 */
export interface MembershipDiff {
  added: number[][];
  removed: string[][];
}

const COMMA = 44;

/**
 * Each user's wanted groups, in ascending group id order, without duplicates:
 * `groups[start[u] .. end[u])` (compressed rows: one Int32Array for everyone).
 */
interface WantedGroups {
  groups: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

function wantedGroupsByUser(groupIds: string[], membersOf: Int32Array[], userCount: number): WantedGroups {
  const start = new Int32Array(userCount + 1);
  for (const members of membersOf) for (let k = 0; k < members.length; k++) start[(members[k] as number) + 1] += 1;
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  const end = start.slice(0, userCount);
  const groups = new Int32Array(start[userCount]);
  // Groups taken in ascending id order leave every user's list sorted; a
  // member listed twice in one group is written once (its previous entry is that group).
  const inIdOrder = Array.from(groupIds.keys()).sort((a, b) => byCodeUnits(groupIds[a], groupIds[b]));
  for (const g of inIdOrder) {
    const members = membersOf[g] as Int32Array;
    for (let k = 0; k < members.length; k++) {
      const u = members[k] as number;
      if (end[u] > start[u] && groups[end[u] - 1] === g) continue;
      groups[end[u]++] = g;
    }
  }
  return { groups, start, end };
}

/**
 * Whether `joined` is exactly the ids of `wanted.groups[from .. to)`,
 * comma-joined in that order. indexOf answers at once when the id is where
 * it should be and allocates nothing: over a million memberships half the
 * time of startsWith, and none of the garbage of joining the ids to compare.
 */
function holdsExactly(joined: string, wanted: WantedGroups, from: number, to: number, groupIds: string[]): boolean {
  let pos = 0;
  for (let k = from; k < to; k++) {
    if (k > from && joined.charCodeAt(pos++) !== COMMA) return false;
    const id = groupIds[wanted.groups[k] as number] as string;
    if (joined.indexOf(id, pos) !== pos) return false;
    pos += id.length;
  }
  return pos === joined.length;
}

/**
 * Memberships to add and remove, per group. `membersOf[g]` are the wanted
 * members of group `groupIds[g]` as indexes into `users.ids` (the LDAP user
 * rows after the run; `users.others`: users known to be none of them);
 * `current` is user id → that user's group ids, comma-joined. Groups not in
 * `groupIds` (local groups, skipped LDAP groups) are left alone; a user not in
 * `users.ids` (a local user, a deleted row) keeps none of its memberships in
 * the listed groups.
 */
export function diffMemberships(
  groupIds: string[],
  membersOf: Int32Array[],
  users: { ids: string[]; others: ReadonlySet<string> },
  current: Map<string, string>,
  /** Where each user of `current` stands in `users.ids`, when the caller knows (a few users: no index of them all). */
  indexOf?: (userId: string) => number | undefined,
): MembershipDiff {
  const diff: MembershipDiff = { added: groupIds.map(() => []), removed: groupIds.map(() => []) };
  const groupIndex = new Map(groupIds.map((id, g) => [id, g]));
  const userIds = users.ids;
  // The memberships come in the order of the state's user rows, the LDAP ones in the order of `userIds`.
  const userIndex = new OrderedIndex(userIds);
  const find = indexOf ?? ((userId: string) => userIndex.find(userId));
  const finalIndex = (userId: string) => (users.others.has(userId) ? undefined : find(userId));
  const wanted = wantedGroupsByUser(groupIds, membersOf, userIds.length);
  const compared = new Uint8Array(userIds.length);
  // forEach, not for-of: no [key, value] pair for each of 100,000 users.
  current.forEach((joined, userId) => {
    const u = finalIndex(userId);
    if (u === undefined) {
      for (const g of heldGroups(joined, groupIndex)) diff.removed[g].push(userId);
      return;
    }
    compared[u] = 1;
    const from = wanted.start[u];
    const to = wanted.end[u];
    if (holdsExactly(joined, wanted, from, to, groupIds)) return;
    const held = heldGroups(joined, groupIndex);
    const want = new Set(wanted.groups.subarray(from, to));
    for (let k = from; k < to; k++) if (!held.has(wanted.groups[k])) diff.added[wanted.groups[k]].push(u);
    for (const g of held) if (!want.has(g)) diff.removed[g].push(userId);
  });
  for (let u = 0; u < userIds.length; u++) {
    if (compared[u] === 1) continue;
    for (let k = wanted.start[u]; k < wanted.end[u]; k++) diff.added[wanted.groups[k]].push(u);
  }
  return diff;
}

/** The listed groups among a user's joined group ids. */
function heldGroups(joined: string, groupIndex: Map<string, number>): Set<number> {
  const held = new Set<number>();
  for (const id of joined.split(',')) {
    const g = groupIndex.get(id);
    if (g !== undefined) held.add(g);
  }
  return held;
}

/** user id → group ids joined as the database does it: the representation of CurrentState.memberships, from (group, user) pairs. */
export function joinedMemberships(pairs: Iterable<{ groupId: string; userId: string }>): Map<string, string> {
  const byUser = new Map<string, Set<string>>();
  for (const { groupId, userId } of pairs) {
    const groups = byUser.get(userId) ?? new Set<string>();
    groups.add(groupId);
    byUser.set(userId, groups);
  }
  return new Map([...byUser].map(([userId, groups]) => [userId, [...groups].sort(byCodeUnits).join(',')]));
}

/** The number of members of each group in `current` (user id → joined group ids): what deleting a group cascades to. */
export function memberCounts(current: Map<string, string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const joined of current.values()) for (const id of joined.split(',')) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
