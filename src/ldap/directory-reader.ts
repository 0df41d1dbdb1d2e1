import { SizeLimitExceededError, type Client, type Entry } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { describeError, LdapError } from './connection.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, claimsAsBytes, EntryValues, MANY_VALUES_PACKED } from './entry-values.js';
import { accountStatus, ACCOUNT_STATUS_ATTRIBUTES } from './account-status.js';
import { MemberResolver } from './member-resolver.js';
import { claimAttributes, readClaimValues } from './claim-reader.js';
import { classifyMembers, groupAttributes, groupDnsFor, groupOf, memberValuesAsRead } from './group-entries.js';
import { textReader, unique, type EntryContext, type ReadTracking } from './read-context.js';
import { uniqueIdConverter } from './ldap-id.js';
import { findRange } from './range.js';
import { pagesAhead } from './pages-ahead.js';
import { describeVendor, detectVendor, type DetectedVendor } from './vendors.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../sync/snapshot.js';

/** Smallest page the size-limit fallback halves down to. */
export const PAGE_SIZE_FLOOR = 50;

/** The page size of one read: lowered for the rest of the read when the server's size limit is below it. */
export interface Paging {
  pageSize: number;
}

/**
 * Every entry matching the filter, page by page; any incomplete read throws.
 * A server whose size limit is at or below the page size (389-ds: 2000 for
 * non-root binds) answers sizeLimitExceeded (4) on the first page: the search
 * is then retried with half the page size, down to PAGE_SIZE_FLOOR.
 */
export async function* pagedSearch(...args: Parameters<typeof pagedSearchPages>): AsyncGenerator<Entry> {
  for await (const page of pagedSearchPages(...args)) yield* page;
}

/** pagedSearch a page at a time: an id scan's 100,000 entries then cost 200 awaits, not 100,000. */
export async function* pagedSearchPages(
  client: Client,
  settings: LdapSettings,
  search: { what: string; filter: string; attributes: string[]; asBuffers?: string[] },
  paging: Paging,
  stats: Pick<DirectorySnapshot['stats'], 'pages'>,
  log: Logger,
): AsyncGenerator<Entry[]> {
  for (;;) {
    let yielded = 0;
    try {
      const pages = client.searchPaginated(settings.base, {
        scope: 'sub',
        derefAliases: 'never',
        filter: search.filter,
        attributes: search.attributes,
        explicitBufferAttributes: search.asBuffers ?? ALL_ATTRIBUTES_AS_BUFFERS,
        paged: { pageSize: paging.pageSize },
      });
      for await (const page of pagesAhead(pages)) {
        stats.pages += 1;
        if (page.searchReferences.length > 0) {
          log.debug('Ignoring search continuation references', { search: search.what, references: page.searchReferences.length });
        }
        yielded += page.searchEntries.length;
        yield page.searchEntries;
      }
      return;
    } catch (error) {
      if (error instanceof SizeLimitExceededError && yielded === 0 && paging.pageSize > PAGE_SIZE_FLOOR) {
        const smaller = Math.max(PAGE_SIZE_FLOOR, Math.floor(paging.pageSize / 2));
        log.warn('The server\'s size limit is below LDAP_SYNC_PAGE_SIZE; retrying with smaller pages (set LDAP_SYNC_PAGE_SIZE below the limit)', {
          search: search.what,
          pageSize: paging.pageSize,
          retryPageSize: smaller,
        });
        paging.pageSize = smaller;
        continue;
      }
      const hint = error instanceof SizeLimitExceededError ? ` (lower LDAP_SYNC_PAGE_SIZE=${paging.pageSize} below the server's size limit for the bind account)` : '';
      throw new LdapError('ldap_search', `failed to query LDAP ${search.what}: ${describeError(error)}${hint}`, { cause: error });
    }
  }
}

/** A group entry waiting for its ranged values and for the full set of group DNs; `resolved` when its members went to the resolver as it was read. */
type PendingGroup = { group: DirectoryGroup; resolved: true } | { group: DirectoryGroup; resolved: false; entry: Entry; values: EntryValues };

/**
 * Whether a group's members can go to the resolver as soon as its entry is
 * read (then its million member values die young instead of waiting for the
 * last group): with nested groups off (the resolver tells member groups apart
 * at its end, finish()), no ranged values to follow, and nothing to track.
 */
function resolvableAtOnce(context: ReadContext, entry: Entry): boolean {
  const memberAttribute = context.settings.attributes.groupMember;
  return !context.settings.nestedGroups && !context.tracking && (memberAttribute === '' || findRange(entry, memberAttribute) === null);
}

/** The snapshot plus what the reader learnt about the server on the way. */
export interface DirectoryRead extends DirectorySnapshot {
  /** The server as recognised from its root DSE at the start of the read (vendors.ts). */
  vendor: DetectedVendor;
}

