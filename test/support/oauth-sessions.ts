// OAuth2 state written the way Pocket ID v2.14 writes it (backend/internal/oidc/store.go storeSession,
// webauthn reauthentication tokens), so revocation is tested against rows Pocket ID itself would hold:
// request_data is the JSON of its storedRequester (id, requested_at, client_id, scopes, form, session with
// the user's id as subject), client_id equals request_data's client_id (chk_oauth2_sessions_client_id),
// and every client is a row of oidc_clients. PostgreSQL: uuid, timestamptz, jsonb. SQLite: text ids, unix
// seconds, request_data as text in a BLOB column.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { TestDatabase } from './test-database.js';

export type SessionKind = 'authorize_code' | 'access_token' | 'refresh_token' | 'pkce' | 'openid' | 'par' | 'device_code' | 'user_code';

export interface StoredSession {
  kind: SessionKind;
  requestId: string;
  clientId: string;
  /** users.id of the user the tokens were issued to. */
  subject: string;
  active?: boolean;
}

const HOUR = 3600_000;

function requestData(session: StoredSession, requestedAt: Date): string {
  const scopes = ['openid', 'profile', 'email'];
  const expires = new Date(requestedAt.getTime() + HOUR).toISOString();
  return JSON.stringify({
    id: session.requestId,
    requested_at: requestedAt.toISOString(),
    client_id: session.clientId,
    requested_scope: scopes,
    granted_scope: scopes,
    form: { grant_type: ['authorization_code'], redirect_uri: ['https://app.example.com/callback'] },
    session: {
      claims: { sub: session.subject, iss: 'https://id.example.com', aud: [session.clientId] },
      expires_at: { access_token: expires, refresh_token: new Date(requestedAt.getTime() + 720 * HOUR).toISOString() },
      subject: session.subject,
    },
    requested_audience: [],
    granted_audience: [session.clientId],
  });
}

export async function insertClient(db: TestDatabase, id: string, name: string): Promise<void> {
  await sql`INSERT INTO oidc_clients (id, created_at, name, callback_urls, is_public) VALUES (${id}, ${db.kind === 'postgres' ? new Date() : Math.floor(Date.now() / 1000)}, ${name}, '[]', ${db.kind === 'postgres' ? false : 0})`.execute(db.db);
}

/** Inserts the rows; returns their keys (the token signatures), in order. */
export async function insertSessions(db: TestDatabase, sessions: StoredSession[]): Promise<string[]> {
  const keys: string[] = [];
  const now = new Date();
  for (const session of sessions) {
    const key = `sig-${randomUUID()}`;
    keys.push(key);
    const data = requestData(session, now);
    const expires = new Date(now.getTime() + HOUR);
    const active = session.active ?? true;
    if (db.kind === 'postgres') {
      await sql`
        INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, client_id, access_token_signature, active, request_data, expires_at)
        VALUES (${randomUUID()}, ${now}, ${session.kind}, ${key}, ${session.requestId}, ${session.clientId}, '', ${active}, ${data}::jsonb, ${expires})`.execute(db.db);
    } else {
      await sql`
        INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, client_id, access_token_signature, active, request_data, expires_at)
        VALUES (${randomUUID()}, ${Math.floor(now.getTime() / 1000)}, ${session.kind}, ${key}, ${session.requestId}, ${session.clientId}, '', ${active ? 1 : 0}, ${data}, ${Math.floor(expires.getTime() / 1000)})`.execute(db.db);
    }
  }
  return keys;
}

export async function insertReauthenticationToken(db: TestDatabase, userId: string): Promise<void> {
  const now = new Date();
  const time = (d: Date) => (db.kind === 'postgres' ? d : Math.floor(d.getTime() / 1000));
  await sql`INSERT INTO reauthentication_tokens (id, created_at, token, expires_at, user_id)
            VALUES (${randomUUID()}, ${time(now)}, ${`hash-${randomUUID()}`}, ${time(new Date(now.getTime() + 180_000))}, ${userId})`.execute(db.db);
}

export interface SessionRow {
  kind: SessionKind;
  key: string;
  request_id: string;
  active: boolean;
  subject: string;
  /** The whole row as the driver returns it, serialised: compared for "byte-identical". */
  raw: string;
}

const serialise = (row: Record<string, unknown>) =>
  JSON.stringify(row, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('hex') : v));

/** Every oauth2_sessions row, by key. */
export async function sessionRows(db: TestDatabase): Promise<Map<string, SessionRow>> {
  const rows = await sql<Record<string, unknown>>`SELECT * FROM oauth2_sessions ORDER BY key`.execute(db.db);
  const out = new Map<string, SessionRow>();
  for (const row of rows.rows) {
    const data = (typeof row.request_data === 'string' ? JSON.parse(row.request_data) : row.request_data) as { session: { subject: string } };
    out.set(String(row.key), {
      kind: row.kind as SessionKind,
      key: String(row.key),
      request_id: String(row.request_id),
      active: row.active === true || row.active === 1,
      subject: data.session.subject,
      raw: serialise(row),
    });
  }
  return out;
}

/** Every reauthentication_tokens row, serialised, with its user. */
export async function reauthenticationTokens(db: TestDatabase): Promise<{ userId: string; raw: string }[]> {
  const rows = await sql<Record<string, unknown>>`SELECT * FROM reauthentication_tokens ORDER BY token`.execute(db.db);
  return rows.rows.map((row) => ({ userId: String(row.user_id), raw: serialise(row) }));
}
