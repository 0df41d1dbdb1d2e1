// Group members as the user rows Pocket ID resolves them to: by username,
// against every LDAP user row after the run. A million members looked up by
// username in a map of 100,000 cost about 170 ms at L (the strings and the
// map's buckets are all over the heap); a member whose user entry the reader
// recorded (DirectoryGroup.memberEntries) takes its entry's row from an array
// filled by 100,000 lookups in entry order instead.
import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import { nfc } from '../text/go-text.js';
import { unknownMemberSkip } from './member-skips.js';
import type { EntryRows } from './entry-rows.js';
import type { Skip } from './types.js';

/** How member usernames become row indexes (FinalUsers.indexByUsername), and why an unknown one is unknown. */
export interface MemberLookup {
  indexByUsername: Map<string, number>;
  skippedUsers?: Map<string, Skip>;
}

export type { EntryRows };

/**
 * The entries' rows, when any group carries member entries (a full read does;
 * tests and incremental runs may not). With `last`, the last committed plan's
 * (UserBook.entryRows) and the entries this plan plans (in the snapshot's
 * order): only what can have moved is looked up again (entryRowsAfter).
 */
export function entryRows(entries: DirectoryUser[], groups: { memberEntries?: number[] }[], lookup: MemberLookup, last?: { rows: EntryRows; planned: readonly DirectoryUser[] }): EntryRows | undefined {
  if (!groups.some((g) => g.memberEntries !== undefined)) return undefined;
  if (last) return entryRowsAfter(entries, lookup, last.rows, last.planned) ?? entryRows(entries, groups, lookup);
  const usernames = entries.map((entry) => nfc(entry.username));
  const rows = new Int32Array(usernames.length);
  for (let e = 0; e < usernames.length; e++) rows[e] = lookup.indexByUsername.get(usernames[e] as string) ?? -1;
  return { usernames, rows, entries };
}

/**
 * The last plan's entry rows brought up to date by a plan over the touched
 * users (plan-touched.ts). An entry still at its place and not planned now
 * keeps its username and row: its row is where the last plan left it, and no
 * other row can have taken its username without being read, which brings the
 * entry into the plan (touched-users.ts). The planned entries and every entry
 * not at its old place are looked up: at L, 100,000 lookups of a username
 * (50 ms in a profile of the 1 % run) become a few hundred. Undefined when
 * `planned` is not in the order of `entries`.
 */
function entryRowsAfter(entries: DirectoryUser[], lookup: MemberLookup, last: EntryRows, planned: readonly DirectoryUser[]): EntryRows | undefined {
  const usernames = last.usernames.slice(0, entries.length);
  const rows = new Int32Array(entries.length);
  rows.set(last.rows.subarray(0, entries.length));
  let next = 0;
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e] as DirectoryUser;
    if (entry === planned[next]) next++;
    else if (entry === last.entries[e]) continue;
    const username = nfc(entry.username);
    usernames[e] = username;
    rows[e] = lookup.indexByUsername.get(username) ?? -1;
  }
  return next === planned.length ? { usernames, rows, entries } : undefined;
}

/**
 * A group's members as user row indexes; a member that is no LDAP user row
 * after the run is skipped, as Pocket ID does. An entry hint counts only when
 * that entry's username is the member's: the row is then the one the username
 * names, exactly what the lookup would give, so a stale hint is slow, never wrong.
 * Object.is, not ===: the same string answers without reading it (membership-scope.ts sameNames).
 * The rows are written into `space` from `at` on and returned as a view of
 * it: one buffer for every group, not one each (5,000 at L, each a backing
 * store outside the heap, allocated and tracked by the collector).
 */
export function memberRows(group: Pick<DirectoryGroup, 'dn' | 'memberUsernames' | 'memberEntries'>, lookup: MemberLookup, byEntry: EntryRows | undefined, skips: Skip[], space: Int32Array, at: number): Int32Array {
  const { memberUsernames: usernames, memberEntries: hints } = group;
  let end = at;
  let unknown: Set<string> | undefined;
  for (let k = 0; k < usernames.length; k++) {
    const username = usernames[k] as string;
    const entry = hints?.[k] ?? -1;
    const row = byEntry && entry >= 0 && Object.is(byEntry.usernames[entry], username) ? (byEntry.rows[entry] as number) : (lookup.indexByUsername.get(username) ?? -1);
    if (row >= 0) space[end++] = row;
    else (unknown ??= new Set()).add(username);
  }
  for (const username of unknown ?? []) skips.push(unknownMemberSkip(group.dn, username, lookup.skippedUsers?.get(username)));
  return space.subarray(at, end);
}
