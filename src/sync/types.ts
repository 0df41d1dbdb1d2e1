// The two inputs of plan() besides the directory snapshot, and its output.
import type { PlannedMembers } from './planned-members.js';
import type { EntryRows } from './entry-rows.js';

/** The user columns the sync owns. `locale` is deliberately absent: it is the user's. */
export interface UserFields {
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  displayName: string;
  isAdmin: boolean;
  emailVerified: boolean;
  disabled: boolean;
}

export interface CurrentUser extends UserFields {
  id: string;
  ldapId: string | null;
}

export interface GroupFields {
  name: string;
  friendlyName: string;
}

export interface CurrentGroup extends GroupFields {
  id: string;
  ldapId: string | null;
}

/** What the database holds now: every user and group, and the members of LDAP groups. */
export interface CurrentState {
  users: CurrentUser[];
  groups: CurrentGroup[];
  /**
   * user id → the ids of the groups it is a member of, comma-joined in
   * ascending order (one string per user, as the database aggregates them:
   * a million memberships as 100,000 strings, compared in place by
   * membership-diff.ts). Covers at least every LDAP group; other groups may
   * appear and are ignored. joinedMemberships() builds it from pairs.
   */
  memberships: Map<string, string>;
  /**
   * When set, `memberships` holds only these users (each with every group it
   * is in) and the plan compares only theirs: an incremental run reads the
   * memberships of the users its changes can move (membership-scope.ts).
   */
  membershipScope?: ReadonlySet<string>;
  /** Claims of the configured keys on LDAP users and groups; absent when no claim is configured. */
  claims?: CurrentClaims;
  /**
   * When set, `users` holds only the rows an incremental run read by key
   * (touched-users.ts), and `ldapUsers` counts every LDAP user row.
   */
  userScope?: { ldapUsers: number };
}

/**
 * The user rows to read by key (case-insensitive usernames, exact emails):
 * those of these ldap_ids, usernames and emails, and with `admins` every LDAP
 * row with the admin flag (the re-enable guard counts them).
 */
export interface UserKeys {
  ldapIds: string[];
  usernames: string[];
  emails: string[];
  admins: boolean;
}

/**
 * One configured claim (LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS).
 * `attribute` null retires the key: the sync deletes it from LDAP users (or
 * groups) and writes it nowhere.
 */
export interface ClaimMapping {
  key: string;
  attribute: string | null;
  /** `attribute[]`: every value, as a JSON array. Otherwise the first value, as a string. */
  multi: boolean;
}

export interface ClaimMappings {
  user: ClaimMapping[];
  group: ClaimMapping[];
}

/**
 * The custom_claims rows of the configured keys (retired ones included), of
 * users and of groups, in the text format of stored-claims.ts. Every owner's
 * rows are there, local ones too: the plan takes only those of LDAP rows.
 */
export interface CurrentClaims {
  users: string;
  groups: string;
}

export interface PlanOptions {
  adminGroupName: string;
  softDeleteUsers: boolean;
  requireUserEmail: boolean;
  /** LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS; none when absent. */
  claims?: ClaimMappings;
}

