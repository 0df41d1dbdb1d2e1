import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import type { Skip } from './types.js';

/** Every id, and how often each id shared by several entries occurs: all of those entries are skipped, none is guessed. */
function idsAndDuplicates(entries: { ldapId: string }[]): { ids: Set<string>; duplicates: Map<string, number> } {
  const ids = new Set<string>();
  const duplicates = new Map<string, number>();
  for (const { ldapId } of entries) {
    if (ldapId === '') continue;
    if (ids.has(ldapId)) duplicates.set(ldapId, (duplicates.get(ldapId) ?? 1) + 1);
    else ids.add(ldapId);
  }
  return { ids, duplicates };
}

/**
 * Screens entries for the rules every entry must pass on its own: a unique id,
 * not shared, clean text. Returns the ids seen (an id stays "seen" even when its
 * entry is skipped, so Pocket ID never disables a user over a validation error).
 */
export function screenEntries<E extends DirectoryUser | DirectoryGroup>(
  entries: E[],
  kind: 'user' | 'group',
  skips: Skip[],
): { accepted: E[]; seen: Set<string> } {
  const { ids: seen, duplicates } = idsAndDuplicates(entries);
  const accepted: E[] = [];
  for (const entry of entries) {
    if (entry.ldapId === '') {
      skips.push({ kind, dn: entry.dn, reason: 'missing-unique-id', message: `${kind} has no value for its unique identifier attribute` });
      continue;
    }
    const count = duplicates.get(entry.ldapId);
    if (count !== undefined) {
      skips.push({ kind, dn: entry.dn, reason: 'duplicate-unique-id', message: `unique identifier "${entry.ldapId}" is shared by ${count} entries; all of them are skipped` });
      continue;
    }
    if (entry.invalidAttribute !== undefined) {
      skips.push({ kind, dn: entry.dn, reason: 'invalid-text', message: `attribute ${entry.invalidAttribute} is not valid UTF-8 text or contains a NUL byte` });
      continue;
    }
    accepted.push(entry);
  }
  return { accepted, seen };
}
