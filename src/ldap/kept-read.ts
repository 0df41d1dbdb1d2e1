// Turning what a read returned into what the daemon keeps between runs
// (src/sync/kept-directory.ts): each entry's version, its picture's digest,
// and each group's member values as text.
import { createHash } from 'node:crypto';
import type { EntryValues } from './entry-values.js';
import type { KnownUsers } from './known-users.js';
import { keptMemberTexts, sharedText } from './kept-members.js';
import { PackedValues } from './packed-values.js';
import type { MarkerWatch } from './change-markers.js';
import type { ReadTracking } from './read-context.js';
import { markerAttributes, type ChangeMarker } from './vendors.js';
import { entryKey, type KeptDirectory, type KeptUser, type MemberValue } from '../sync/kept-directory.js';
import type { KeptMemberUsers } from '../sync/kept-member-users.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, UnresolvedMember } from '../sync/snapshot.js';

export function pictureDigest(picture: Buffer | undefined): string {
  return picture ? createHash('sha256').update(picture).digest('base64') : '';
}

/**
 * Member values as text, sharing the strings of equal values (most name a user's DN) to keep memory small.
 * With `users`: a value naming a known user exactly is that user's DN string, found by its bytes without being
 * decoded and hashed as a new string first (exact-dn-table.ts says why that matters), and `found[k]` is that
 * user (-1 for the others), so the member resolver need not look the value up again.
 */
export function memberTexts(members: Buffer[], shared: Map<string, string>, users?: KnownUsers, found?: Int32Array): MemberValue[] {
  return members.map((raw, k) => {
    const user = users ? users.exact(raw) : -1;
    if (found) found[k] = user;
    return user >= 0 ? (users as KnownUsers).dnOf(user) : sharedText(raw, shared);
  });
}

interface TrackedUser {
  version: string;
  hasAccountFlag: boolean;
}

interface TrackedGroup {
  version: string;
  members: MemberValue[];
  keptUsers: KeptMemberUsers;
}

/** A full read's ReadTracking: notes every entry's marker and keeps each group's member values. */
export class FullReadTracker implements ReadTracking {
  readonly attributes: string[];
  private readonly users = new Map<DirectoryUser, TrackedUser>();
  private readonly groups = new Map<DirectoryGroup, TrackedGroup>();
  /** Member values that name no user, by text: equal values share one string. */
  private readonly shared = new Map<string, string>();
  /** The full read's member resolver's users (KnownUsers), once they are all read. */
  knownUsers: KnownUsers | undefined;

  constructor(
    marker: ChangeMarker,
    readonly watch: MarkerWatch,
  ) {
    this.attributes = markerAttributes(marker);
  }

  user(user: DirectoryUser, values: EntryValues, hasAccountFlag: boolean): void {
    this.users.set(user, { version: this.watch.note(values), hasAccountFlag });
  }

  usersRead(users: KnownUsers): void {
    this.knownUsers = users;
    users.holdDns();
  }

  group(group: DirectoryGroup, values: EntryValues, members: Buffer[] | PackedValues): Int32Array | undefined {
    // Member values equal to a user's DN share its string; which user each named is kept (kept-member-users.ts).
    const version = this.watch.note(values);
    if (this.knownUsers) {
      const read = keptMemberTexts(members, undefined, this.knownUsers, this.shared);
      this.groups.set(group, { version, members: read.members, keptUsers: { users: read.found, numbering: this.knownUsers } });
      return read.found;
    }
    const all = members instanceof PackedValues ? members.all() : members;
    const users = new Int32Array(all.length);
    const texts = memberTexts(all, this.shared, undefined, users);
    this.groups.set(group, { version, members: texts, keptUsers: { users, numbering: null } });
    return undefined;
  }

  /**
   * What to keep of the read, once the run committed; null when entries share
   * a unique id (they could not be merged by it: every run stays full).
   */
  keep(snapshot: DirectorySnapshot): KeptDirectory | null {
    const kept: KeptDirectory = { users: new Map(), groups: new Map(), others: new Map() };
    for (const user of snapshot.users) {
      const tracked = this.users.get(user) ?? { version: '', hasAccountFlag: false };
      const { picture, ...lean } = user;
      const entry: KeptUser = { user: picture ? lean : user, version: tracked.version, pictureDigest: pictureDigest(picture), hasAccountFlag: tracked.hasAccountFlag };
      kept.users.set(entryKey(user.ldapId, user.dn), entry);
    }
    const unresolved = new Map<string, UnresolvedMember[]>();
    for (const member of snapshot.unresolvedMembers) {
      const list = unresolved.get(member.groupDn);
      if (list) list.push(member);
      else unresolved.set(member.groupDn, [member]);
    }
    for (const group of snapshot.groups) {
      const tracked = this.groups.get(group);
      const keptUsers = tracked ? { keptUsers: tracked.keptUsers } : {};
      kept.groups.set(entryKey(group.ldapId, group.dn), { group, members: tracked?.members ?? [], unresolved: unresolved.get(group.dn) ?? [], version: tracked?.version ?? '', ...keptUsers });
    }
    if (kept.users.size !== snapshot.users.length || kept.groups.size !== snapshot.groups.length) return null;
    return kept;
  }
}