/** Why an entry (or, for claim-*, one custom claim of an entry) was skipped; metrics export one series per reason. */
export const SKIP_REASONS = [
  'missing-unique-id',
  'duplicate-unique-id',
  'invalid-text',
  'invalid-username',
  'username-too-long',
  'invalid-email',
  'email-too-long',
  'missing-email',
  'first-name-too-long',
  'last-name-too-long',
  'display-name-too-long',
  'username-taken',
  'email-taken',
  'group-name-too-short',
  'group-name-too-long',
  'group-name-taken',
  'member-not-found',
  'member-outside-base',
  'member-invalid',
  'member-is-group',
  'member-skipped',
  'member-unknown',
  'claim-not-text',
  'claim-too-long',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Skip {
  /** claim: one claim of a user or group is left as it is; the entry itself syncs. */
  kind: 'user' | 'group' | 'member' | 'claim';
  dn: string;
  reason: SkipReason;
  message: string;
}

export interface NewUser extends UserFields {
  id: string;
  ldapId: string;
  dn: string;
}

export interface UserChange {
  id: string;
  dn: string;
  before: UserFields;
  after: UserFields;
  changed: (keyof UserFields)[];
}

export interface NewGroup extends GroupFields {
  id: string;
  ldapId: string;
  dn: string;
}

export interface GroupChange {
  id: string;
  dn: string;
  before: GroupFields;
  after: GroupFields;
  /** True when only the members changed (the row still gets a new updated_at). */
  membersOnly: boolean;
}

export interface RemovedUser {
  id: string;
  username: string;
  ldapId: string;
}

export interface RemovedGroup {
  id: string;
  name: string;
  ldapId: string;
}

export interface Membership {
  groupId: string;
  userId: string;
  /** Names for reports only. */
  groupName: string;
  username: string;
}

export interface SyncPlan {
  users: {
    create: NewUser[];
    update: UserChange[];
    disable: RemovedUser[];
    delete: RemovedUser[];
    unchanged: number;
  };
  groups: {
    create: NewGroup[];
    update: GroupChange[];
    delete: RemovedGroup[];
    unchanged: number;
  };
  memberships: { add: Membership[]; remove: Membership[] };
  /**
   * Rows whose current unique value (username or email, group name) is taken
   * over by another row in this run. They get a placeholder first so that the
   * set-based update never trips a unique index half-way.
   */
  vacate: { userIds: string[]; groupIds: string[] };
  skips: Skip[];
  claims: ClaimPlan;
  /** LDAP-managed rows before the run, for the deletion guard and the summary. */
  managed: { users: number; groups: number };
  /**
   * Each group the plan keeps or creates: its member usernames as planned, by
   * the group entry's unique id. An incremental run compares them with its own
   * to find the users whose memberships it must read (membership-scope.ts).
   */
  groupMembers?: PlannedMembers;
  /** Of the users: what the next incremental run plans only the touched ones from (user-book.ts). */
  userBook?: UserBook;
}

/**
 * Every LDAP user row after the run, disabled ones included, as small
 * integers: ids by index, and the index of each exact-case username (Pocket
 * ID resolves group members against exactly these usernames). A username an
 * entry gives its row is the entry's own string, the very instance its group
 * members resolved to, so their lookups match by identity.
 */
export interface FinalUsers {
  ids: string[];
  indexByUsername: Map<string, number>;
  /** The users that are no LDAP row after the run: local users and deleted rows. */
  others: Set<string>;
}

/**
 * What a committed plan leaves about its users, from which the next incremental run plans only the touched
 * ones (plan-touched.ts, user-book.ts). The memory keeps it; `sync --dry-run --json` leaves it out (toJSON).
 */
export class UserBook {
  constructor(
    /** Every LDAP user row after the plan and its username (plan-users.ts); patched in place by the next touched plan. */
    readonly final: FinalUsers,
    /** The usernames the admin flag goes to (the admin group's members, nested ones included). */
    readonly admins: ReadonlySet<string>,
    /** Keys (entryKey) of the user entries the plan skipped: the next plan looks at them again. */
    readonly skippedKeys: string[],
    /** The plan's claim skips (users' and groups'): those of user entries it does not plan again are repeated. */
    readonly claimSkips: Skip[],
    readonly entryRows?: EntryRows, // when its groups carried member entries: the next touched plan looks up only what moved
  ) {}

  toJSON(): undefined {
    return undefined;
  }
}

/**
 * One claim the run writes: a new value for an existing row, which is found by
 * its key and owner (custom_claims is UNIQUE(key, user_id, user_group_id)).
 */
export interface ClaimWrite {
  ownerId: string;
  key: string;
  before: string | null;
  after: string;
  /** The owner's username or group name, for reports. */
  owner: string;
}

/** A new row: `id` fresh, `before` null. */
export interface NewClaim extends ClaimWrite {
  id: string;
}

export interface ClaimRemoval {
  ownerId: string;
  key: string;
  before: string;
  owner: string;
}

export interface ClaimChanges {
  create: NewClaim[];
  update: ClaimWrite[];
  delete: ClaimRemoval[];
}

/** Custom claim changes on LDAP users and groups (plan-claims.ts). */
export interface ClaimPlan {
  users: ClaimChanges;
  groups: ClaimChanges;
}
