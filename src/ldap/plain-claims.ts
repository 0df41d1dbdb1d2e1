// An entry's claims from its EntryValues when every value they use is plain
// text (claim-bytes.ts): one string per entry, byte for byte the general
// path's (src/sync/claim-values.ts), or null for the general path to answer.
// The user search reads its claims with the entry instead (parsed-claims.ts).
import type { ClaimMapping } from '../sync/types.js';
import { MAX_CLAIM_VALUE_BYTES } from '../sync/claim-values.js';
import { bytes, type ClaimBytes } from './claim-bytes.js';
import type { EntryValues } from './entry-values.js';

/** A string claim's slot from its first value, if any. */
const stringSlot = (out: ClaimBytes, first: Buffer | undefined) => first === undefined || out.stringSlot(first, 0, first.length);

/** An array claim's slot from Buffers. */
function arraySlot(out: ClaimBytes, all: Buffer[]): boolean {
  let written = 0;
  for (const raw of all) {
    if (raw.length === 0) continue;
    if (!out.arrayValue(raw, 0, raw.length, written)) return false;
    written++;
  }
  return out.arrayEnd(written);
}

/**
 * The entry's claim string (entry-claims.ts) when every value the claims use
 * is plain and no slot is over the size limit; null otherwise, for the general
 * path to answer.
 */
export function plainEntryClaims(values: EntryValues, mappings: ClaimMapping[]): string | null {
  const out = bytes;
  out.length = 0;
  for (let k = 0; k < mappings.length; k++) {
    if (!out.startSlot(k)) return null;
    const { attribute, multi } = mappings[k] as ClaimMapping;
    if (attribute === null) continue;
    const start = out.length;
    if (!(multi ? arraySlot(out, values.all(attribute)) : stringSlot(out, values.first(attribute)))) return null;
    if (out.length - start > MAX_CLAIM_VALUE_BYTES) return null;
  }
  return out.text();
}
