// Pictures for users an incremental run may create without reading their
// entry. An entry skipped because another entry, or a Pocket ID row, held its
// username, email or unique id gets its user as soon as that is freed, while
// the entry itself does not change. The kept copy holds only its picture's
// digest (src/ldap/kept-read.ts), so its picture is read again by DN: the new
// user gets the picture a full run would give it (docs/incremental.md).
import { FilterParser } from 'ldapts';
import { EntryValues } from './entry-values.js';
import { eachAtOnce, readByDn, type EntryContext } from './read-context.js';
import type { KeptDirectory } from '../sync/kept-directory.js';
import type { DirectoryUser } from '../sync/snapshot.js';
import type { Skip, SkipReason } from '../sync/types.js';

/** Skips that another entry or row can lift without the skipped entry changing. */
const LIFTED_BY_OTHERS: ReadonlySet<SkipReason> = new Set(['username-taken', 'email-taken', 'duplicate-unique-id']);

/** Kept users with a picture that the last plan skipped for a reason others can lift, not read this run. */
export function usersWaitingWithPictures(kept: KeptDirectory, lastSkips: Skip[], readThisRun: DirectoryUser[]): DirectoryUser[] {
  const skipped = new Set(lastSkips.filter((s) => s.kind === 'user' && LIFTED_BY_OTHERS.has(s.reason)).map((s) => s.dn));
  if (skipped.size === 0) return [];
  for (const user of readThisRun) skipped.delete(user.dn);
  const waiting: DirectoryUser[] = [];
  for (const entry of kept.users.values()) {
    if (entry.pictureDigest !== '' && skipped.has(entry.user.dn)) waiting.push(entry.user);
  }
  return waiting;
}

/** The users with their picture read again; one gone or out of the filter since is left out. */
export async function withPictures(context: EntryContext, users: DirectoryUser[]): Promise<DirectoryUser[]> {
  const { client, settings } = context;
  const attribute = settings.attributes.profilePicture;
  // Parsed once for all the reads, as candidate-reads.ts does: ldapts parses a text filter again for every search.
  const filter = FilterParser.parseString(settings.userFilter);
  const out: DirectoryUser[] = [];
  await eachAtOnce(users, async (user) => {
    const entry = await readByDn(client, user.dn, filter, [attribute], 'the picture of');
    const picture = entry ? new EntryValues(entry).first(attribute) : undefined;
    if (picture !== undefined) out.push({ ...user, picture });
  });
  return out;
}
