// An entry's configured claims as one string (DirectoryUser.claims,
// DirectoryGroup.claims): one slot per configured claim, in the order of the
// setting, separated by RS (U+001E). A slot holds
// - the value to store, in the escaping of the stored-claims text
//   (src/sync/stored-claims.ts), so the plan compares it with the stored row
//   in place, without unescaping either;
// - nothing, when the entry has no value (a stored value is never empty) or
//   the claim is retired;
// - `\S`, the reason, US (U+001F) and the escaped message, when the value
//   cannot be used (that escaping never writes `\S`, so no value looks so).
// 100,000 users with three claims are then 100,000 short strings kept through
// the run instead of 100,000 maps and 300,000 objects; a claim becomes an
// object only where it differs from the stored one (docs/performance-history.md,
// "Custom claims: how their cost came down").
import type { ClaimSkipReason, ClaimValue } from './claim-values.js';
import { escapeValue, FIELD_SEPARATOR, RECORD_SEPARATOR, unescapeValue } from './stored-claims.js';

const SKIPPED = '\\S';

/** The slot of one claim value. */
export function claimSlot(value: ClaimValue): string {
  if (value.kind === 'value') return escapeValue(value.stored);
  if (value.kind === 'absent') return '';
  return `${SKIPPED}${value.reason}${FIELD_SEPARATOR}${escapeValue(value.message)}`;
}

/** An entry's claims from its slots, one per configured claim in order. */
export function joinClaimSlots(slots: string[]): string {
  return slots.join(RECORD_SEPARATOR);
}

/** Where slot `index` starts in `claims` (an index past the slots: -1). */
export function slotStart(claims: string, index: number): number {
  let start = 0;
  for (let k = 0; k < index; k++) {
    const separator = claims.indexOf(RECORD_SEPARATOR, start);
    if (separator === -1) return -1;
    start = separator + 1;
  }
  return start;
}

/** Where the slot starting at `start` ends. */
export function slotEnd(claims: string, start: number): number {
  const end = claims.indexOf(RECORD_SEPARATOR, start);
  return end === -1 ? claims.length : end;
}

const ABSENT: ClaimValue = { kind: 'absent' };

/** Slot `index` of an entry's claims as a value (for a claim that differs from the stored one, and for tests). */
export function claimAt(claims: string | undefined, index: number): ClaimValue {
  const start = claims === undefined ? -1 : slotStart(claims, index);
  if (claims === undefined || start === -1) return ABSENT;
  const slot = claims.slice(start, slotEnd(claims, start));
  if (slot === '') return ABSENT;
  if (!slot.startsWith(SKIPPED)) return { kind: 'value', stored: unescapeValue(slot) };
  const separator = slot.indexOf(FIELD_SEPARATOR);
  return { kind: 'skip', reason: slot.slice(SKIPPED.length, separator) as ClaimSkipReason, message: unescapeValue(slot.slice(separator + 1)) };
}
