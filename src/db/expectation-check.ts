import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { CurrentGroup, CurrentState, CurrentUser, Membership, SyncPlan } from '../sync/types.js';
import type { Expectation } from './apply.js';
import { batch, type ColumnType, type RowSource } from './row-source.js';
import type { PocketIdSchema } from './schema.js';
import { vacatedName } from './set-writer.js';

const bool = (value: unknown) => value === true || value === 1;

interface UserRow {
  id: string;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  display_name: string;
  is_admin: number;
  email_verified: number;
  disabled: number;
  ldap_id: string | null;
}

const anyValue = (...lists: string[][]) => lists.some((list) => list.length > 0);

/**
 * Checks, inside the write transaction, that the rows a write is about to
 * touch are still as the plan read them: each lookup is by primary key or
 * unique index and covers only those rows, so its cost follows the plan, not
 * the directory. Returns what differs, or null. SQLite checks each batch
 * under its write lock; PostgreSQL the whole plan after its advisory lock,
 * when the state was read ahead, outside the transaction.
 */
export class ExpectationCheck {
  private readonly users: Map<string, CurrentUser>;
  private readonly groups: Map<string, CurrentGroup>;
  private readonly vacatedUsers: Set<string>;
  private readonly vacatedGroups: Set<string>;

  constructor(
    private readonly db: Kysely<PocketIdSchema>,
    private readonly source: RowSource,
    state: CurrentState,
    plan: SyncPlan,
  ) {
    this.users = new Map(state.users.map((u) => [u.id, u]));
    this.groups = new Map(state.groups.map((g) => [g.id, g]));
    this.vacatedUsers = new Set(plan.vacate.userIds);
    this.vacatedGroups = new Set(plan.vacate.groupIds);
  }

  /** A parenthesised list of values, for `column IN (...)`. */
  private list(values: string[], type: ColumnType): RawBuilder<unknown> {
    return sql`(SELECT v FROM ${this.source.rows(batch(values, [{ name: 'v', type, value: (v) => v }]))} AS list)`;
  }

  async mismatch(expectation: Expectation): Promise<string | null> {
    const { users, groups, freeUserValues, freeGroupValues, absentMemberships } = expectation;
    return (
      (users ? await this.usersAsPlanned(users.ids, users.vacated) : null) ??
      (groups ? await this.groupsAsPlanned(groups.ids, groups.vacated) : null) ??
      (freeUserValues && anyValue(freeUserValues.usernames, freeUserValues.emails, freeUserValues.ldapIds) ? await this.userValuesFree(freeUserValues) : null) ??
      (freeGroupValues && anyValue(freeGroupValues.names, freeGroupValues.ldapIds) ? await this.groupValuesFree(freeGroupValues) : null) ??
      (absentMemberships && absentMemberships.length > 0 ? await this.membershipsAbsent(absentMemberships) : null)
    );
  }

  private async usersAsPlanned(ids: string[], vacated: boolean): Promise<string | null> {
    const rows = await sql<UserRow>`
      SELECT id, username, email, first_name, last_name, display_name, is_admin, email_verified, disabled, ldap_id
      FROM users WHERE id IN ${this.list(ids, 'uuid')}`.execute(this.db);
    const found = new Map(rows.rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const expected = this.users.get(id);
      const row = found.get(id);
      if (!expected || !row) return `user ${id} no longer exists`;
      const placeholder = vacated && this.vacatedUsers.has(id);
      const same =
        row.username === (placeholder ? vacatedName(id) : expected.username) &&
        row.email === (placeholder ? null : expected.email) &&
        (row.first_name ?? '') === expected.firstName &&
        (row.last_name ?? '') === expected.lastName &&
        row.display_name === expected.displayName &&
        bool(row.is_admin) === expected.isAdmin &&
        bool(row.email_verified) === expected.emailVerified &&
        bool(row.disabled) === expected.disabled &&
        row.ldap_id === expected.ldapId;
      if (!same) return `user ${expected.username} (${id}) was changed by another connection`;
    }
    return null;
  }

  private async groupsAsPlanned(ids: string[], vacated: boolean): Promise<string | null> {
    const rows = await sql<{ id: string; name: string; friendly_name: string; ldap_id: string | null }>`
      SELECT id, name, friendly_name, ldap_id FROM user_groups WHERE id IN ${this.list(ids, 'uuid')}`.execute(this.db);
    const found = new Map(rows.rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const expected = this.groups.get(id);
      const row = found.get(id);
      if (!expected || !row) return `group ${id} no longer exists`;
      const name = vacated && this.vacatedGroups.has(id) ? vacatedName(id) : expected.name;
      if (row.name !== name || row.friendly_name !== expected.friendlyName || row.ldap_id !== expected.ldapId) {
        return `group ${expected.name} (${id}) was changed by another connection`;
      }
    }
    return null;
  }

  private async userValuesFree(values: NonNullable<Expectation['freeUserValues']>): Promise<string | null> {
    // Usernames compare case-insensitively, as the unique index does (SQLite: the column's NOCASE collation; PostgreSQL: citext).
    // One arm per unique index: PostgreSQL reads an OR of IN lists by scanning every user (50-130 ms at L), each arm by its index.
    const holders = await sql<{ id: string; username: string }>`
      SELECT id, username FROM (
        SELECT id, username FROM users WHERE username IN ${this.list(values.usernames, 'citext')}
        UNION ALL SELECT id, username FROM users WHERE email IN ${this.list(values.emails, 'text')}
        UNION ALL SELECT id, username FROM users WHERE ldap_id IN ${this.list(values.ldapIds, 'text')}) AS held
      WHERE id NOT IN ${this.list(values.owners, 'uuid')}
      LIMIT 1`.execute(this.db);
    const holder = holders.rows[0];
    return holder ? `user ${holder.username} (${holder.id}) now holds a username, email or ldap_id the plan gives another user` : null;
  }

  private async groupValuesFree(values: NonNullable<Expectation['freeGroupValues']>): Promise<string | null> {
    const holders = await sql<{ id: string; name: string }>`
      SELECT id, name FROM user_groups
      WHERE (name IN ${this.list(values.names, 'text')}
          OR ldap_id IN ${this.list(values.ldapIds, 'text')})
        AND id NOT IN ${this.list(values.owners, 'uuid')}
      LIMIT 1`.execute(this.db);
    const holder = holders.rows[0];
    return holder ? `group ${holder.name} (${holder.id}) now holds a name or ldap_id the plan gives another group` : null;
  }

  private async membershipsAbsent(memberships: Membership[]): Promise<string | null> {
    const pairs = this.source.rows(batch(memberships, [
      { name: 'user_id', type: 'uuid', value: (m) => m.userId },
      { name: 'user_group_id', type: 'uuid', value: (m) => m.groupId },
    ]));
    // CROSS JOIN keeps the planned pairs the outer loop on SQLite: one primary-key probe per planned membership.
    const present = await sql<{ user_id: string; user_group_id: string }>`
      SELECT m.user_id, m.user_group_id FROM ${pairs} AS j
      CROSS JOIN user_groups_users AS m
      WHERE m.user_id = j.user_id AND m.user_group_id = j.user_group_id
      LIMIT 1`.execute(this.db);
    const row = present.rows[0];
    return row ? `membership of user ${row.user_id} in group ${row.user_group_id} was added by another connection` : null;
  }
}
