import { NoSuchObjectError, type Client } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { decodeUtf8, nfc } from '../text/go-text.js';
import { describeError, LdapError } from './connection.js';
import { getDNProperty, isDN, normalizeDN } from './dn.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues } from './entry-values.js';
import { KnownUsers } from './known-users.js';
import { PackedValues } from './packed-values.js';
import { eachAtOnce } from './read-context.js';
import type { MemberValue } from '../sync/kept-directory.js';
import type { DirectoryGroup, UnresolvedMember } from '../sync/snapshot.js';

interface PendingLookup {
  member: string;
  /** Every group with this member, and the value as that group spells it. */
  groups: { group: DirectoryGroup; member: string }[];
}

/** Records a member; `entry` is the snapshot index of the user entry whose DN it is, -1 when not known. */
function recordMember(group: DirectoryGroup, username: string, entry = -1): void {
  group.memberUsernames.push(username);
  group.memberEntries?.push(entry);
}

/**
 * Turns member values into usernames in Pocket ID's order: the DN cache of
 * the user search, the username attribute inside the DN, a bare value
 * (posixGroup memberUid), and last a base-object lookup of the DN. Lookups are
 * collected over all groups, deduplicated and run concurrently instead of one
 * round trip per member.
 */
export class MemberResolver {
  lookups = 0;
  private readonly pending = new Map<string, PendingLookup>();
  private readonly unresolved: UnresolvedMember[] = [];
  private readonly normalizedBase: string;
  /** Normalised DNs of the groups read, when nesting is off: such a member is named as a group, not looked up. */
  private groupDns: Set<string> = new Set();

  /** `users`: the users member values may name; a full read fills them (rememberUser), an incremental run brings those it keeps. */
  constructor(
    private readonly client: Client,
    private readonly settings: LdapSettings,
    private readonly log: Logger,
    readonly users: KnownUsers = new KnownUsers(),
  ) {
    this.normalizedBase = normalizeDN(settings.base);
  }

  /** With LDAP_SYNC_NESTED_GROUPS=false: the groups a member value may name (before finish()). */
  rememberGroups(normalizedDns: Set<string>): void {
    this.groupDns = normalizedDns;
  }

  /** `entry`: the user's index in the snapshot's users, recorded with the members that name its DN exactly (DirectoryGroup.memberEntries); -1 when not known. */
  rememberUser(dn: string, username: string, entry = -1): void {
    this.users.add(dn, username, entry);
  }

  /** `found`: the known user each value names, when already looked up (ReadTracking.group) in this table. */
  addGroup(group: DirectoryGroup, values: Buffer[] | PackedValues, found?: Int32Array): void {
    if (!(values instanceof PackedValues)) {
      values.forEach((raw, k) => this.addMember(group, raw, found ? (found[k] as number) : this.users.exact(raw)));
      return;
    }
    const { bytes, bounds, count } = values;
    for (let k = 0; k < count; k++) {
      const user = found ? (found[k] as number) : this.users.exact(bytes, bounds[2 * k] as number, bounds[2 * k + 1] as number);
      // A value naming a user with a username needs no Buffer of its own.
      if (!this.recordKnown(group, user)) this.addMember(group, values.at(k), user);
    }
  }

  /** Records the known user `user` (-1: none) as a member when it has a username; false when it was not recorded (a forgotten user has none). */
  recordKnown(group: DirectoryGroup, user: number): boolean {
    const known = user >= 0 ? this.users.usernameOf(user) : '';
    if (known === '') return false;
    recordMember(group, known, this.users.entryOf(user));
    return true;
  }

  /**
   * One member value; `user` is the known user whose DN it is exactly
   * (KnownUsers.exact, exactText), -1 when none. A member value is almost
   * always the user's DN spelled exactly as the server returns it (then valid
   * UTF-8 without NUL); parsing a million DNs only to find that out costs
   * seconds, so normalisation is the fallback (same result: DNs are unique).
   * The username is the user's own string.
   */
  addMember(group: DirectoryGroup, value: MemberValue, user: number): void {
    if (this.recordKnown(group, user)) return;
    const users = this.users;
    const member = typeof value === 'string' ? value : decodeUtf8(value);
    if (member === null || member.includes('\u0000')) {
      const raw = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
      this.reject(group, raw.toString('hex'), 'member-invalid', 'member value is not valid UTF-8 text');
      return;
    }
    const normalized = normalizeDN(member);
    const cached = users.usernameByNormalizedDn(normalized);
    if (cached !== '') {
      recordMember(group, cached);
      return;
    }
    const fromDn = nfc(getDNProperty(this.settings.attributes.username, member));
    if (fromDn !== '') {
      recordMember(group, fromDn);
      return;
    }
    if (!isDN(member)) {
      if (member !== '') recordMember(group, nfc(member));
      return;
    }
    // A DN naming a group (LDAP_SYNC_NESTED_GROUPS=false) waits here too: the groups may not all be read yet (finish() tells).
    if (!this.isUnderBase(normalized)) {
      this.reject(group, member, 'member-outside-base', `member DN is outside LDAP_BASE (${this.settings.base})`);
      return;
    }
    const lookup: PendingLookup = this.pending.get(normalized) ?? { member, groups: [] };
    lookup.groups.push({ group, member });
    this.pending.set(normalized, lookup);
  }

  /** Runs the collected lookups and returns every member that could not be resolved. */
  async finish(): Promise<UnresolvedMember[]> {
    const queue: PendingLookup[] = [];
    for (const [normalized, lookup] of this.pending) {
      if (!this.groupDns.has(normalized)) {
        queue.push(lookup);
        continue;
      }
      const hint = 'member is a group; its members are not included while LDAP_SYNC_NESTED_GROUPS=false (set it to true to include them)';
      for (const { group, member } of lookup.groups) this.reject(group, member, 'member-is-group', hint);
    }
    await eachAtOnce(queue, (lookup) => this.lookup(lookup));
    this.pending.clear();
    return this.unresolved;
  }

  private isUnderBase(normalizedDn: string): boolean {
    const base = this.normalizedBase;
    return base === '' || normalizedDn === base || normalizedDn.endsWith(`,${base}`);
  }

  private async lookup({ member, groups }: PendingLookup): Promise<void> {
    const attribute = this.settings.attributes.username;
    this.lookups += 1;
    let username = '';
    try {
      const { searchEntries } = await this.client.search(member, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: [attribute],
        explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS,
      });
      const first = searchEntries[0];
      const raw = first ? new EntryValues(first).first(attribute) : undefined;
      username = raw ? nfc(decodeUtf8(raw) ?? '') : '';
    } catch (error) {
      // A missing entry is an answer; anything else (a dropped connection, a
      // timeout) would silently remove members, so it fails the run.
      if (!(error instanceof NoSuchObjectError)) {
        throw new LdapError('ldap_search', `failed to look up group member ${member}: ${describeError(error)}`, { cause: error });
      }
      for (const { group } of groups) this.reject(group, member, 'member-not-found', 'member DN does not exist');
      return;
    }
    if (username === '') {
      for (const { group } of groups) this.reject(group, member, 'member-not-found', `member entry has no ${attribute} attribute`);
      return;
    }
    this.log.debug('Resolved group member by lookup', { member, username });
    for (const { group } of groups) recordMember(group, username);
  }

  private reject(group: DirectoryGroup, member: string, reason: UnresolvedMember['reason'], message: string): void {
    this.unresolved.push({ groupDn: group.dn, member, reason, message });
  }
}
