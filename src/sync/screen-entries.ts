import type { DirectoryGroup, DirectoryUser } from './snapshot.js';
import type { Skip } from './types.js';

/** Entries sharing a unique id are ambiguous: all of them are skipped, none is guessed. */
function duplicateIds(entries: { ldapId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { ldapId } of entries) if (ldapId !== '') counts.set(ldapId, (counts.get(ldapId) ?? 0) + 1);
  for (const [id, count] of counts) if (count < 2) counts.delete(id);
  return counts;
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
  const duplicates = duplicateIds(entries);
  const seen = new Set<string>();
  const accepted: E[] = [];
  for (const entry of entries) {
    if (entry.ldapId === '') {
      skips.push({ kind, dn: entry.dn, reason: 'missing-unique-id', message: `${kind} has no value for its unique identifier attribute` });
      continue;
    }
    seen.add(entry.ldapId);
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
