// An entry's claims when every value they use is plain text: printable ASCII
// without `"` and `\`, the values of nearly every directory. Such a value needs
// no decoding, no NFC, no JSON escaping and no escaping in the stored-claims
// text, so its bytes go straight into the entry's claim string
// (src/sync/entry-claims.ts): one string per entry, where the general path
// (src/sync/claim-values.ts) makes a string per value, per JSON encoding and
// per slot and an object per claim, 100,000 entries of garbage for the
// collector on every run of L. The result is the general path's, byte for
// byte; whether a string value parses as JSON is decided here on its bytes,
// and anything this cannot tell (a value that may be a JSON object or array,
// a value over the size limit) is left to the general path.
import type { ClaimMapping } from '../sync/types.js';
import { MAX_CLAIM_VALUE_BYTES } from '../sync/claim-values.js';
import type { EntryValues } from './entry-values.js';

const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const TILDE = 0x7e;
/** entry-claims.ts's slot separator, RS. */
const RECORD_SEPARATOR = 0x1e;
const LITERALS = [Buffer.from('true'), Buffer.from('false'), Buffer.from('null')];

const isDigit = (byte: number | undefined) => byte !== undefined && byte >= ZERO && byte <= NINE;

/** The end of the digits from `at`. */
function digitsEnd(raw: Buffer, at: number, end: number): number {
  let i = at;
  while (i < end && isDigit(raw[i])) i++;
  return i;
}

/** JSON's number grammar (RFC 8259, section 6) from start to end. */
function isJsonNumber(raw: Buffer, start: number, end: number): boolean {
  let i = raw[start] === MINUS ? start + 1 : start;
  if (raw[i] === ZERO) i++;
  else if (isDigit(raw[i])) i = digitsEnd(raw, i, end);
  else return false;
  if (i < end && raw[i] === DOT) {
    const fraction = i + 1;
    i = digitsEnd(raw, fraction, end);
    if (i === fraction) return false;
  }
  if (i < end && (raw[i] === 0x65 || raw[i] === 0x45)) {
    i++;
    if (raw[i] === PLUS || raw[i] === MINUS) i++;
    const exponent = i;
    i = digitsEnd(raw, exponent, end);
    if (i === exponent) return false;
  }
  return i === end;
}

/**
 * Whether JSON.parse accepts a plain value (src/sync/claim-values.ts,
 * parsesAsJson), told from its bytes: a number or a literal, with spaces
 * around it; null when only parsing can tell (an object or an array).
 */
export function plainParsesAsJson(raw: Buffer): boolean | null {
  let start = 0;
  let end = raw.length;
  while (start < end && raw[start] === SPACE) start++;
  while (end > start && raw[end - 1] === SPACE) end--;
  if (start === end) return false;
  const first = raw[start] as number;
  if (first === OPEN_BRACE || first === OPEN_BRACKET) return null;
  if (first === MINUS || isDigit(first)) return isJsonNumber(raw, start, end);
  const literal = LITERALS.find((l) => l[0] === first);
  return literal !== undefined && end - start === literal.length && raw.compare(literal, 0, literal.length, start, end) === 0;
}

/** The claim string being written: bytes in a buffer reused for every entry (one read at a time). */
class ClaimBytes {
  private readonly buffer = Buffer.allocUnsafe(4 * MAX_CLAIM_VALUE_BYTES);
  length = 0;

  /** Appends a byte; false when the buffer is full. */
  byte(value: number): boolean {
    if (this.length === this.buffer.length) return false;
    this.buffer[this.length++] = value;
    return true;
  }

  /** Appends a plain value's bytes; false for a byte that is not plain, or when the buffer is full. */
  plain(raw: Buffer): boolean {
    if (this.length + raw.length > this.buffer.length) return false;
    for (let i = 0; i < raw.length; i++) {
      const byte = raw[i] as number;
      if (byte < SPACE || byte > TILDE || byte === QUOTE || byte === BACKSLASH) return false;
      this.buffer[this.length++] = byte;
    }
    return true;
  }

  text(): string {
    return this.buffer.toString('latin1', 0, this.length);
  }
}

const bytes = new ClaimBytes();

/** A string claim's slot: the first value, JSON-quoted when it would parse as JSON (claim-values.ts, storedString). */
function stringSlot(out: ClaimBytes, first: Buffer | undefined): boolean {
  if (first === undefined || first.length === 0) return true;
  const json = plainParsesAsJson(first);
  if (json === null) return false;
  if (!json) return out.plain(first);
  return out.byte(QUOTE) && out.plain(first) && out.byte(QUOTE);
}

/** An array claim's slot: every non-empty value, as JSON.stringify writes an array of plain strings. */
function arraySlot(out: ClaimBytes, all: Buffer[]): boolean {
  let written = 0;
  for (const raw of all) {
    if (raw.length === 0) continue;
    if (!out.byte(written === 0 ? OPEN_BRACKET : COMMA) || !out.byte(QUOTE) || !out.plain(raw) || !out.byte(QUOTE)) return false;
    written++;
  }
  return written === 0 || out.byte(CLOSE_BRACKET);
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
    if (k > 0 && !out.byte(RECORD_SEPARATOR)) return null;
    const { attribute, multi } = mappings[k] as ClaimMapping;
    if (attribute === null) continue;
    const start = out.length;
    if (!(multi ? arraySlot(out, values.all(attribute)) : stringSlot(out, values.first(attribute)))) return null;
    if (out.length - start > MAX_CLAIM_VALUE_BYTES) return null;
  }
  return out.text();
}
