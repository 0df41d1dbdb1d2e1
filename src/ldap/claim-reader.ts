import type { Client, Entry } from 'ldapts';
import { claimValue } from '../sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../sync/entry-claims.js';
import type { ClaimMapping } from '../sync/types.js';
import type { EntryValues } from './entry-values.js';
import { completeRangedValues, type RangeSearcher } from './range.js';

/** The attributes to ask for so that the configured claims can be read. */
export function claimAttributes(mappings: ClaimMapping[]): string[] {
  return mappings.flatMap((m) => (m.attribute === null ? [] : [m.attribute]));
}

// Only Active Directory and Samba send `attr;range=low-high`, and then next to
// at most an empty `attr`: the entry's keys are scanned only for a claim
// attribute without values.
const hasRangedValues = (entry: Entry) => Object.keys(entry).some((key) => key.includes(';') && /;range=/i.test(key));

/**
 * An entry's configured claims, one slot per claim in the order of the
 * setting (src/sync/entry-claims.ts): the value to store, or why it cannot be
 * used (src/sync/claim-values.ts); an empty slot when the entry lacks the
 * attribute. Ranged values (a multi-valued attribute above Active Directory's
 * MaxValRange) are followed to the end, as for group members: a partial list
 * throws rather than becoming a claim. Decoded here, not in the plan, so the
 * snapshot holds one short string per entry instead of the entry's buffers
 * (300,000 of them for three claims of 100,000 users).
 */
export async function readClaimValues(
  client: Client | RangeSearcher,
  entry: Entry,
  values: EntryValues,
  mappings: ClaimMapping[],
): Promise<string | undefined> {
  if (mappings.length === 0) return undefined;
  const slots: string[] = [];
  for (const { attribute, multi } of mappings) {
    let found = attribute === null ? [] : values.all(attribute);
    if (attribute !== null && found.length === 0 && hasRangedValues(entry)) found = (await completeRangedValues(client, entry, attribute))?.values ?? found;
    slots.push(attribute === null || found.length === 0 ? '' : claimSlot(claimValue(attribute, found, multi)));
  }
  return joinClaimSlots(slots);
}
