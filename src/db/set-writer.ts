import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ClaimRemoval, ClaimWrite, GroupChange, Membership, NewClaim, NewGroup, NewUser, UserChange, UserFields } from '../sync/types.js';
import { CredentialRevoker, type CredentialTables, type RevokedCredentials, type SessionSql } from './credential-revocation.js';
import type { ClaimOwner, SyncWriter } from './database.js';
import { otherOwner, type ClaimOwnerColumn } from './sql-dialect.js';
import { batch, type CellValue, type ColumnType, type RowSource } from './row-source.js';
import type { PocketIdSchema } from './schema.js';

/** A placeholder no valid Pocket ID username or LDAP group name can equal ("~" is not allowed in either). */
const VACATED_PREFIX = '~pocket-id-ldap-sync~';

/** The username (or group name) a vacated row holds until the run gives it its new one. */
export const vacatedName = (id: string) => `${VACATED_PREFIX}${id}`;

/**
 * The users columns written from the directory, for UPDATE and INSERT alike.
 * email_verified is not among them: a new row gets true, an update writes the planned value.
 */
const USER_COLUMNS: { name: string; type: ColumnType; value: (user: UserFields) => CellValue }[] = [
  { name: 'username', type: 'text', value: (u) => u.username },
  { name: 'email', type: 'text', value: (u) => u.email },
  { name: 'first_name', type: 'text', value: (u) => u.firstName },
  { name: 'last_name', type: 'text', value: (u) => u.lastName },
  { name: 'display_name', type: 'text', value: (u) => u.displayName },
  { name: 'is_admin', type: 'bool', value: (u) => u.isAdmin },
  // false unless LDAP_SYNC_DISABLED_ACCOUNTS found the account disabled in the directory.
  { name: 'disabled', type: 'bool', value: (u) => u.disabled },
];

const OWNER_COLUMN: Record<ClaimOwner, ClaimOwnerColumn> = { user: 'user_id', group: 'user_group_id' };

/** The columns that name one claim row: its key and its owner. */
const CLAIM_ROW: { name: string; type: ColumnType; value: (claim: { key: string; ownerId: string }) => CellValue }[] = [
  { name: 'key', type: 'text', value: (c) => c.key },
  { name: 'owner_id', type: 'uuid', value: (c) => c.ownerId },
];

function slices<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The writer both databases share. Every method is one statement per batch
 * (thousands of rows), never one per row; the database-specific part is only
 * how a batch becomes rows (RowSource).
 */
export class SetWriter implements SyncWriter {
  /** The statement sent last; a method returns with it still running when `acrossSteps`. */
  private running: Promise<unknown> = Promise.resolve();
  private work: (() => void) | undefined;

  /**
   * acrossSteps (PostgreSQL's one transaction): a method returns once its last
   * statement is sent, so that the next step's first statement is built while
   * the server runs it; settle() before anything else uses the transaction.
   * Without it (SQLite's batches, which commit between steps) every method
   * returns once its statements have succeeded.
   */
  constructor(
    private readonly db: Kysely<PocketIdSchema>,
    private readonly source: RowSource,
    private readonly sessions: SessionSql,
    private readonly acrossSteps = false,
  ) {}

  meanwhile(work: () => void): void {
    this.work = work;
  }

  async settle(): Promise<void> {
    await this.running;
  }

  /**
   * One statement per slice, in order, each sent only after the previous one
   * succeeded. The next slice's statement is built (its rows encoded) while
   * the database runs the current one: on PostgreSQL the server works while
   * this process encodes, instead of each waiting for the other.
   */
  private async each<T>(items: T[], statement: (part: T[]) => RawBuilder<unknown>): Promise<void> {
    try {
      for (const part of slices(items, this.source.batchSize)) {
        const next = statement(part);
        await this.running;
        const running = next.execute(this.db);
        // Marked handled now: a failure is thrown by the next await of it, not reported as unhandled meanwhile.
        running.catch(() => undefined);
        this.running = running;
        // Lets the driver send it before the next slice is encoded, which holds the thread.
        await new Promise((resolve) => setImmediate(resolve));
        const work = this.work;
        this.work = undefined;
        work?.();
      }
      if (!this.acrossSteps) await this.running;
    } catch (error) {
      // A slice that failed to encode: the statement still running is waited for before the error goes up.
      await this.running.catch(() => undefined);
      throw error;
    }
  }

