// The user half of plan(): which entries become rows, which rows change,
// which leave (disabled or deleted), and every username's final row id.
import type { DirectoryUser } from './snapshot.js';
import { screenEntries } from './screen-entries.js';
import type { CurrentUser, FinalUsers, NewUser, PlanOptions, Skip, SyncPlan, UserChange, UserFields } from './types.js';
import { idsInOrder } from './new-row-ids.js';
import { byCodeUnits } from '../text/code-unit-order.js';

export type { FinalUsers };
import { resolveUniqueClaims, type UniqueKey } from './unique-claims.js';
import { desiredUserFields, validateUser } from './validation.js';

export interface UserCandidate {
  dn: string;
  ldapId: string;
  desired: UserFields;
  existing?: CurrentUser;
  /** The index of `existing` among the LDAP rows. */
  row?: number;
}

/** The entries that passed every rule of their own, and the LDAP rows an entry names (skipped ones included). */
export interface ScreenedUsers {
  candidates: UserCandidate[];
  /** By LDAP row: 1 when an entry has its ldap_id (screen-entries.ts). */
  seen: Uint8Array;
  /** By entry: the index of its LDAP row, or -1 (screen-entries.ts). */
  rowOfEntry: Int32Array;
}

/** What the group half needs from the users: the final owners of usernames. */
export interface UserOutcome {
  finalUsers: FinalUsers;
  /** Row id → username after the run, of the rows asked for: membership messages name few of 100,000 users. */
  usernamesOf: (ids: ReadonlySet<string>) => Map<string, string>;
  /** Username → the skip of its user entry, so a member skip can say why (member-skips.ts). */
  skippedUsers?: Map<string, Skip>;
}

const USER_FIELDS: (keyof UserFields)[] = [
  'username', 'email', 'firstName', 'lastName', 'displayName', 'isAdmin', 'emailVerified', 'disabled',
];

/** Pocket ID usernames are unique case-insensitively (citext / NOCASE, ASCII only). */
export const usernameKey = (username: string) => username.toLowerCase();

const USERNAME: UniqueKey<UserCandidate, CurrentUser> = {
  label: 'username',
  reason: 'username-taken',
  ofCandidate: (c) => usernameKey(c.desired.username),
  ofRow: (row) => usernameKey(row.username),
  shown: (c) => c.desired.username,
};
const EMAIL: UniqueKey<UserCandidate, CurrentUser> = {
  label: 'email',
  reason: 'email-taken',
  ofCandidate: (c) => c.desired.email,
  ofRow: (row) => row.email,
  shown: (c) => c.desired.email ?? '',
};

function changedFields(before: UserFields, after: UserFields): (keyof UserFields)[] {
  // Most rows are unchanged: told without building a list for each.
  if (USER_FIELDS.every((field) => before[field] === after[field])) return [];
  return USER_FIELDS.filter((field) => before[field] !== after[field]);
}

function pickFields(user: UserFields): UserFields {
  const { username, email, firstName, lastName, displayName, isAdmin, emailVerified, disabled } = user;
  return { username, email, firstName, lastName, displayName, isAdmin, emailVerified, disabled };
}

/** Entries that pass Pocket ID's user rules, with the admin flag from the admin group's members. */
export function screenUsers(
  entries: DirectoryUser[],
  ldapUsers: CurrentUser[],
  adminUsernames: Set<string>,
  options: PlanOptions,
  skips: Skip[],
): ScreenedUsers {
  const screened = screenEntries(entries, ldapUsers, 'user', skips);
  const candidates: UserCandidate[] = [];
  screened.accepted.forEach((entry, k) => {
    const desired = desiredUserFields(entry, adminUsernames);
    const invalid = validateUser(desired, options.requireUserEmail);
    if (invalid) {
      skips.push({ kind: 'user', dn: entry.dn, ...invalid });
      return;
    }
    const candidate: UserCandidate = { dn: entry.dn, ldapId: entry.ldapId, desired };
    const row = screened.rows[k] as number;
    if (row >= 0) {
      candidate.existing = ldapUsers[row];
      candidate.row = row;
    }
    candidates.push(candidate);
  });
  return { candidates, seen: screened.seen, rowOfEntry: screened.rowOfEntry };
}

