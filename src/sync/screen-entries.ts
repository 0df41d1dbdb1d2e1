import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import type { Skip } from './types.js';

/** The entries that passed, each with its LDAP row, and the LDAP rows any entry names. */
export interface ScreenedEntries<E> {
  accepted: E[];
  /** For each accepted entry: the index of the LDAP row with its ldap_id, or -1 (no row yet). */
  rows: number[];
  /**
   * By LDAP row: 1 when an entry has its ldap_id, skipped entries included
   * (so Pocket ID never disables a user over a validation error).
   */
  seen: Uint8Array;
  /** For each entry given, skipped or not: the index of the LDAP row with its ldap_id, or -1 (plan-claims.ts reuses it). */
  rowOfEntry: Int32Array;
}

/**
 * Each entry's LDAP row (-1: none), and how many entries have each id:
 * counted by row, and for the ids no row has (few, but every one on an
 * initial sync) in a map of their own. The rows are found in a map: the
 * databases hand them over by id (the order the sync inserted them,
 * src/db/apply.ts), not in the directory's order, so a cursor through them
 * (ordered-index.ts) would miss every time. ldap_id is unique (a unique index
 * on both databases), so an id names at most one row.
 */
function rowsAndCounts(entries: { ldapId: string }[], rows: { ldapId: string | null }[]) {
  const rowByLdapId = new Map<string, number>();
  for (let row = 0; row < rows.length; row++) rowByLdapId.set(rows[row]?.ldapId as string, row);
  const rowOfEntry = new Int32Array(entries.length).fill(-1);
  const entriesOfRow = new Int32Array(rows.length);
  const entriesOfNewId = new Map<string, number>();
  entries.forEach(({ ldapId }, e) => {
    if (ldapId === '') return;
    const row = rowByLdapId.get(ldapId);
    if (row === undefined) {
      entriesOfNewId.set(ldapId, (entriesOfNewId.get(ldapId) ?? 0) + 1);
    } else {
      rowOfEntry[e] = row;
      entriesOfRow[row] += 1;
    }
  });
  const sharing = (entry: { ldapId: string }, row: number) => (row >= 0 ? entriesOfRow[row] : entriesOfNewId.get(entry.ldapId)) as number;
  return { rowOfEntry, entriesOfRow, sharing };
}

/**
 * Screens entries for the rules every entry must pass on its own: a unique id,
 * not shared, clean text. `rows` are the LDAP rows of the same kind.
 */
export function screenEntries<E extends DirectoryUser | DirectoryGroup>(
  entries: E[],
  rows: { ldapId: string | null }[],
  kind: 'user' | 'group',
  skips: Skip[],
): ScreenedEntries<E> {
  const { rowOfEntry, entriesOfRow, sharing } = rowsAndCounts(entries, rows);
  const screened: ScreenedEntries<E> = { accepted: [], rows: [], seen: new Uint8Array(rows.length), rowOfEntry };
  for (let row = 0; row < rows.length; row++) if (entriesOfRow[row] > 0) screened.seen[row] = 1;
  entries.forEach((entry, e) => {
    if (entry.ldapId === '') {
      skips.push({ kind, dn: entry.dn, reason: 'missing-unique-id', message: `${kind} has no value for its unique identifier attribute` });
      return;
    }
    const row = rowOfEntry[e] as number;
    const count = sharing(entry, row);
    if (count > 1) {
      skips.push({ kind, dn: entry.dn, reason: 'duplicate-unique-id', message: `unique identifier "${entry.ldapId}" is shared by ${count} entries; all of them are skipped` });
      return;
    }
    if (entry.invalidAttribute !== undefined) {
      skips.push({ kind, dn: entry.dn, reason: 'invalid-text', message: `attribute ${entry.invalidAttribute} is not valid UTF-8 text or contains a NUL byte` });
      return;
    }
    screened.accepted.push(entry);
    screened.rows.push(row);
  });
  return screened;
}
