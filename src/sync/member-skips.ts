// Why a group member is left out, in words that lead to the cause: a member
// whose user entry was itself skipped says so and why, instead of looking
// like a stranger to Pocket ID.
import { nfc } from '../text/go-text.js';
import type { DirectoryUser } from './snapshot.js';
import type { Skip } from './types.js';

/** Username (NFC, as members resolve) → the skip of its user entry. */
export function skippedUsersByName(users: DirectoryUser[], skips: Skip[]): Map<string, Skip> {
  const byDn = new Map<string, Skip>();
  for (const skip of skips) if (skip.kind === 'user') byDn.set(skip.dn, skip);
  const byName = new Map<string, Skip>();
  if (byDn.size === 0) return byName;
  for (const user of users) {
    const skip = byDn.get(user.dn);
    if (skip && user.username !== '') byName.set(nfc(user.username), skip);
  }
  return byName;
}

/** The skip for a member username that has no Pocket ID row after the run. */
export function unknownMemberSkip(groupDn: string, username: string, skippedUser: Skip | undefined): Skip {
  if (skippedUser) {
    return { kind: 'member', dn: groupDn, reason: 'member-skipped', message: `member ${skippedUser.dn} was skipped: ${skippedUser.message}` };
  }
  return { kind: 'member', dn: groupDn, reason: 'member-unknown', message: `member "${username}" is not an LDAP user known to Pocket ID` };
}