/** Fills `result.users`: creates, updates, disables and deletes. */
export function planUsers(
  screened: ScreenedUsers,
  current: { ldapUsers: CurrentUser[]; localUsers: CurrentUser[]; allUsers: CurrentUser[] },
  options: PlanOptions,
  newId: () => string,
  result: SyncPlan,
): UserOutcome {
  const { ldapUsers, localUsers } = current;
  // An LDAP row keeps its values unless an active entry updates it or a hard delete removes it.
  const userKeeps = (row: number, active: boolean) => !active && (screened.seen[row] === 1 || options.softDeleteUsers);
  const excluded = resolveUniqueClaims(screened.candidates, localUsers, ldapUsers, userKeeps, [USERNAME, EMAIL], 'user');

  // By LDAP row: the username an entry gives it (unchanged or updated).
  const usernameFromEntry: (string | undefined)[] = new Array(ldapUsers.length);
  for (let k = 0; k < screened.candidates.length; k++) {
    const candidate = screened.candidates[k] as UserCandidate;
    const skip = excluded.get(candidate);
    if (skip) {
      result.skips.push(skip);
      continue;
    }
    const { existing, desired } = candidate;
    if (!existing) {
      result.users.create.push({ id: newId(), ldapId: candidate.ldapId, dn: candidate.dn, ...desired });
      continue;
    }
    usernameFromEntry[candidate.row as number] = desired.username;
    const changed = changedFields(existing, desired);
    if (changed.length === 0) result.users.unchanged += 1;
    else result.users.update.push({ id: existing.id, dn: candidate.dn, before: pickFields(existing), after: desired, changed } satisfies UserChange);
  }
  idsInUsernameOrder(result.users.create);
  const finalUsers = planRemovals(screened.seen, ldapUsers, usernameFromEntry, options, result);
  for (const user of localUsers) finalUsers.others.add(user.id);
  return { finalUsers, usernamesOf: usernamesAfter(current.allUsers, finalUsers) };
}

/**
 * New users' ids in the order of their usernames (lowercased: the order of
 * PostgreSQL's citext COLLATE "C" and SQLite's NOCASE for the ASCII names
 * Pocket ID allows), so that inserting them in id order also fills the
 * username index in order (new-row-ids.ts). The list itself stays in entry
 * order, as reports show it.
 */
function idsInUsernameOrder(created: NewUser[]): void {
  if (created.length < 2) return;
  const names = created.map((user) => user.username.toLowerCase());
  const order = created.map((_user, index) => index).sort((a, b) => byCodeUnits(names[a] as string, names[b] as string));
  const ids = idsInOrder(created);
  order.forEach((index, k) => ((created[index] as NewUser).id = ids[k] as string));
}

/** A row's username after the run: the one its entry gives it (the final rows'), else the one it has (`rows`). */
export function usernamesAfter(rows: CurrentUser[], finalUsers: FinalUsers): UserOutcome['usernamesOf'] {
  return (ids) => {
    const names = new Map<string, string>();
    if (ids.size === 0) return names;
    for (const user of rows) if (ids.has(user.id)) names.set(user.id, user.username);
    finalUsers.indexByUsername.forEach((index, username) => {
      const id = finalUsers.ids[index] as string;
      if (ids.has(id)) names.set(id, username);
    });
    return names;
  };
}

/**
 * Rows whose entry is gone are disabled (soft delete) or deleted. Returns
 * every LDAP user row after the run with its final username: Pocket ID
 * resolves group members against exactly these.
 */
function planRemovals(
  seen: Uint8Array,
  ldapUsers: CurrentUser[],
  usernameFromEntry: (string | undefined)[],
  options: PlanOptions,
  result: SyncPlan,
): FinalUsers {
  const final: FinalUsers = { ids: [], indexByUsername: new Map(), others: new Set() };
  const keep = (username: string, id: string) => {
    final.indexByUsername.set(username, final.ids.length);
    final.ids.push(id);
  };
  ldapUsers.forEach((row, index) => {
    // A row an entry writes is seen; only the others may be gone.
    const fromEntry = usernameFromEntry[index];
    if (fromEntry !== undefined) return keep(fromEntry, row.id);
    if (seen[index] === 0) {
      const removed = { id: row.id, username: row.username, ldapId: row.ldapId as string };
      if (!options.softDeleteUsers) {
        result.users.delete.push(removed);
        final.others.add(row.id);
        return;
      }
      if (!row.disabled) result.users.disable.push(removed);
    }
    keep(row.username, row.id);
  });
  for (const user of result.users.create) keep(user.username, user.id);
  return final;
}
