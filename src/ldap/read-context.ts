// What reading one entry needs, shared by the full read (directory-reader.ts)
// and the incremental one (change-reader.ts).
import type { Client } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { decodeUtf8 } from '../text/go-text.js';
import type { EntryValues } from './entry-values.js';
import type { KnownUsers } from './known-users.js';
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
  group(group: DirectoryGroup, values: EntryValues, members: Buffer[]): void;
}

/** What reading one entry needs: the connection, the settings and the log. */
export interface EntryContext {
  client: Client;
  settings: LdapSettings;
  log: Logger;
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
