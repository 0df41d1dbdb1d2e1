// What reading one entry needs, shared by the full read (directory-reader.ts)
// and the incremental one (change-reader.ts).
import { NoSuchObjectError, type Client, type Entry, type Filter } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { decodeUtf8 } from '../text/go-text.js';
import { describeError, LdapError } from './connection.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, type EntryValues } from './entry-values.js';
import type { KnownUsers } from './known-users.js';
import type { PackedValues } from './packed-values.js';
import type { DirectoryGroup, DirectoryUser } from '../sync/snapshot.js';

/**
 * What a read for incremental runs also hands over (src/ldap/change-reader.ts):
 * the change markers of every entry and each group's member values as read
 * (ranges followed, before nested groups are told apart).
 */
export interface ReadTracking {
  /** Requested on every user and group entry besides the synced attributes. */
  attributes: string[];
  user(user: DirectoryUser, values: EntryValues, hasAccountFlag: boolean): void;
  /** Once every user is read: the users member values may name, as the member resolver knows them (kept for the next runs). */
  usersRead(users: KnownUsers): void;
  /** Returns the known user each member value names (-1 for none) when it looked them up: the resolver need not again. */
  group(group: DirectoryGroup, values: EntryValues, members: Buffer[] | PackedValues): Int32Array | undefined;
}

/** What reading one entry needs: the connection, the settings and the log. */
export interface EntryContext {
  client: Client;
  settings: LdapSettings;
  log: Logger;
}

/** Base-object searches in flight at once on the one connection (member lookups, entries read again by DN). */
const BASE_SEARCHES_AT_ONCE = 8;

/** Runs `each` for every item, BASE_SEARCHES_AT_ONCE at a time. */
export async function eachAtOnce<T>(items: T[], each: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await each(next);
  };
  await Promise.all(Array.from({ length: Math.min(BASE_SEARCHES_AT_ONCE, queue.length) }, worker));
}

/**
 * One entry by DN, if it still matches `filter`; undefined when it does not or
 * no longer exists (deleted or renamed since it was seen). Any other error
 * fails the run, naming `what` was read. `asBuffers`: MANY_VALUES_PACKED
 * for a group whose members are compared with a kept copy (kept-members.ts).
 * `filter` is parsed by the caller (FilterParser.parseString), once for all
 * its reads: ldapts would parse a text filter again for every search.
 */
export async function readByDn(client: Client, dn: string, filter: Filter, attributes: string[], what: string, asBuffers = ALL_ATTRIBUTES_AS_BUFFERS): Promise<Entry | undefined> {
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', derefAliases: 'never', filter, attributes, explicitBufferAttributes: asBuffers });
    return searchEntries[0];
  } catch (error) {
    if (error instanceof NoSuchObjectError) return undefined;
    throw new LdapError('ldap_search', `failed to read ${what} ${dn}: ${describeError(error)}`, { cause: error });
  }
}

export function unique(names: string[]): string[] {
  return [...new Set(names.filter((name) => name !== ''))];
}

export interface TextReader {
  invalidAttribute?: string;
  read(attribute: string): string;
}

// Text attributes must be valid UTF-8 without NUL: PostgreSQL rejects both and
// Pocket ID would then abort the whole run. The entry is flagged instead and
// the plan skips it with the attribute's name.
export function textReader(values: EntryValues): TextReader {
  const reader: TextReader = {
    read(attribute) {
      const raw = values.first(attribute);
      if (raw === undefined) return '';
      const text = decodeUtf8(raw);
      if (text === null || text.includes('\u0000')) {
        reader.invalidAttribute ??= attribute;
        return '';
      }
      return text;
    },
  };
  return reader;
}
