import type { Entry } from 'ldapts';
import { ALL_ATTRIBUTES_AS_BUFFERS, claimsAsBytes, MANY_VALUES_PACKED } from './buffer-entries.js';
import { packedOf, PackedValues } from './packed-values.js';

// Where ldapts's search entries are parsed for the reader (ALL_ATTRIBUTES_AS_BUFFERS, the hooks on ldapts).
export { ALL_ATTRIBUTES_AS_BUFFERS, claimsAsBytes, MANY_VALUES_PACKED };

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
  private readonly byName = new Map<string, Entry[string] | PackedValues>();

  constructor(entry: Entry) {
    const packed = packedOf(entry);
    for (const key in entry) {
      if (key !== 'dn') this.byName.set(attributeName(key), packed?.[key] ?? (entry[key] as Entry[string]));
    }
  }

  all(attribute: string): Buffer[] {
    if (attribute === '') return [];
    const value = this.byName.get(askedName(attribute));
    return value === undefined ? [] : value instanceof PackedValues ? value.all() : valuesAsBuffers(value);
  }

  /** The values of `attribute` when the entry holds them packed (MANY_VALUES_PACKED), without a Buffer for each. */
  packed(attribute: string): PackedValues | undefined {
    const value = attribute === '' ? undefined : this.byName.get(askedName(attribute));
    return value instanceof PackedValues ? value : undefined;
  }

  /** The first value, like go-ldap's GetAttributeValue. */
  first(attribute: string): Buffer | undefined {
    if (attribute === '') return undefined;
    const value = this.byName.get(askedName(attribute));
    return value instanceof PackedValues ? value.at(0) : firstOf(value);
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
