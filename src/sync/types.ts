// The two inputs of plan() besides the directory snapshot, and its output.

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
  /** group id → member user ids, for groups with an ldap_id only. */
  memberships: Map<string, Set<string>>;
}

export interface PlanOptions {
  adminGroupName: string;
  softDeleteUsers: boolean;
  requireUserEmail: boolean;
}

/** Why an entry was skipped; metrics export one series per reason. */
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
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export interface Skip {
  kind: 'user' | 'group' | 'member';
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
  /** LDAP-managed rows before the run, for the deletion guard and the summary. */
  managed: { users: number; groups: number };
}