/** One read's shared state: the connection, the settings, the counters, the page size and the member resolver. */
interface ReadContext extends EntryContext {
  stats: DirectorySnapshot['stats'];
  paging: Paging;
  resolver: MemberResolver;
  tracking: ReadTracking | undefined;
}

/** Detects the server, and refuses settings it cannot honour before anything is read. */
async function recogniseServer(client: Client, settings: LdapSettings, log: Logger): Promise<DetectedVendor> {
  const vendor = await detectVendor(client);
  log.info('LDAP directory recognised', { vendor: vendor.kind, detail: describeVendor(vendor) });
  if (settings.memberRangeSize > 0 && !vendor.activeDirectoryCompatible) {
    // Other servers treat `member;range=0-N` as an unknown attribute option and return nothing: every group would look empty.
    throw new LdapError('config', `LDAP_SYNC_MEMBER_RANGE_SIZE=${settings.memberRangeSize} needs Active Directory or Samba, but the directory is ${vendor.label}; set it to 0`);
  }
  return vendor;
}

/** The attributes a user entry is read for, claims aside. */
function syncedUserAttributes(settings: LdapSettings): string[] {
  const attrs = settings.attributes;
  return [
    attrs.userUniqueId, attrs.username, attrs.email, attrs.firstName, attrs.lastName, attrs.displayName, attrs.profilePicture,
    ...(settings.syncDisabledAccounts ? ACCOUNT_STATUS_ATTRIBUTES : []),
  ];
}

/** The attributes of the user search. */
export function userAttributes(settings: LdapSettings, extra: string[] = []): string[] {
  return unique([...syncedUserAttributes(settings), ...claimAttributes(settings.claims.user), ...extra]);
}

/** One user entry as Pocket ID reads it, plus its claims, picture and (with the setting) the directory's disabled flag. */
export async function readUser(
  context: EntryContext,
  entry: Entry,
  userId: (bytes: Uint8Array) => string,
  values: EntryValues = new EntryValues(entry),
): Promise<{ user: DirectoryUser; hasAccountFlag: boolean }> {
  return userOf(context, entry, userId, values, await readClaimValues(context.client, entry, values, context.settings.claims.user));
}

/** readUser once its claims are read: no await, so that a page of entries is read without one for each entry. */
function userOf(
  context: EntryContext,
  entry: Entry,
  userId: (bytes: Uint8Array) => string,
  values: EntryValues,
  claims: string | undefined,
): { user: DirectoryUser; hasAccountFlag: boolean } {
  const { settings, log } = context;
  const attrs = settings.attributes;
  const text = textReader(values);
  const idBytes = values.first(attrs.userUniqueId);
  const user: DirectoryUser = {
    dn: entry.dn,
    ldapId: idBytes ? userId(idBytes) : '',
    username: text.read(attrs.username),
    email: text.read(attrs.email),
    firstName: text.read(attrs.firstName),
    lastName: text.read(attrs.lastName),
    displayName: text.read(attrs.displayName),
  };
  if (text.invalidAttribute) user.invalidAttribute = text.invalidAttribute;
  if (claims) user.claims = claims;
  // Binary, never decoded as text here: an invalid picture must not skip the user.
  const picture = values.first(attrs.profilePicture);
  if (picture !== undefined && picture.length > 0) user.picture = picture;
  let hasAccountFlag = false;
  if (settings.syncDisabledAccounts) {
    hasAccountFlag = ACCOUNT_STATUS_ATTRIBUTES.some((attribute) => values.first(attribute) !== undefined);
    const status = accountStatus(values);
    user.disabled = status.disabled;
    if (status.disabled) log.debug('Account disabled in the directory', { dn: entry.dn, reason: status.reason });
  }
  return { user, hasAccountFlag };
}

/** The user search: every entry becomes a DirectoryUser, and its DN goes into the resolver's cache. */
async function readUsers(context: ReadContext): Promise<{ users: DirectoryUser[]; entriesWithAccountFlag: number }> {
  const { client, settings, stats, paging, resolver, log, tracking } = context;
  const userId = uniqueIdConverter(settings.attributes.userUniqueId);
  const claimMappings = settings.claims.user;
  const users: DirectoryUser[] = [];
  let entriesWithAccountFlag = 0;
  const extra = tracking?.attributes ?? [];
  // The claims are read with each entry (parsed-claims.ts): values only they read never become Buffers.
  const asBuffers = claimsAsBytes(claimMappings, [...syncedUserAttributes(settings), ...extra]);
  const search = { what: 'users', filter: settings.userFilter, attributes: userAttributes(settings, extra), asBuffers };
  for await (const page of pagedSearchPages(client, settings, search, paging, stats, log)) {
    for (const entry of page) {
      const values = new EntryValues(entry);
      // Awaited only when ranged values need a search (claim-reader.ts): 100,000 awaits otherwise for nothing.
      const read = readClaimValues(client, entry, values, claimMappings);
      const claims = typeof read === 'object' ? await read : read;
      const { user, hasAccountFlag } = userOf(context, entry, userId, values, claims);
      tracking?.user(user, values, hasAccountFlag);
      if (hasAccountFlag) entriesWithAccountFlag += 1;
      // Pocket ID fills its DN cache before any validation, so members resolve
      // even to entries that are skipped later.
      resolver.rememberUser(entry.dn, user.username, users.length);
      users.push(user);
    }
  }
  return { users, entriesWithAccountFlag };
}