  private ids(ids: string[]): RawBuilder<unknown> {
    return sql`(SELECT id FROM ${this.source.rows(batch(ids, [{ name: 'id', type: 'uuid', value: (id) => id }]))} AS ids)`;
  }

  deleteGroups(ids: string[]): Promise<void> {
    return this.each(ids, (part) => sql`DELETE FROM user_groups WHERE id IN ${this.ids(part)}`);
  }

  deleteUsers(ids: string[]): Promise<void> {
    return this.each(ids, (part) => sql`DELETE FROM users WHERE id IN ${this.ids(part)}`);
  }

  vacateUsers(ids: string[]): Promise<void> {
    return this.each(
      ids,
      (part) => sql`UPDATE users SET username = ${VACATED_PREFIX} || CAST(id AS TEXT), email = NULL WHERE id IN ${this.ids(part)}`,
    );
  }

  vacateGroups(ids: string[]): Promise<void> {
    return this.each(ids, (part) => sql`UPDATE user_groups SET name = ${VACATED_PREFIX} || CAST(id AS TEXT) WHERE id IN ${this.ids(part)}`);
  }

  updateUsers(changes: UserChange[], now: Date): Promise<void> {
    return this.each(changes, (part) => {
      const rows = this.source.rows(
        batch(part, [
          { name: 'id', type: 'uuid', value: (c: UserChange) => c.id },
          ...USER_COLUMNS.map((column) => ({ ...column, value: (c: UserChange) => column.value(c.after) })),
          { name: 'email_verified', type: 'bool', value: (c: UserChange) => c.after.emailVerified },
        ]),
      );
      return sql`
        UPDATE users AS u SET
          username = v.username, email = v.email, first_name = v.first_name, last_name = v.last_name,
          display_name = v.display_name, is_admin = v.is_admin, email_verified = v.email_verified,
          disabled = v.disabled, updated_at = ${this.source.time(now)}
        FROM ${rows} AS v
        WHERE u.id = v.id`;
    });
  }

  insertUsers(users: NewUser[], now: Date): Promise<void> {
    return this.each(users, (part) => {
      const rows = this.source.rows(
        batch(part, [
          { name: 'id', type: 'uuid', value: (u: NewUser) => u.id },
          ...USER_COLUMNS,
          { name: 'ldap_id', type: 'text', value: (u: NewUser) => u.ldapId },
        ]),
      );
      // updated_at stays NULL and locale NULL on create, as Pocket ID leaves them.
      return sql`
        INSERT INTO users (id, created_at, updated_at, username, email, first_name, last_name, display_name,
                           is_admin, ldap_id, locale, disabled, email_verified)
        SELECT v.id, ${this.source.time(now)}, NULL, v.username, v.email, v.first_name, v.last_name, v.display_name,
               v.is_admin, v.ldap_id, NULL, v.disabled, ${this.source.bool(true)}
        FROM ${rows} AS v`;
    });
  }

  disableUsers(ids: string[], now: Date): Promise<void> {
    return this.each(
      ids,
      (part) => sql`UPDATE users SET disabled = ${this.source.bool(true)}, updated_at = ${this.source.time(now)} WHERE id IN ${this.ids(part)}`,
    );
  }

  updateGroups(changes: GroupChange[], now: Date): Promise<void> {
    return this.each(changes, (part) => {
      const rows = this.source.rows(
        batch(part, [
          { name: 'id', type: 'uuid', value: (c) => c.id },
          { name: 'name', type: 'text', value: (c) => c.after.name },
          { name: 'friendly_name', type: 'text', value: (c) => c.after.friendlyName },
        ]),
      );
      return sql`
        UPDATE user_groups AS g SET name = v.name, friendly_name = v.friendly_name, updated_at = ${this.source.time(now)}
        FROM ${rows} AS v
        WHERE g.id = v.id`;
    });
  }

