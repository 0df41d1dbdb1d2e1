// Which user entries an incremental run plans, and which of Pocket ID's user
// rows it reads for them (docs/incremental.md, "How a run works", step 7).
// After a committed run every other entry's row is what the plan wanted: it
// needs no screening, no validation, no comparison. An entry is planned when
// it was read changed or new, when its admin flag can have moved (the admin
// group's members changed), or when the last plan skipped it (what it collided
// with may have gone). Its rows: the one with its ldap_id, and every row
// holding a username (case-insensitively) or email it wants; a row whose
// entry was removed. Each LDAP row read brings its own entry into the plan
// (else that plan would see the row's entry gone), and such an entry's values
// are read too when its row does not hold them already. Pure: the rows come
// from a reader the caller passes (src/run/touched-state.ts).
import type { KeptUser } from './kept-directory.js';
import { usernameKey } from './plan-users.js';
import type { DirectoryUser } from './snapshot.js';
import type { CurrentUser, UserKeys } from './types.js';
import { nfc } from '../text/go-text.js';

/** What the run changed: the keys (entryKey) of users read changed or new and of those removed. */
export interface UserChanges {
  changed: string[];
  removed: string[];
}

/** Usernames in one set and not in the other: whose admin flag this plan may change. */
export function adminChanges(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  const names: string[] = [];
  for (const name of before) if (!after.has(name)) names.push(name);
  for (const name of after) if (!before.has(name)) names.push(name);
  return names;
}

/** The entries to plan, growing as rows are read, and the keys of the rows still to read. */
export class TouchedSelection {
  readonly entries = new Map<string, DirectoryUser>();
  private readonly rowIds = new Set<string>();
  private next: UserKeys;

  constructor(
    private readonly kept: ReadonlyMap<string, KeptUser>,
    seeds: { changes: UserChanges; skippedKeys: string[]; adminNames: string[] },
  ) {
    this.next = { ldapIds: [], usernames: [...seeds.adminNames], emails: [], admins: true };
    for (const key of seeds.changes.removed) if (!key.startsWith('dn:')) this.next.ldapIds.push(key);
    for (const key of [...seeds.changes.changed, ...seeds.skippedKeys]) this.addEntry(key);
  }

  /** The keys to read next, or null when every row needed is read. */
  keys(): UserKeys | null {
    const keys = this.next;
    if (keys.ldapIds.length + keys.usernames.length + keys.emails.length === 0 && !keys.admins) return null;
    this.next = { ldapIds: [], usernames: [], emails: [], admins: false };
    return keys;
  }

  /**
   * Takes rows read by keys(): each LDAP row's entry joins the plan, and its
   * values are read next unless its row holds them. Returns the rows not seen before.
   */
  take(rows: CurrentUser[]): CurrentUser[] {
    const fresh: CurrentUser[] = [];
    for (const row of rows) {
      if (this.rowIds.has(row.id)) continue;
      this.rowIds.add(row.id);
      fresh.push(row);
      if (row.ldapId === null || this.entries.has(row.ldapId)) continue;
      const kept = this.kept.get(row.ldapId);
      if (!kept) continue;
      this.entries.set(row.ldapId, kept.user);
      if (!holdsValues(row, kept.user)) this.wantValues(kept.user);
    }
    return fresh;
  }

  /** The entries to plan in the order of `users` (the snapshot's): which entry wins a value depends on it. */
  inOrder(users: DirectoryUser[]): DirectoryUser[] {
    const chosen = new Set(this.entries.values());
    return users.filter((user) => chosen.has(user));
  }

  private addEntry(key: string): void {
    const kept = this.kept.get(key);
    if (!kept || this.entries.has(key)) return;
    this.entries.set(key, kept.user);
    if (kept.user.ldapId !== '') this.next.ldapIds.push(kept.user.ldapId);
    this.wantValues(kept.user);
  }

  private wantValues(user: DirectoryUser): void {
    if (user.username !== '') this.next.usernames.push(nfc(user.username));
    if (user.email !== '') this.next.emails.push(nfc(user.email));
  }
}

/** Whether the row already holds the username (as the unique index compares it) and email its entry wants. */
function holdsValues(row: CurrentUser, user: DirectoryUser): boolean {
  const email = user.email === '' ? null : nfc(user.email);
  return usernameKey(row.username) === usernameKey(nfc(user.username)) && (email === null || row.email === email);
}
