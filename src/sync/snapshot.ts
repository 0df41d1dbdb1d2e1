// The directory as read, before any Pocket ID rule is applied: the plan decides
// what is valid. Strings are the first value of each attribute, decoded as
// UTF-8 but not yet NFC-normalised; "" means absent.
export interface DirectoryUser {
  dn: string;
  /** Converted unique identifier (see ldap-id.ts); "" when the entry has none. */
  ldapId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  /**
   * First value of LDAP_ATTRIBUTE_USER_PROFILE_PICTURE as raw bytes (image
   * bytes, base64 text or a URL; src/pictures/ interprets it); undefined when
   * the attribute is not configured or the entry has no value.
   */
  picture?: Buffer;
  /** Name of the first text attribute that was not valid UTF-8 or held a NUL byte. */
  invalidAttribute?: string;
  /**
   * The directory marks the account disabled (userAccountControl 0x2,
   * nsAccountLock, ...; see account-status.ts). Only set with
   * LDAP_SYNC_DISABLED_ACCOUNTS=true; the plan keeps such a user disabled.
   */
  disabled?: boolean;
  /** LDAP_SYNC_USER_CLAIMS, decoded, one slot per claim (entry-claims.ts, ldap/claim-reader.ts); absent when none is configured. */
  claims?: string;
}

export interface DirectoryGroup {
  dn: string;
  ldapId: string;
  name: string;
  /** Usernames the member values resolved to, in attribute order (NFC). */
  memberUsernames: string[];
  /**
   * Where the reader knows it (a member value that is a user entry's DN): the
   * index in the snapshot's `users` of that entry, else -1; position k belongs
   * to memberUsernames[k]. A shortcut only: the plan takes it when that
   * entry's username is the member's and looks the username up otherwise
   * (member-rows.ts), so a missing or stale hint is slower, never wrong.
   */
  memberEntries?: number[];
  invalidAttribute?: string;
  /**
   * Member values that name groups in this snapshot (matched the way Pocket ID
   * normalises DNs), each recorded as that group's `dn` here. Only recorded
   * with LDAP_SYNC_NESTED_GROUPS=true (they are then not resolved as users);
   * the plan adds those groups' members, transitively.
   */
  memberGroupDns?: string[];
  /** LDAP_SYNC_GROUP_CLAIMS, decoded, one slot per claim (entry-claims.ts). */
  claims?: string;
}

/** A member value that could not be turned into a username. */
export interface UnresolvedMember {
  groupDn: string;
  member: string;
  reason: 'member-not-found' | 'member-outside-base' | 'member-invalid' | 'member-is-group';
  message: string;
}

export interface DirectorySnapshot {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  unresolvedMembers: UnresolvedMember[];
  stats: {
    pages: number;
    memberLookups: number;
    readMs: number;
    /** Follow-up reads of ranged member values (range.ts). */
    rangeRequests?: number;
  };
  /**
   * With LDAP_SYNC_DISABLED_ACCOUNTS: user entries that carried any disabled-flag
   * attribute (account-status.ts). None at all while Pocket ID holds users
   * disabled by it is how an ACL that hides the flag shows (the re-enable guard).
   */
  entriesWithAccountFlag?: number;
}