/** The group search: each group with its entry, waiting for its members (completeMembers). */
async function readGroups(context: ReadContext): Promise<PendingGroup[]> {
  const { client, settings, stats, paging, log, tracking } = context;
  const groupId = uniqueIdConverter(settings.attributes.groupUniqueId);
  const pending: PendingGroup[] = [];
  // Member values packed (packed-values.ts): a million at L, each looked up where it lies instead of made a Buffer first.
  const groupSearch = { what: 'groups', filter: settings.groupFilter, attributes: groupAttributes(settings, tracking?.attributes), asBuffers: MANY_VALUES_PACKED };
  const claimMappings = settings.claims.group;
  for await (const page of pagedSearchPages(client, settings, groupSearch, paging, stats, log)) {
    for (const entry of page) {
      const values = new EntryValues(entry);
      const read = readClaimValues(client, entry, values, claimMappings);
      const claims = typeof read === 'object' ? await read : read;
      const group = groupOf(context, entry, groupId, values, claims);
      if (resolvableAtOnce(context, entry)) {
        context.resolver.addGroup(group, values.packed(settings.attributes.groupMember) ?? values.all(settings.attributes.groupMember));
        pending.push({ group, resolved: true });
      } else {
        pending.push({ group, resolved: false, entry, values });
      }
    }
  }
  return pending;
}

/**
 * Member values are completed (ranges followed) and classified only once every
 * group DN is known: member groups (LDAP_SYNC_NESTED_GROUPS=true) are recorded
 * by their snapshot DN, the rest go to the resolver as users.
 */
async function completeMembers(context: ReadContext, pending: PendingGroup[]): Promise<DirectoryGroup[]> {
  const { stats, resolver, tracking } = context;
  // Keyed the way Pocket ID normalises DNs; member groups are recorded by their snapshot DN, so the plan can match them exactly.
  const groupDns = groupDnsFor(context.settings, pending.map((p) => p.group), resolver);
  const groups: DirectoryGroup[] = [];
  for (const pendingGroup of pending) {
    const { group } = pendingGroup;
    if (!pendingGroup.resolved) {
      const { entry, values } = pendingGroup;
      const members = await memberValuesAsRead(context, entry, values, stats);
      // The tracker looks the values up among the same users: with no member groups told apart, the resolver takes its answers.
      const found = tracking?.group(group, values, members);
      resolver.addGroup(group, classifyMembers(groupDns, group, members), groupDns ? undefined : found);
    }
    groups.push(group);
  }
  return groups;
}

/** The whole directory: users, then groups, then their members; any incomplete read throws. `tracking`: see ReadTracking. */
export async function readDirectory(client: Client, settings: LdapSettings, log: Logger, tracking?: ReadTracking): Promise<DirectoryRead> {
  const started = performance.now();
  const stats: DirectorySnapshot['stats'] = { pages: 0, memberLookups: 0, readMs: 0, rangeRequests: 0 };
  const resolver = new MemberResolver(client, settings, log);
  const context: ReadContext = { client, settings, stats, paging: { pageSize: settings.pageSize }, resolver, log, tracking };
  const vendor = await recogniseServer(client, settings, log);

  const { users, entriesWithAccountFlag } = await readUsers(context);
  tracking?.usersRead(resolver.users);
  const pending = await readGroups(context);
  const groups = await completeMembers(context, pending);

  const unresolvedMembers = await context.resolver.finish();
  stats.memberLookups = context.resolver.lookups;
  stats.readMs = performance.now() - started;
  log.debug('LDAP directory read', { users: users.length, groups: groups.length, pages: stats.pages, memberLookups: stats.memberLookups, ms: Math.round(stats.readMs) });
  const read: DirectoryRead = { users, groups, unresolvedMembers, stats, vendor };
  if (settings.syncDisabledAccounts) read.entriesWithAccountFlag = entriesWithAccountFlag;
  return read;
}
