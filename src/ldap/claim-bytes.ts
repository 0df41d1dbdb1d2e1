// Claim values that are plain text: printable ASCII
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
// The bytes are read where they lie: from a Buffer (plain-claims.ts) or from
// the entry's message (parsed-claims.ts).
import { MAX_CLAIM_VALUE_BYTES } from '../sync/claim-values.js';

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

/** JSON's number grammar (RFC 8259, section 6) from start to end; nothing at or past end is read (a message's next bytes). */
function isJsonNumber(raw: Buffer, start: number, end: number): boolean {
  let i = raw[start] === MINUS ? start + 1 : start;
  if (i < end && raw[i] === ZERO) i++;
  else if (i < end && isDigit(raw[i])) i = digitsEnd(raw, i, end);
  else return false;
  if (i < end && raw[i] === DOT) {
    const fraction = i + 1;
    i = digitsEnd(raw, fraction, end);
    if (i === fraction) return false;
  }
  if (i < end && (raw[i] === 0x65 || raw[i] === 0x45)) {
    i++;
    if (i < end && (raw[i] === PLUS || raw[i] === MINUS)) i++;
    const exponent = i;
    i = digitsEnd(raw, exponent, end);
    if (i === exponent) return false;
  }
  return i === end;
}

/**
 * Whether JSON.parse accepts a plain value (src/sync/claim-values.ts,
 * parsesAsJson), told from its bytes raw[from, to): a number or a literal, with
 * spaces around it; null when only parsing can tell (an object or an array).
 */
export function plainParsesAsJson(raw: Buffer, from = 0, to = raw.length): boolean | null {
  let start = from;
  let end = to;
  while (start < end && raw[start] === SPACE) start++;
  while (end > start && raw[end - 1] === SPACE) end--;
  if (start === end) return false;
  const first = raw[start] as number;
  if (first === OPEN_BRACE || first === OPEN_BRACKET) return null;
  if (first === MINUS || isDigit(first)) return isJsonNumber(raw, start, end);
  const literal = LITERALS.find((l) => l[0] === first);
  return literal !== undefined && end - start === literal.length && raw.compare(literal, 0, literal.length, start, end) === 0;
}

/** The claim string being written: bytes in a buffer reused for every entry (one read at a time); each value given as raw[from, to). */
export class ClaimBytes {
  private readonly buffer = Buffer.allocUnsafe(4 * MAX_CLAIM_VALUE_BYTES);
  length = 0;

  /** Appends a byte; false when the buffer is full. */
  byte(value: number): boolean {
    if (this.length === this.buffer.length) return false;
    this.buffer[this.length++] = value;
    return true;
  }

  /** Appends a plain value's bytes; false for a byte that is not plain, or when the buffer is full. */
  plain(raw: Buffer, from: number, to: number): boolean {
    if (this.length + to - from > this.buffer.length) return false;
    for (let i = from; i < to; i++) {
      const byte = raw[i] as number;
      if (byte < SPACE || byte > TILDE || byte === QUOTE || byte === BACKSLASH) return false;
      this.buffer[this.length++] = byte;
    }
    return true;
  }

  /** A string claim's slot: its first value, JSON-quoted when it would parse as JSON (claim-values.ts, storedString). */
  stringSlot(raw: Buffer, from: number, to: number): boolean {
    if (from === to) return true;
    const json = plainParsesAsJson(raw, from, to);
    if (json === null) return false;
    if (!json) return this.plain(raw, from, to);
    return this.byte(QUOTE) && this.plain(raw, from, to) && this.byte(QUOTE);
  }

  /**
   * One value of an array claim's slot, as JSON.stringify writes an array of
   * plain strings; `written`: the slot's values before it (empty ones are left
   * out, so the caller counts them). arrayEnd() closes the slot.
   */
  arrayValue(raw: Buffer, from: number, to: number, written: number): boolean {
    return this.byte(written === 0 ? OPEN_BRACKET : COMMA) && this.byte(QUOTE) && this.plain(raw, from, to) && this.byte(QUOTE);
  }

  arrayEnd(written: number): boolean {
    return written === 0 || this.byte(CLOSE_BRACKET);
  }

  /** Starts a slot (RS before all but the first); false when the buffer is full. */
  startSlot(index: number): boolean {
    return index === 0 || this.byte(RECORD_SEPARATOR);
  }

  text(): string {
    return this.buffer.toString('latin1', 0, this.length);
  }
}

export const bytes = new ClaimBytes();
