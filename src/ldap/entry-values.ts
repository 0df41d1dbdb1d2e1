import { Attribute, MessageParser, SearchEntry, type Entry } from 'ldapts';
// Installs its hook on ldapts's MessageParser for every client of the process, as the hooks below.
import './message-chunks.js';

/**
 * ldapts decides Buffer-or-string per value and matches
 * `explicitBufferAttributes` case-sensitively against the server's spelling,
 * so a binary id that happens to be valid UTF-8 could arrive as a string. Its
 * only use of the list is `.includes(type)`; answering yes for every type gives
 * us the raw bytes of every value, and we decode text ourselves.
 */
class EveryAttribute extends Array<string> {
  override includes(): boolean {
    return true;
  }
}
export const ALL_ATTRIBUTES_AS_BUFFERS: string[] = new EveryAttribute();

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
type Hooked = {
  _getMessageFromProtocolOperation(this: MessageParser, id: number, operation: number, reader: unknown, request?: { explicitBufferAttributes?: string[] }): unknown;
  _isBinaryType(this: Attribute): boolean;
};
const parserHooks = MessageParser.prototype as unknown as Hooked;
const attributeHooks = Attribute.prototype as unknown as Hooked;
const parseMessage = parserHooks._getMessageFromProtocolOperation;
const isBinaryType = attributeHooks._isBinaryType;
parserHooks._getMessageFromProtocolOperation = function (id, operation, reader, request) {
  parsingForBuffers = request?.explicitBufferAttributes === ALL_ATTRIBUTES_AS_BUFFERS;
  try {
    return parseMessage.call(this, id, operation, reader, request);
  } finally {
    parsingForBuffers = false;
  }
};
attributeHooks._isBinaryType = function () {
  return parsingForBuffers || isBinaryType.call(this);
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
type ToObject = (this: SearchEntry, requestAttributes: string[], explicitBufferAttributes: string[]) => Entry;
const entryHooks = SearchEntry.prototype as unknown as { toObject: ToObject };
const toObject = entryHooks.toObject;
const returned = (entry: SearchEntry, name: string) => {
  const lower = name.toLocaleLowerCase();
  return entry.attributes.some((attribute) => attribute.type.toLocaleLowerCase() === lower);
};
entryHooks.toObject = function (requestAttributes, explicitBufferAttributes) {
  if (explicitBufferAttributes !== ALL_ATTRIBUTES_AS_BUFFERS) return toObject.call(this, requestAttributes, explicitBufferAttributes);
  const result: Entry = { dn: this.name };
  for (const attribute of this.attributes) {
    const values = attribute.parsedBuffers;
    result[attribute.type] = values.length === 1 ? (values[0] as Buffer) : values.length === 0 ? [] : values;
  }
  for (const name of requestAttributes) {
    if (typeof result[name] === 'undefined' && !returned(this, name)) result[name] = [];
  }
  return result;
};

const asBuffer = (value: Buffer | string): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));

/** One attribute's values as Buffers, whatever shape ldapts returned (scalar or array, string or Buffer). */
export function valuesAsBuffers(value: Entry[string]): Buffer[] {
  const values = Array.isArray(value) ? value : [value];
  // Asked for as Buffers (ALL_ATTRIBUTES_AS_BUFFERS), they nearly always are: a group's many member values are then not copied.
  if (values.every((v) => Buffer.isBuffer(v))) return values as Buffer[];
  return values.map(asBuffer);
}

/** The few attribute names a read meets, each lower-cased once instead of once per entry (bounded: a server picks the names). */
const NAMES_KEPT = 1000;

/** `compute(key)`, remembered in `cache` for the first NAMES_KEPT keys. */
function remembered(cache: Map<string, string>, key: string, compute: (key: string) => string): string {
  const known = cache.get(key);
  if (known !== undefined) return known;
  const value = compute(key);
  if (cache.size < NAMES_KEPT) cache.set(key, value);
  return value;
}

/** An attribute name as the server sent it, lower-cased, `;binary` dropped. */
const NAMES = new Map<string, string>();
function withoutBinary(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(';binary') ? lower.slice(0, -';binary'.length) : lower;
}
const attributeName = (key: string) => remembered(NAMES, key, withoutBinary);

/** A configured attribute name, lower-cased. */
const ASKED = new Map<string, string>();
const lowerCase = (name: string) => name.toLowerCase();
const askedName = (attribute: string) => remembered(ASKED, attribute, lowerCase);

/** The first of one attribute's values, as a Buffer. */
function firstOf(value: Entry[string] | undefined): Buffer | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : asBuffer(first);
}

/**
 * An entry's values by lower-cased attribute name. LDAP attribute names are
 * case-insensitive; Pocket ID compares them case-sensitively, so a configured
 * `entryuuid` reads nothing there but works here (a documented difference).
 * Options such as `;binary` are dropped from the name; `;range=` options are
 * kept so that ranged values are never mistaken for the full set. Values are
 * kept as ldapts returned them and made Buffers when asked for: a read of L
 * makes 100,000 of these, and first() of a single value allocates nothing.
 */
export class EntryValues {
  private readonly byName = new Map<string, Entry[string]>();

  constructor(entry: Entry) {
    for (const key in entry) {
      if (key !== 'dn') this.byName.set(attributeName(key), entry[key] as Entry[string]);
    }
  }

  all(attribute: string): Buffer[] {
    if (attribute === '') return [];
    const value = this.byName.get(askedName(attribute));
    return value === undefined ? [] : valuesAsBuffers(value);
  }

  /** The first value, like go-ldap's GetAttributeValue. */
  first(attribute: string): Buffer | undefined {
    return attribute === '' ? undefined : firstOf(this.byName.get(askedName(attribute)));
  }
}

/**
 * One attribute's first value, as EntryValues.first() gives it, without the
 * map of every attribute: an id scan reads one attribute of 100,000 entries.
 */
export function firstValue(entry: Entry, attribute: string): Buffer | undefined {
  const wanted = askedName(attribute);
  let found: Entry[string] | undefined;
  // The last spelling wins, as in EntryValues (one map entry per name).
  for (const key in entry) if (key !== 'dn' && attributeName(key) === wanted) found = entry[key];
  return firstOf(found);
}
