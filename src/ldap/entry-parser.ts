// A SearchResultEntry (RFC 4511: objectName, then a SEQUENCE of PartialAttribute
// SEQUENCE { type, SET OF value }) read straight from its message's bytes into
// the Entry the reader takes, every value as a Buffer. ldapts makes an Attribute
// with two arrays per attribute, decodes each type name anew and then copies it
// all into the Entry (SearchEntry.toObject), through several calls per value:
// for 1.6 million values and 700,000 attributes at L. Anything not of that
// plain shape returns undefined, and ldapts's own parser reads it as before.
import type { Entry } from 'ldapts';
import { PackedValues, setPacked } from './packed-values.js';

const OCTET_STRING = 0x04;
const SEQUENCE = 0x30;
const SET = 0x31;

/** An entry as read: its Entry (dn, then each type with one value as itself, several as the array, none as []), its types in order, and where it ends. */
export interface ParsedEntry {
  entry: Entry;
  types: string[];
  end: number;
}

// The content of the last element header() read: set there, read right after (no object per element).
let contentStart = 0;
let contentEnd = 0;

/** Whether an element of `tag` starts at `at` and ends by `end`; its content is then contentStart..contentEnd. */
function header(buffer: Buffer, at: number, end: number, tag: number): boolean {
  if (at + 2 > end || buffer[at] !== tag) return false;
  let length = buffer[at + 1] as number;
  let pos = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || pos + bytes > end) return false;
    length = 0;
    for (let k = 0; k < bytes; k++) length = length * 256 + (buffer[pos++] as number);
  }
  if (pos + length > end) return false;
  contentStart = pos;
  contentEnd = pos + length;
  return true;
}

/** The type names met, by their bytes: a read meets a handful, each decoded once (bounded: a server picks the names). */
const TYPES_KEPT = 64;
const typeBytes: Buffer[] = [];
const typeNames: string[] = [];

/** The type name in buffer[start..end), as ldapts decodes it; `hint`: its place in the entry, where the last entry had the same type. */
function typeName(buffer: Buffer, start: number, end: number, hint: number): string {
  const length = end - start;
  for (let n = 0; n < typeBytes.length; n++) {
    const k = (hint + n) % typeBytes.length;
    const known = typeBytes[k] as Buffer;
    if (known.length !== length) continue;
    let same = true;
    for (let b = 0; b < length && same; b++) same = known[b] === buffer[start + b];
    if (same) return typeNames[k] as string;
  }
  const name = buffer.toString('utf8', start, end);
  if (typeBytes.length < TYPES_KEPT) {
    typeBytes.push(Buffer.from(buffer.subarray(start, end)));
    typeNames.push(name);
  }
  return name;
}

/**
 * Bounds of the values of the SET last read by valueBounds(): start and end of value k at 2k, 2k+1 (grown
 * as needed). Shared with parsed-claims.ts, which reads them right after asking, as values() does.
 */
export let bounds = new Int32Array(2048);

/** An attribute with more than one value is packed when asked (PackedValues): a group's members. */
export const PACK_AT_LEAST = 2;

/** Reads the values of the SET at [at, end) into `bounds`: their count, -1 when malformed. */
export function valueBounds(buffer: Buffer, at: number, end: number): number {
  if (at === end) return 0;
  if (!header(buffer, at, end, SET) || contentEnd !== end) return -1;
  let count = 0;
  for (let pos = contentStart; pos < end; pos = contentEnd) {
    if (!header(buffer, pos, end, OCTET_STRING)) return -1;
    if (2 * count + 2 > bounds.length) {
      const larger = new Int32Array(bounds.length * 2);
      larger.set(bounds);
      bounds = larger;
    }
    bounds[2 * count] = contentStart;
    bounds[2 * count + 1] = contentEnd;
    count += 1;
  }
  return count;
}

/**
 * The values of the SET at `at` that ends its attribute at `end`: one as
 * itself, several as an array, none as []; with `pack`, PACK_AT_LEAST or more
 * as PackedValues. Undefined when malformed.
 */
function values(buffer: Buffer, at: number, end: number, pack: boolean): Buffer | Buffer[] | PackedValues | undefined {
  const count = valueBounds(buffer, at, end);
  if (count < 0) return undefined;
  if (pack && count >= PACK_AT_LEAST) return new PackedValues(buffer, bounds.slice(0, 2 * count), count);
  if (count === 1) return buffer.subarray(bounds[0], bounds[1]);
  const all = new Array<Buffer>(count);
  for (let k = 0; k < count; k++) all[k] = buffer.subarray(bounds[2 * k], bounds[2 * k + 1]);
  return all;
}

/** Offered each attribute's values, the SET at [at, end) of the message, first (parsed-claims.ts); true: it took them, the entry goes without. */
export interface ValueTaker {
  take(type: string, at: number, end: number): boolean;
}

/**
 * The entry whose objectName starts at `at` in a message ending at `end`;
 * undefined when it is not of the plain shape. With `pack`, attributes of
 * several values are set as PackedValues (packed-values.ts); `taker` is
 * offered each attribute first.
 */
export function parseSearchEntry(buffer: Buffer, at: number, end: number, pack = false, taker?: ValueTaker): ParsedEntry | undefined {
  if (!header(buffer, at, end, OCTET_STRING)) return undefined;
  const entry: Entry = { dn: buffer.toString('utf8', contentStart, contentEnd) };
  if (!header(buffer, contentEnd, end, SEQUENCE)) return undefined;
  const last = contentEnd;
  const types: string[] = [];
  for (let pos = contentStart; pos < last; ) {
    if (!header(buffer, pos, last, SEQUENCE)) return undefined;
    const attributeEnd = contentEnd;
    if (!header(buffer, contentStart, attributeEnd, OCTET_STRING)) return undefined;
    const type = typeName(buffer, contentStart, contentEnd, types.length);
    types.push(type);
    if (taker?.take(type, contentEnd, attributeEnd)) {
      pos = attributeEnd;
      continue;
    }
    const read = values(buffer, contentEnd, attributeEnd, pack);
    if (read === undefined) return undefined;
    if (read instanceof PackedValues) setPacked(entry, type, read);
    else entry[type] = read;
    pos = attributeEnd;
  }
  return { entry, types, end: last };
}
