// Pocket ID's normalisation and validation of LDAP entries (v2.14
// backend/internal/ldapsync/service.go fetchUsersFromLDAP, backend/internal/dto/
// dto_normalize.go and validations.go): NFC everywhere, display-name fallback,
// go-playground rules.
import type { DirectoryUser } from './snapshot.js';
import { isValidEmail } from './email.js';
import { goTrimSpace, nfc, runeCount } from '../text/go-text.js';
import type { SkipReason, UserFields } from './types.js';
import { USERNAME_PATTERN } from './username.js';

export interface Invalid {
  reason: SkipReason;
  message: string;
}

/** PostgreSQL's users.email is varchar(255); Pocket ID would abort the run on a longer one. */
const EMAIL_MAX = 255;

/** The row an entry asks for; admin when its username is among the admin group's members. */
export function desiredUserFields(entry: DirectoryUser, adminUsernames: ReadonlySet<string>): UserFields {
  const displayName = entry.displayName !== '' ? entry.displayName : goTrimSpace(`${entry.firstName} ${entry.lastName}`);
  const username = nfc(entry.username);
  return {
    username,
    email: entry.email === '' ? null : nfc(entry.email),
    firstName: nfc(entry.firstName),
    lastName: nfc(entry.lastName),
    displayName: nfc(displayName),
    isAdmin: adminUsernames.has(username),
    emailVerified: true,
    // Pocket ID enables every user it reads; a directory-disabled account
    // (LDAP_SYNC_DISABLED_ACCOUNTS=true) is created or kept disabled instead.
    disabled: entry.disabled === true,
  };
}

function tooLong(value: string, max: number, reason: SkipReason, label: string): Invalid | null {
  // A string never has more code points than UTF-16 units: short ones need no counting.
  if (value.length <= max) return null;
  const length = runeCount(value);
  return length > max ? { reason, message: `${label} is ${length} characters long (at most ${max})` } : null;
}

/** The first rule the user breaks, in the order Pocket ID's validator checks them. */
export function validateUser(fields: Omit<UserFields, 'isAdmin'>, requireEmail: boolean): Invalid | null {
  const { username, email } = fields;
  if (username === '') return { reason: 'invalid-username', message: 'username is empty' };
  if (!USERNAME_PATTERN.test(username)) {
    return {
      reason: 'invalid-username',
      message: `username "${username}" must use only a-z, A-Z, 0-9, "_", ".", "@", "-" and start and end with a letter or digit`,
    };
  }
  const usernameLength = tooLong(username, 50, 'username-too-long', 'username');
  if (usernameLength) return usernameLength;
  if (email !== null) {
    const emailLength = tooLong(email, EMAIL_MAX, 'email-too-long', 'email');
    if (emailLength) return emailLength;
    if (!isValidEmail(email)) return { reason: 'invalid-email', message: `email "${email}" is not a valid address` };
  }
  return (
    tooLong(fields.firstName, 50, 'first-name-too-long', 'first name') ??
    tooLong(fields.lastName, 50, 'last-name-too-long', 'last name') ??
    tooLong(fields.displayName, 100, 'display-name-too-long', 'display name') ??
    (requireEmail && email === null
      ? { reason: 'missing-email', message: 'user has no email and REQUIRE_USER_EMAIL=true' }
      : null)
  );
}

/** Group name and friendly name come from one attribute: 2 to 50 characters. */
export function validateGroupName(name: string): Invalid | null {
  const length = runeCount(name);
  if (length < 2) return { reason: 'group-name-too-short', message: `group name "${name}" is shorter than 2 characters` };
  if (length > 50) return { reason: 'group-name-too-long', message: `group name is ${length} characters long (at most 50)` };
  return null;
}