  insertGroups(groups: NewGroup[], now: Date): Promise<void> {
    return this.each(groups, (part) => {
      const rows = this.source.rows(
        batch(part, [
          { name: 'id', type: 'uuid', value: (g) => g.id },
          { name: 'name', type: 'text', value: (g) => g.name },
          { name: 'friendly_name', type: 'text', value: (g) => g.friendlyName },
          { name: 'ldap_id', type: 'text', value: (g) => g.ldapId },
        ]),
      );
      // Pocket ID sets updated_at right after creating a group, when it assigns the members.
      const time = this.source.time(now);
      return sql`
        INSERT INTO user_groups (id, created_at, updated_at, name, friendly_name, ldap_id)
        SELECT v.id, ${time}, ${time}, v.name, v.friendly_name, v.ldap_id FROM ${rows} AS v`;
    });
  }

  private memberships(part: Membership[]): RawBuilder<unknown> {
    return this.source.rows(
      batch(part, [
        { name: 'group_id', type: 'uuid', value: (m) => m.groupId },
        { name: 'user_id', type: 'uuid', value: (m) => m.userId },
      ]),
    );
  }

  removeMemberships(memberships: Membership[]): Promise<void> {
    return this.each(
      memberships,
      (part) => sql`
        DELETE FROM user_groups_users
        WHERE (user_group_id, user_id) IN (SELECT v.group_id, v.user_id FROM ${this.memberships(part)} AS v)`,
    );
  }

  addMemberships(memberships: Membership[]): Promise<void> {
    return this.each(
      memberships,
      (part) => sql`INSERT INTO user_groups_users (user_group_id, user_id) SELECT v.group_id, v.user_id FROM ${this.memberships(part)} AS v`,
    );
  }

  insertClaims(owner: ClaimOwner, claims: NewClaim[], now: Date): Promise<void> {
    return this.each(claims, (part) => {
      const rows = this.source.rows(batch(part, [{ name: 'id', type: 'uuid', value: (c) => c.id }, ...CLAIM_ROW, { name: 'value', type: 'text', value: (c) => c.after }]));
      return sql`
        INSERT INTO custom_claims (id, created_at, key, value, ${sql.raw(OWNER_COLUMN[owner])})
        SELECT v.id, ${this.source.time(now)}, v.key, v.value, v.owner_id FROM ${rows} AS v`;
    });
  }

  /**
   * Only the value: Pocket ID's own editor never changes created_at, and
   * custom_claims has no updated_at. Rows are found by key and owner through
   * the unique index (key, user_id, user_group_id), the other owner null.
   */
  updateClaims(owner: ClaimOwner, claims: ClaimWrite[]): Promise<void> {
    return this.each(claims, (part) => {
      const rows = this.source.rows(batch(part, [...CLAIM_ROW, { name: 'value', type: 'text', value: (c) => c.after }]));
      return sql`
        UPDATE custom_claims AS c SET value = v.value FROM ${rows} AS v
        WHERE c.key = v.key AND c.${sql.raw(OWNER_COLUMN[owner])} = v.owner_id AND c.${sql.raw(otherOwner(OWNER_COLUMN[owner]))} IS NULL`;
    });
  }

  deleteClaims(owner: ClaimOwner, claims: ClaimRemoval[]): Promise<void> {
    return this.each(claims, (part) => {
      const rows = this.source.rows(batch(part, CLAIM_ROW));
      return sql`
        DELETE FROM custom_claims
        WHERE ${sql.raw(otherOwner(OWNER_COLUMN[owner]))} IS NULL AND (key, ${sql.raw(OWNER_COLUMN[owner])}) IN (SELECT v.key, v.owner_id FROM ${rows} AS v)`;
    });
  }

  async revokeCredentials(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]> {
    // Its statements read what the steps before it wrote.
    await this.settle();
    return new CredentialRevoker(this.db, this.source, this.sessions).revoke(userIds, tables);
  }
}
