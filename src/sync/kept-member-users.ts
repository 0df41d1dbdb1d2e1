// Which kept user each member value of a group named when the group was read
// (docs/incremental-history.md): the full read and an incremental one
// look every value up among the users' DNs anyway (src/ldap/known-users.ts);
// keeping the answers lets a later run pass over the values that still name a
// known user without reading them again (src/sync/groups-to-resolve.ts).

/** Per member value of a kept group (KeptGroup.members), the known user whose DN it is exactly. */
export interface KeptMemberUsers {
  /** -1 for a value that named no known user. */
  users: Int32Array;
  /** The table of known users that numbered `users`; null when none did. */
  numbering: object | null;
}
