import type { Client, Entry } from 'ldapts';
import { claimValue, type ClaimValue } from '../sync/claim-values.js';
import type { ClaimMapping } from '../sync/types.js';
import type { EntryValues } from './entry-values.js';
import { completeRangedValues, type RangeSearcher } from './range.js';

/** The attributes to ask for so that the configured claims can be read. */
export function claimAttributes(mappings: ClaimMapping[]): string[] {
  return mappings.flatMap((m) => (m.attribute === null ? [] : [m.attribute]));
}

// Only Active Directory and Samba send `attr;range=low-high`; checking the
// entry's keys once spares every other entry a scan per claim.
const hasRangedValues = (entry: Entry) => Object.keys(entry).some((key) => key.includes(';') && /;range=/i.test(key));

/**
 * Each configured claim of an entry, by claim name, as the value to store (or
 * why it cannot be used: src/sync/claim-values.ts); claims whose attribute the
 * entry lacks are left out. Ranged values (a multi-valued attribute above
 * Active Directory's MaxValRange) are followed to the end, as for group
 * members: a partial list throws rather than becoming a claim. Decoded here,
 * not in the plan, so the snapshot holds short strings instead of the
 * entry's buffers (300,000 of them for three claims of 100,000 users).
 */
export async function readClaimValues(
  client: Client | RangeSearcher,
  entry: Entry,
  values: EntryValues,
  mappings: ClaimMapping[],
): Promise<Map<string, ClaimValue> | undefined> {
  if (mappings.length === 0) return undefined;
  const ranged = hasRangedValues(entry);
  const claims = new Map<string, ClaimValue>();
  for (const { key, attribute, multi } of mappings) {
    if (attribute === null) continue;
    let found = values.all(attribute);
    if (ranged) found = (await completeRangedValues(client, entry, attribute))?.values ?? found;
    if (found.length > 0) claims.set(key, claimValue(attribute, found, multi));
  }
  return claims;
}
