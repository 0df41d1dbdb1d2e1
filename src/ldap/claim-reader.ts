import type { Client, Entry } from 'ldapts';
import { arrayClaim, stringClaim } from '../sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../sync/entry-claims.js';
import type { ClaimMapping } from '../sync/types.js';
import type { EntryValues } from './entry-values.js';
import { parsedClaims } from './parsed-claims.js';
import { plainEntryClaims } from './plain-claims.js';
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
 * (300,000 of them for three claims of 100,000 users). Answered at once
 * unless ranges must be read: 100,000 entries then make no promise each.
 * The user search reads them with the entry (parsed-claims.ts).
 */
export function readClaimValues(
  client: Client | RangeSearcher,
  entry: Entry,
  values: EntryValues,
  mappings: ClaimMapping[],
): string | undefined | Promise<string | undefined> {
  if (mappings.length === 0) return undefined;
  const parsed = parsedClaims(entry);
  if (parsed !== undefined) return parsed;
  for (const { attribute } of mappings) {
    if (attribute !== null && values.first(attribute) === undefined && hasRangedValues(entry)) return readRangedClaims(client, entry, values, mappings);
  }
  return plainEntryClaims(values, mappings) ?? joinClaimSlots(mappings.map((m) => slotOf(values, m)));
}

/** One claim's slot, from the values the entry has or, for a ranged attribute, `found`. */
function slotOf(values: EntryValues, { attribute, multi }: ClaimMapping, found?: Buffer[]): string {
  if (attribute === null) return '';
  if (!multi) {
    // The first value only: no list of the values is made.
    const first = found ? found[0] : values.first(attribute);
    return first === undefined ? '' : claimSlot(stringClaim(attribute, first));
  }
  const all = found ?? values.all(attribute);
  return all.length === 0 ? '' : claimSlot(arrayClaim(attribute, all));
}

async function readRangedClaims(client: Client | RangeSearcher, entry: Entry, values: EntryValues, mappings: ClaimMapping[]): Promise<string> {
  const slots: string[] = [];
  for (const mapping of mappings) {
    const { attribute } = mapping;
    let found = attribute === null ? [] : values.all(attribute);
    if (attribute !== null && found.length === 0) found = (await completeRangedValues(client, entry, attribute))?.values ?? found;
    slots.push(slotOf(values, mapping, found));
  }
  return joinClaimSlots(slots);
}
