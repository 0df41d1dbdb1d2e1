// How directory values become custom_claims.value text so that Pocket ID emits
// them with the type the operator configured. Pocket ID v2.14
// (backend/internal/oidc/claims_service.go, GetUserClaims) runs Go's
// json.Unmarshal on every stored value and emits the result when it parses,
// the text as a string otherwise. So a string whose text happens to be JSON
// (123, true, null, {...}, "x") is stored JSON-encoded ("123" with quotes) and
// still arrives as a string; other strings are stored as they are, as an
// admin would type them. Arrays are always stored as a JSON array of strings.
import { decodeUtf8, nfc } from '../text/go-text.js';

/** Largest stored value, in bytes of UTF-8: a claim rides in every ID token of the user. */
export const MAX_CLAIM_VALUE_BYTES = 8192;

export type ClaimSkipReason = 'claim-not-text' | 'claim-too-long';

export type ClaimValue =
  | { kind: 'value'; stored: string }
  | { kind: 'absent' }
  | { kind: 'skip'; reason: ClaimSkipReason; message: string };

const ABSENT: ClaimValue = { kind: 'absent' };

/** What a JSON text can start with, after JSON's whitespace: an object, array, string, number or literal. */
const JSON_START = /^[ \t\n\r]*[{["\-0-9tfn]/;

/**
 * True when Go's json.Unmarshal into `any` would accept the text. JSON.parse
 * accepts the same grammar (RFC 8259, the same four whitespace characters);
 * where it is more lenient (1e999 parses here, overflows in Go) quoting is
 * harmless: the token then carries the original text either way.
 */
export function parsesAsJson(text: string): boolean {
  // Most values (names, departments) cannot start a JSON value: answer without a throw per value.
  if (!JSON_START.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The stored form of one string claim value. */
export function storedString(text: string): string {
  return parsesAsJson(text) ? JSON.stringify(text) : text;
}

/** What Pocket ID puts in the token for a stored value (its rule, for tests and reports). */
export function emittedValue(stored: string): unknown {
  try {
    return JSON.parse(stored) as unknown;
  } catch {
    return stored;
  }
}

/** A character that is NUL or not ASCII: text without one is valid UTF-8, NUL-free and NFC as it is. */
const NOT_PLAIN_ASCII = /[^\x01-\x7f]/;

function decode(raw: Buffer): string | null {
  // Most directory values are plain ASCII: one copy and one scan of it, the cheap path for the
  // 300,000 values of L (a native isAscii call per value cost more than the copy).
  const latin1 = raw.toString('latin1');
  if (!NOT_PLAIN_ASCII.test(latin1)) return latin1;
  const text = decodeUtf8(raw);
  return text === null || text.includes('\u0000') ? null : nfc(text);
}

/**
 * The stored value for an attribute's values: the first value as a string, or
 * with `multi` every value as a JSON array (also for one value). No values or
 * only empty ones: absent. Any value that is not UTF-8 text, or holds a NUL
 * byte, skips the whole claim, as does a stored value over the size limit: a
 * partial array would be a wrong value, not a smaller one.
 */
export function claimValue(attribute: string, values: Buffer[], multi: boolean): ClaimValue {
  return multi ? arrayClaim(attribute, values) : stringClaim(attribute, values[0]);
}

/** The claim of an attribute's first value (`claim=attribute`). */
export function stringClaim(attribute: string, first: Buffer | undefined): ClaimValue {
  const text = first === undefined ? '' : decode(first);
  if (text === null) return notText(attribute);
  if (text === '') return ABSENT;
  return sized(attribute, storedString(text));
}

/** The claim of all an attribute's values (`claim=attribute[]`). */
export function arrayClaim(attribute: string, values: Buffer[]): ClaimValue {
  const texts: string[] = [];
  for (const raw of values) {
    const text = decode(raw);
    if (text === null) return notText(attribute);
    if (text !== '') texts.push(text);
  }
  return texts.length === 0 ? ABSENT : sized(attribute, JSON.stringify(texts));
}

function sized(attribute: string, stored: string): ClaimValue {
  // UTF-8 needs at most 3 bytes per UTF-16 unit: only long values are worth counting.
  const bytes = stored.length * 3 > MAX_CLAIM_VALUE_BYTES ? Buffer.byteLength(stored, 'utf8') : 0;
  if (bytes > MAX_CLAIM_VALUE_BYTES) {
    return { kind: 'skip', reason: 'claim-too-long', message: `attribute ${attribute} gives a value of ${bytes} bytes, more than ${MAX_CLAIM_VALUE_BYTES}` };
  }
  return { kind: 'value', stored };
}

function notText(attribute: string): ClaimValue {
  return { kind: 'skip', reason: 'claim-not-text', message: `attribute ${attribute} has a value that is not UTF-8 text or holds a NUL byte` };
}
