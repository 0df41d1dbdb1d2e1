// The user half of an incremental run's plan over only the touched entries
// (docs/incremental.md, "How a run works", step 7): the entries the run read
// changed or new, those whose admin flag moved, those the last plan skipped,
// and the entries of every row their values could collide with
// (touched-users.ts). Every other entry is where the last committed plan left
// it: its row unchanged, counted as such, its claim skips repeated.
import { usernamesAfter, type UserOutcome } from './plan-users.js';
import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import type { CurrentUser, Skip, SyncPlan, UserBook } from './types.js';
import { patchFinalUsers } from './user-book.js';

/**
 * An incremental run's users to plan (touched-users.ts): these entries, in the
 * snapshot's order, and the last committed plan's book of the others.
 */
export interface TouchedUsers {
  entries: DirectoryUser[];
  /** Every DN a touched entry has or had (renamed, removed): their old claim skips are not repeated. */
  dns: ReadonlySet<string>;
  book: UserBook;
}

/**
 * The rows after the run, all of them: the last plan's (the book), patched
 * with what this plan does to the rows it read (`planned`). The entries not
 * planned (`untouched`) each keep an unchanged row.
 */
export function touchedFinalUsers(
  touched: TouchedUsers,
  part: { rows: CurrentUser[]; ldapUsers: CurrentUser[]; planned: UserOutcome; result: SyncPlan; untouched: number },
): UserOutcome {
  part.result.users.unchanged += part.untouched;
  const final = touched.book.final;
  patchFinalUsers(final, part.ldapUsers, part.planned.finalUsers);
  return { finalUsers: final, usernamesOf: usernamesAfter(part.rows, final) };
}

/** The last plan's claim skips of user entries this plan does not look at: theirs are unchanged. */
export function untouchedClaimSkips(touched: TouchedUsers, groups: DirectoryGroup[]): Skip[] {
  const skips = touched.book.claimSkips;
  if (skips.length === 0) return [];
  const planned = new Set(touched.dns);
  for (const entry of touched.entries) planned.add(entry.dn);
  for (const group of groups) planned.add(group.dn);
  return skips.filter((skip) => !planned.has(skip.dn));
}
