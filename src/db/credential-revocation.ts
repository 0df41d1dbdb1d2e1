import { sql, type Kysely, type RawBuilder } from 'kysely';
import { batch, type RowSource } from './row-source.js';
import type { PocketIdSchema } from './schema.js';

/**
 * How Pocket ID's own store retires each kind of oauth2_sessions row once it
 * is used or revoked (backend/internal/oidc/store.go, v2.14): refresh tokens
 * (RevokeRefreshToken), authorization codes, pushed authorization requests and
 * device/user codes are set inactive; access tokens (RevokeAccessToken), OpenID
 * and PKCE sessions are deleted. A kind not listed here is left alone.
 */
export const DEACTIVATED_KINDS = ['refresh_token', 'authorize_code', 'par', 'device_code', 'user_code'] as const;
export const DELETED_KINDS = ['access_token', 'openid', 'pkce'] as const;

export type CredentialKind =
  | (typeof DEACTIVATED_KINDS)[number]
  | (typeof DELETED_KINDS)[number]
  | 'one_time_access_token'
  | 'reauthentication_token';

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [...DEACTIVATED_KINDS, ...DELETED_KINDS, 'one_time_access_token', 'reauthentication_token'];

/** Which of Pocket ID's credential tables the schema check found in a shape revocation can write. */
export interface CredentialTables {
  oauth2Sessions: boolean;
  /** Pocket ID up to v2.11; later versions keep one-time tokens in actor state. */
  oneTimeAccessTokens: boolean;
  reauthenticationTokens: boolean;
}

/** Rows revoked (or, counted for a dry run, that would be), by user and kind. */
export interface RevokedCredentials {
  userId: string;
  kind: CredentialKind;
  rows: number;
}

/** What differs between the databases: how a row's user is read from request_data. */
export interface SessionSql {
  /** request_data's session.subject (a users.id), extracted exactly as Pocket ID selects a user's sessions. */
  subject: RawBuilder<string>;
}

type Db = Kysely<PocketIdSchema>;

function slices<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function tally(rows: { user_id: string | null; kind: string; n?: number | string }[]): RevokedCredentials[] {
  const counts = new Map<string, RevokedCredentials>();
  for (const row of rows) {
    const userId = row.user_id ?? '';
    const key = `${userId}\u0000${row.kind}`;
    const entry = counts.get(key) ?? { userId, kind: row.kind as CredentialKind, rows: 0 };
    entry.rows += row.n === undefined ? 1 : Number(row.n);
    counts.set(key, entry);
  }
  return [...counts.values()];
}

const list = (kinds: readonly string[]) => sql.join(kinds.map((k) => sql.lit(k)));

/**
 * Set-based revocation and its read-only count, over any Kysely executor (a
 * transaction for the write, the plain connection for a dry run). Sessions are
 * selected the way Pocket ID's RevokeUserClientSessions does: the request ids
 * of rows whose subject is one of the users, then every row of those requests
 * by kind, so a refresh token's access tokens go with it.
 */
export class CredentialRevoker {
  constructor(
    private readonly db: Db,
    private readonly rows: RowSource,
    private readonly session: SessionSql,
  ) {}

  private ids(values: string[]): RawBuilder<unknown> {
    return sql`(SELECT v FROM ${this.rows.rows(batch(values, [{ name: 'v', type: 'text', value: (id) => id }]))} AS ids)`;
  }

  private async requestIds(userIds: string[]): Promise<string[]> {
    const found = new Set<string>();
    for (const part of slices(userIds, this.rows.batchSize)) {
      const result = await sql<{ request_id: string }>`
        SELECT DISTINCT request_id FROM oauth2_sessions WHERE ${this.session.subject} IN ${this.ids(part)}`.execute(this.db);
      for (const row of result.rows) found.add(row.request_id);
    }
    return [...found];
  }

  private async sessions(userIds: string[]): Promise<RevokedCredentials[]> {
    const out: { user_id: string | null; kind: string }[] = [];
    const { subject } = this.session;
    for (const part of slices(await this.requestIds(userIds), this.rows.batchSize)) {
      const deactivated = await sql<{ user_id: string | null; kind: string }>`
        UPDATE oauth2_sessions SET active = ${this.rows.bool(false)}
        WHERE kind IN (${list(DEACTIVATED_KINDS)}) AND active = ${this.rows.bool(true)} AND request_id IN ${this.ids(part)}
        RETURNING ${subject} AS user_id, kind`.execute(this.db);
      const deleted = await sql<{ user_id: string | null; kind: string }>`
        DELETE FROM oauth2_sessions
        WHERE kind IN (${list(DELETED_KINDS)}) AND request_id IN ${this.ids(part)}
        RETURNING ${subject} AS user_id, kind`.execute(this.db);
      out.push(...deactivated.rows, ...deleted.rows);
    }
    return tally(out);
  }

  private async userTokens(table: 'one_time_access_tokens' | 'reauthentication_tokens', kind: CredentialKind, userIds: string[]): Promise<RevokedCredentials[]> {
    const out: { user_id: string; kind: string }[] = [];
    for (const part of slices(userIds, this.rows.batchSize)) {
      const deleted = await sql<{ user_id: string }>`
        DELETE FROM ${sql.table(table)} WHERE CAST(user_id AS TEXT) IN ${this.ids(part)} RETURNING CAST(user_id AS TEXT) AS user_id`.execute(this.db);
      out.push(...deleted.rows.map((r) => ({ user_id: r.user_id, kind })));
    }
    return tally(out);
  }

  /** Makes every credential of these users unusable, for every client; returns what changed. */
  async revoke(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]> {
    if (userIds.length === 0 || !tables.oauth2Sessions) return [];
    return [
      ...(await this.sessions(userIds)),
      ...(tables.oneTimeAccessTokens ? await this.userTokens('one_time_access_tokens', 'one_time_access_token', userIds) : []),
      ...(tables.reauthenticationTokens ? await this.userTokens('reauthentication_tokens', 'reauthentication_token', userIds) : []),
    ];
  }

  /** Read-only: the rows revoke() would change now. */
  async count(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]> {
    if (userIds.length === 0 || !tables.oauth2Sessions) return [];
    const out: { user_id: string | null; kind: string; n: number | string }[] = [];
    const { subject } = this.session;
    for (const part of slices(await this.requestIds(userIds), this.rows.batchSize)) {
      const counted = await sql<{ user_id: string | null; kind: string; n: number | string }>`
        SELECT ${subject} AS user_id, kind, count(*) AS n FROM oauth2_sessions
        WHERE request_id IN ${this.ids(part)}
          AND ((kind IN (${list(DEACTIVATED_KINDS)}) AND active = ${this.rows.bool(true)}) OR kind IN (${list(DELETED_KINDS)}))
        GROUP BY 1, 2`.execute(this.db);
      out.push(...counted.rows);
    }
    for (const [table, kind, present] of [
      ['one_time_access_tokens', 'one_time_access_token', tables.oneTimeAccessTokens],
      ['reauthentication_tokens', 'reauthentication_token', tables.reauthenticationTokens],
    ] as const) {
      if (!present) continue;
      for (const part of slices(userIds, this.rows.batchSize)) {
        const counted = await sql<{ user_id: string; n: number | string }>`
          SELECT CAST(user_id AS TEXT) AS user_id, count(*) AS n FROM ${sql.table(table)}
          WHERE CAST(user_id AS TEXT) IN ${this.ids(part)} GROUP BY 1`.execute(this.db);
        out.push(...counted.rows.map((r) => ({ ...r, kind })));
      }
    }
    return tally(out);
  }
}
