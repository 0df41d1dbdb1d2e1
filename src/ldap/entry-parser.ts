// A SearchResultEntry (RFC 4511: objectName, then a SEQUENCE of PartialAttribute
// SEQUENCE { type, SET OF value }) read straight from its message's bytes into
// the Entry the reader takes, every value as a Buffer. ldapts makes an Attribute
// with two arrays per attribute, decodes each type name anew and then copies it
// all into the Entry (SearchEntry.toObject), through several calls per value:
// for 1.6 million values and 700,000 attributes at L. Anything not of that
// plain shape returns undefined, and ldapts's own parser reads it as before.
import type { Entry } from 'ldapts';

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

/** The values of the SET at `at` that ends its attribute at `end`: one as itself, several as an array, none as []; undefined when malformed. */
function values(buffer: Buffer, at: number, end: number): Buffer | Buffer[] | undefined {
  if (at === end) return [];
  if (!header(buffer, at, end, SET) || contentEnd !== end) return undefined;
  let first: Buffer | undefined;
  let all: Buffer[] | undefined;
  for (let pos = contentStart; pos < end; pos = contentEnd) {
    if (!header(buffer, pos, end, OCTET_STRING)) return undefined;
    const value = buffer.subarray(contentStart, contentEnd);
    if (first === undefined) first = value;
    else if (all === undefined) all = [first, value];
    else all.push(value);
  }
  return all ?? first ?? [];
}

/** The entry whose objectName starts at `at` in a message ending at `end`; undefined when it is not of the plain shape. */
export function parseSearchEntry(buffer: Buffer, at: number, end: number): ParsedEntry | undefined {
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
    const read = values(buffer, contentEnd, attributeEnd);
    if (read === undefined) return undefined;
    entry[type] = read;
    types.push(type);
    pos = attributeEnd;
  }
  return { entry, types, end: last };
}
