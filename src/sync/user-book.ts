// The book a committed plan leaves about its users (UserBook in types.ts), how
// a plan fills it and how the next one, which plans only the touched users
// (plan-touched.ts), brings it up to date.
import { entryKey } from './kept-directory.js';
import type { DirectoryUser } from './snapshot.js';
import type { CurrentUser, FinalUsers, Skip, UserBook } from './types.js';

/** Keys of the user entries skipped by `skips` (kind user, by DN); a scan of the entries only when there are any. */
export function skippedUserKeys(users: DirectoryUser[], skips: Skip[]): string[] {
  const dns = new Set<string>();
  for (const skip of skips) if (skip.kind === 'user') dns.add(skip.dn);
  if (dns.size === 0) return [];
  return users.filter((user) => dns.has(user.dn)).map((user) => entryKey(user.ldapId, user.dn));
}

/** Where each row id stands in `final.ids`, built only when a row's username did not find it. */
function slotsById(final: FinalUsers): Map<string, number> {
  const slots = new Map<string, number>();
  final.ids.forEach((id, index) => slots.set(id, index));
  return slots;
}

/**
 * Makes `book` (the last plan's rows) this plan's: `rows` are the LDAP rows
 * this plan read (each with its username before the run) and `planned` their
 * rows after it, and those it creates. Their old usernames leave the index,
 * their final ones enter it at the row's old place (new rows at the end);
 * rows that are no LDAP row any more join `others`. The other rows are
 * untouched: their entries did not change, so neither did their rows.
 */
export function patchFinalUsers(book: FinalUsers, rows: CurrentUser[], planned: FinalUsers): void {
  const slot = new Map<string, number>();
  let byId: Map<string, number> | undefined;
  for (const row of rows) {
    let index = book.indexByUsername.get(row.username);
    if (index !== undefined && book.ids[index] === row.id) {
      book.indexByUsername.delete(row.username);
    } else {
      index = (byId ??= slotsById(book)).get(row.id);
      // Held under another username (the row was changed by hand): that name goes.
      if (index !== undefined) for (const [username, at] of book.indexByUsername) if (at === index) book.indexByUsername.delete(username);
    }
    if (index !== undefined) slot.set(row.id, index);
  }
  planned.indexByUsername.forEach((at, username) => {
    const id = planned.ids[at] as string;
    let index = slot.get(id);
    if (index === undefined) {
      index = book.ids.length;
      book.ids.push(id);
    }
    book.indexByUsername.set(username, index);
    book.others.delete(id);
  });
  for (const id of planned.others) book.others.add(id);
}

/**
 * The book as the memory keeps it between runs: its row ids copied out of the
 * strings they were cut from. SQLite's read hands rows over as pieces of large
 * packed strings (src/db/sqlite/packed-rows.ts), and a piece keeps its whole
 * string alive: 100,000 ids kept about 45 MiB of them at L. The copy is a
 * piece of a string of its own (V8 flattens the concatenation before slicing).
 */
export function bookToKeep(book: UserBook): UserBook {
  const ids = book.final.ids;
  for (let k = 0; k < ids.length; k++) ids[k] = ` ${ids[k] as string}`.slice(1);
  return book;
}
