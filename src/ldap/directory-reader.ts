import type { Client, Entry } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { decodeUtf8, nfc } from '../sync/text.js';
import { describeError, LdapError } from './connection.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues } from './entry-values.js';
import { ldapIdFromBytes } from './ldap-id.js';
import { normalizeDN } from './dn.js';
import { MemberResolver } from './member-resolver.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from './snapshot.js';

interface TextReader {
  invalidAttribute?: string;
  read(attribute: string): string;
}

// Text attributes must be valid UTF-8 without NUL: PostgreSQL rejects both and
// Pocket ID would then abort the whole run. The entry is flagged instead and
// the plan skips it with the attribute's name.
function textReader(values: EntryValues): TextReader {
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

function unique(names: string[]): string[] {
  return [...new Set(names.filter((name) => name !== ''))];
}

/** Every entry matching the filter, page by page; any incomplete read throws. */
async function* pagedSearch(
  client: Client,
  settings: LdapSettings,
  what: string,
  filter: string,
  attributes: string[],
  stats: DirectorySnapshot['stats'],
  log: Logger,
): AsyncGenerator<Entry> {
  try {
    const pages = client.searchPaginated(settings.base, {
      scope: 'sub',
      derefAliases: 'never',
      filter,
      attributes,
      explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS,
      paged: { pageSize: settings.pageSize },
    });
    for await (const page of pages) {
      stats.pages += 1;
      if (page.searchReferences.length > 0) {
        log.debug('Ignoring search continuation references', { search: what, references: page.searchReferences.length });
      }
      yield* page.searchEntries;
    }
  } catch (error) {
    throw new LdapError(`failed to query LDAP ${what}: ${describeError(error)}`, { cause: error });
  }
}

export async function readDirectory(client: Client, settings: LdapSettings, log: Logger): Promise<DirectorySnapshot> {
  const started = performance.now();
  const attrs = settings.attributes;
  const stats: DirectorySnapshot['stats'] = { pages: 0, memberLookups: 0, readMs: 0 };
  const resolver = new MemberResolver(client, settings, log);

  const users: DirectoryUser[] = [];
  const userAttributes = unique([attrs.userUniqueId, attrs.username, attrs.email, attrs.firstName, attrs.lastName, attrs.displayName]);
  for await (const entry of pagedSearch(client, settings, 'users', settings.userFilter, userAttributes, stats, log)) {
    const values = new EntryValues(entry);
    const text = textReader(values);
    const idBytes = values.first(attrs.userUniqueId);
    const user: DirectoryUser = {
      dn: entry.dn,
      ldapId: idBytes ? ldapIdFromBytes(idBytes) : '',
      username: text.read(attrs.username),
      email: text.read(attrs.email),
      firstName: text.read(attrs.firstName),
      lastName: text.read(attrs.lastName),
      displayName: text.read(attrs.displayName),
    };
    if (text.invalidAttribute) user.invalidAttribute = text.invalidAttribute;
    // Pocket ID fills its DN cache before any validation, so members resolve
    // even to entries that are skipped later.
    if (user.username !== '') resolver.rememberUser(normalizeDN(entry.dn), nfc(user.username));
    users.push(user);
  }

  const groups: DirectoryGroup[] = [];
  const groupAttributes = unique([attrs.groupName, attrs.groupUniqueId, attrs.groupMember]);
  for await (const entry of pagedSearch(client, settings, 'groups', settings.groupFilter, groupAttributes, stats, log)) {
    const values = new EntryValues(entry);
    const text = textReader(values);
    const idBytes = values.first(attrs.groupUniqueId);
    const group: DirectoryGroup = {
      dn: entry.dn,
      ldapId: idBytes ? ldapIdFromBytes(idBytes) : '',
      name: text.read(attrs.groupName),
      memberUsernames: [],
    };
    if (text.invalidAttribute) group.invalidAttribute = text.invalidAttribute;
    resolver.addGroup(group, values.all(attrs.groupMember));
    groups.push(group);
  }

  const unresolvedMembers = await resolver.finish();
  stats.memberLookups = resolver.lookups;
  stats.readMs = performance.now() - started;
  return { users, groups, unresolvedMembers, stats };
}
