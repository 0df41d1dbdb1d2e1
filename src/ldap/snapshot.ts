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
  /** Name of the first text attribute that was not valid UTF-8 or held a NUL byte. */
  invalidAttribute?: string;
}

export interface DirectoryGroup {
  dn: string;
  ldapId: string;
  name: string;
  /** Usernames the member values resolved to, in attribute order (NFC). */
  memberUsernames: string[];
  invalidAttribute?: string;
}

/** A member value that could not be turned into a username. */
export interface UnresolvedMember {
  groupDn: string;
  member: string;
  reason: 'member-not-found' | 'member-outside-base' | 'member-invalid';
  message: string;
}

export interface DirectorySnapshot {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  unresolvedMembers: UnresolvedMember[];
  stats: { pages: number; memberLookups: number; readMs: number };
}
