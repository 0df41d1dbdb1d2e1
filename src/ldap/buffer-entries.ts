// How ldapts parses search entries for the reader: every value as bytes,
// never decoded to a string first, and (entry-parser.ts) straight into the
// Entry. These hooks on ldapts's classes apply to every client of the process;
// searches for anything but ALL_ATTRIBUTES_AS_BUFFERS are parsed as before.
import { Attribute, MessageParser, SearchEntry, type Entry } from 'ldapts';
import type { ClaimMapping } from '../sync/types.js';
import { parseSearchEntry, type ParsedEntry } from './entry-parser.js';
import './message-chunks.js';
import { ClaimParsing, parsedClaims } from './parsed-claims.js';

/**
 * ldapts decides Buffer-or-string per value and matches
 * `explicitBufferAttributes` case-sensitively against the server's spelling,
 * so a binary id that happens to be valid UTF-8 could arrive as a string. Its
 * only use of the list is `.includes(type)`; answering yes for every type gives
 * us the raw bytes of every value, and we decode text ourselves.
 */
class EveryAttribute extends Array<string> {
  /** The user search's claims, read as its entries are parsed (claimsAsBytes). */
  claims: ClaimParsing | undefined;

  override includes(): boolean {
    return true;
  }
}
export const ALL_ATTRIBUTES_AS_BUFFERS: string[] = new EveryAttribute();
/** The same, and attributes of several values kept as PackedValues (packed-values.ts): the group reads. */
export const MANY_VALUES_PACKED: string[] = new EveryAttribute();
const asBuffers = (list: string[] | undefined) => list instanceof EveryAttribute;

/**
 * ALL_ATTRIBUTES_AS_BUFFERS for a search whose claims are read from each
 * entry's message as it is parsed (parsed-claims.ts); `others`: the
 * attributes the search reads besides the claims.
 */
export function claimsAsBytes(mappings: ClaimMapping[], others: string[]): string[] {
  if (mappings.length === 0) return ALL_ATTRIBUTES_AS_BUFFERS;
  const list = new EveryAttribute();
  list.claims = new ClaimParsing(mappings, others);
  return list;
}

/**
 * ldapts's Attribute.parse also decodes every value to a string unless the
 * type ends in ";binary" (its _isBinaryType), and SearchEntry.toObject then
 * drops those strings for the bytes when the type is asked for as Buffers,
 * which ALL_ATTRIBUTES_AS_BUFFERS asks for every type. The strings are never
 * read: a million at L, each alive until its page is complete, so many are
 * copied out of the young generation first. While an entry answering such a
 * search is parsed, every type counts as binary here; the Entry it becomes is
 * the same. Other searches (root DSE, visibility probes) are decoded as before.
 * test/unit/entry-values.test.ts fails when ldapts no longer calls these hooks.
 */
let parsingForBuffers = false;
let packing = false;
let claims: ClaimParsing | undefined;
type Hooked = {
  _getMessageFromProtocolOperation(this: MessageParser, id: number, operation: number, reader: unknown, request?: { explicitBufferAttributes?: string[] }): unknown;
  _isBinaryType(this: Attribute): boolean;
};
const parserHooks = MessageParser.prototype as unknown as Hooked;
const attributeHooks = Attribute.prototype as unknown as Hooked;
const parseMessage = parserHooks._getMessageFromProtocolOperation;
const isBinaryType = attributeHooks._isBinaryType;
parserHooks._getMessageFromProtocolOperation = function (id, operation, reader, request) {
  const list = request?.explicitBufferAttributes;
  parsingForBuffers = asBuffers(list);
  packing = list === MANY_VALUES_PACKED;
  claims = list instanceof EveryAttribute ? list.claims : undefined;
  try {
    return parseMessage.call(this, id, operation, reader, request);
  } finally {
    parsingForBuffers = false;
    packing = false;
    claims = undefined;
  }
};
attributeHooks._isBinaryType = function () {
  return parsingForBuffers || isBinaryType.call(this);
};

/** Where parseMessage below keeps an entry it read itself, for toObject. */
const PARSED = Symbol('entry read by entry-parser.ts');
type ReaderFields = { buffer: Buffer; offset: number; size: number };
type ToObject = (this: SearchEntry, requestAttributes: string[], explicitBufferAttributes: string[]) => Entry;
type EntryHooks = { parseMessage(this: SearchEntry, reader: ReaderFields): void; toObject: ToObject };
const entryHooks = SearchEntry.prototype as unknown as EntryHooks;
const parseEntryMessage = entryHooks.parseMessage;
const toObject = entryHooks.toObject;

/** An entry answering such a search, read by entry-parser.ts; one of another shape is left to ldapts. */
entryHooks.parseMessage = function (reader) {
  const { buffer, offset, size } = reader;
  const parsed = !parsingForBuffers ? undefined : claims ? claims.parse(buffer, offset, size) : parseSearchEntry(buffer, offset, size, packing);
  if (parsed === undefined) return parseEntryMessage.call(this, reader);
  this.name = parsed.entry.dn as string;
  (this as SearchEntry & { [PARSED]?: ParsedEntry })[PARSED] = parsed;
  reader.offset = parsed.end;
};

/** Each attribute's bytes as entry-parser.ts keeps them, for an entry ldapts read itself. */
function entryOf(entry: SearchEntry): Entry {
  const result: Entry = { dn: entry.name };
  for (const attribute of entry.attributes) {
    const values = attribute.parsedBuffers;
    result[attribute.type] = values.length === 1 ? (values[0] as Buffer) : values.length === 0 ? [] : values;
  }
  return result;
}

const returned = (types: string[], name: string) => {
  const lower = name.toLocaleLowerCase();
  return types.some((type) => type.toLocaleLowerCase() === lower);
};

/**
 * SearchEntry.toObject, for an entry answering such a search, without what
 * ldapts does for every entry to find requested attributes the server did not
 * return: a Set of every returned type, each lower-cased with
 * toLocaleLowerCase, and an includes() call per type. That work grows with
 * the attributes asked for (custom claims add three per user at L: 300,000
 * more calls each). The object is the same: every returned type with its
 * bytes (one value as itself, several as the array, none as []), and [] for
 * a requested name that no returned type matches case-insensitively, which
 * is looked for only when the name itself is missing.
 */
entryHooks.toObject = function (requestAttributes, explicitBufferAttributes) {
  if (!asBuffers(explicitBufferAttributes)) return toObject.call(this, requestAttributes, explicitBufferAttributes);
  const parsed = (this as SearchEntry & { [PARSED]?: ParsedEntry })[PARSED];
  const result = parsed?.entry ?? entryOf(this);
  // An attribute that only the claims read, and that they read with the entry, is never looked for in it.
  const claimed = parsedClaims(result) === undefined ? undefined : (explicitBufferAttributes as EveryAttribute).claims;
  for (const name of claimed?.unclaimed(requestAttributes) ?? requestAttributes) {
    // `in`, not typeof: packed values (packed-values.ts) would be made Buffers by reading them; no value is undefined.
    if (!(name in result) && !returned(parsed?.types ?? this.attributes.map((a) => a.type), name)) result[name] = [];
  }
  return result;
};
