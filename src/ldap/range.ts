// Ranged retrieval of multi-valued attributes (Active Directory, Samba):
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/e27b48db-6f82-44cd-9038-2e54f790cc1f
// A DC answers a request for `member` on a group with more than MaxValRange
// (default 1500) values with `member;range=0-1499` and at most an empty
// `member`; the rest must be asked for, `member;range=1500-*`, until the
// server answers with a range ending in `*`. Reading only the first block
// would make Pocket ID remove every member past it.
import type { Client, Entry, SearchOptions } from 'ldapts';
import { describeError, LdapError } from './connection.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, valuesAsBuffers } from './entry-values.js';

/** `attr;range=low-high`; `high` is null for `*` (the last block). */
export interface RangeOption {
  /** The attribute description without the range option, as the server spelled it. */
  attribute: string;
  low: number;
  high: number | null;
}

/**
 * Parses an attribute description carrying a range option, e.g.
 * `member;range=0-1499` or `Member;Range=1500-*`; other options are kept in
 * `attribute` (`member;binary;range=0-9` → `member;binary`). Null when the
 * description has no range option or a malformed one.
 */
export function parseRangeOption(description: string): RangeOption | null {
  const parts = description.split(';');
  const index = parts.findIndex((part, i) => i > 0 && /^range=/i.test(part));
  if (index < 0) return null;
  const match = /^range=(\d+)-(\d+|\*)$/i.exec(parts[index] ?? '');
  if (!match) return null;
  const low = Number(match[1]);
  const high = match[2] === '*' ? null : Number(match[2]);
  if (!Number.isSafeInteger(low) || (high !== null && (!Number.isSafeInteger(high) || high < low))) return null;
  return { attribute: parts.filter((_, i) => i !== index).join(';'), low, high };
}

/** `member` + 1500 → `member;range=1500-*`; with a size, `member;range=1500-2499`. */
export function rangeRequest(attribute: string, low: number, size?: number): string {
  return `${attribute};range=${low}-${size === undefined ? '*' : low + size - 1}`;
}

/** An attribute description without options, lower-cased: the key ranged values are compared by. */
function baseName(description: string): string {
  return (description.split(';')[0] ?? '').toLowerCase();
}

/**
 * The ranged block of `attribute` in an entry, if the server sent one. Keys
 * without values are passed over: ldapts adds every requested attribute the
 * server did not return as `[]`, so asking for `member;range=0-999` leaves an
 * empty `member;range=0-999` next to the server's `member;range=0-*`.
 */
export function findRange(entry: Entry, attribute: string): { range: RangeOption; values: Buffer[] } | null {
  const wanted = baseName(attribute);
  // Values are read only under a range option: a plain attribute's may be packed (src/ldap/packed-values.ts), made Buffers by reading.
  for (const key of Object.keys(entry)) {
    // A key without an option carries no range (parseRangeOption): passed over before it is split, as most keys of most entries are.
    if (!key.includes(';') || baseName(key) !== wanted) continue;
    const range = parseRangeOption(key);
    const values = range ? valuesAsBuffers(entry[key] as Entry[string]) : [];
    if (range && values.length > 0) return { range, values };
  }
  return null;
}

/** What range retrieval needs from a connection: one base-object search. ldapts' Client fits. */
export type RangeSearcher = Pick<Client, 'search'>;

export interface RangeOptions {
  /** Ask for blocks of this many values instead of letting the server choose (`low-*`). */
  size?: number;
  /** Stop a runaway server: more round trips than this fail the run. */
  maxRequests?: number;
}

export interface RangedValues {
  values: Buffer[];
  /** Follow-up base-object searches made. */
  requests: number;
}

/**
 * All values of `attribute` of `entry`, following range options. Null when the
 * entry carries no ranged block of the attribute (the plain values are then
 * the complete set). Throws LdapError when the set cannot be completed: a
 * follow-up fails, returns no block, or returns a block that does not start
 * where the previous one ended. A partial member list must never be taken for
 * the whole one.
 */
export async function completeRangedValues(
  client: RangeSearcher,
  entry: Entry,
  attribute: string,
  options: RangeOptions = {},
): Promise<RangedValues | null> {
  const first = findRange(entry, attribute);
  if (!first) return null;
  const name = first.range.attribute;
  const values = [...first.values];
  const maxRequests = options.maxRequests ?? 100_000;
  let range = first.range;
  let requests = 0;
  const fail = (why: string, cause?: unknown): never => {
    throw new LdapError('ldap_search', `failed to read all values of ${name} of ${entry.dn} (range retrieval): ${why}`, cause === undefined ? undefined : { cause });
  };
  if (range.low !== 0) fail(`the first block starts at ${range.low}, not 0`);
  while (range.high !== null) {
    if (requests >= maxRequests) fail(`more than ${maxRequests} follow-up reads`);
    const low = range.high + 1;
    const request = rangeRequest(name, low, options.size);
    requests += 1;
    let answer: Entry | undefined;
    try {
      const searchOptions: SearchOptions = {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: [request],
        explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS,
      };
      answer = (await client.search(entry.dn, searchOptions)).searchEntries[0];
    } catch (error) {
      fail(`reading ${request}: ${describeError(error)}`, error);
    }
    if (!answer) fail(`reading ${request}: the entry is gone`);
    const next = findRange(answer as Entry, name);
    if (!next) fail(`the server returned no values for ${request} (did the attribute shrink during the read?)`);
    const block = next as { range: RangeOption; values: Buffer[] };
    if (block.range.low !== low) fail(`asked for values from ${low}, the server answered ${block.range.low}-${block.range.high ?? '*'}`);
    values.push(...block.values);
    range = block.range;
  }
  return { values, requests };
}
