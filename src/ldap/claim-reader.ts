import type { Client, Entry } from 'ldapts';
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
 * Raw values of each configured claim attribute, by claim name; claims whose
 * attribute the entry lacks are left out. Ranged values (a multi-valued
 * attribute above Active Directory's MaxValRange) are followed to the end, as
 * for group members: a partial list throws rather than becoming a claim.
 * Decoding and validation are the plan's (src/sync/claim-values.ts).
 */
export async function readClaimValues(
  client: Client | RangeSearcher,
  entry: Entry,
  values: EntryValues,
  mappings: ClaimMapping[],
): Promise<Map<string, Buffer[]> | undefined> {
  if (mappings.length === 0) return undefined;
  const ranged = hasRangedValues(entry);
  const claims = new Map<string, Buffer[]>();
  for (const { key, attribute } of mappings) {
    if (attribute === null) continue;
    let found = values.all(attribute);
    if (ranged) found = (await completeRangedValues(client, entry, attribute))?.values ?? found;
    if (found.length > 0) claims.set(key, found);
  }
  return claims;
}
