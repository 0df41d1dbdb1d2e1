/**
 * The offboarding bench's view of Pocket ID's database: OAuth2 sessions for every LDAP user, written in
 * one statement the way Pocket ID's store shapes them (request_data JSON with client_id and
 * session.subject, client_id matching it, an oidc_clients row), and a cheap look at one user's state.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DbKind } from './databases.js';

export interface SessionProbe {
  /** A refresh token and an access token (one request) for every LDAP user; returns the rows written. */
  seedSessions(): Promise<number>;
  state(username: string): Promise<{ disabled: boolean; activeRefreshTokens: number }>;
  close(): Promise<void>;
}

const POSTGRES_SEED = `
  INSERT INTO oidc_clients (id, created_at, name, callback_urls, is_public) VALUES ('bench-app', now(), 'Bench App', '[]', false);
  INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, client_id, access_token_signature, active, request_data, expires_at)
  SELECT gen_random_uuid(), now(), k.kind, k.kind || '-' || u.id, 'req-' || u.id, 'bench-app', '', true,
         jsonb_build_object('id', 'req-' || u.id, 'requested_at', now(), 'client_id', 'bench-app',
                            'granted_scope', jsonb_build_array('openid', 'profile', 'email'),
                            'session', jsonb_build_object('subject', u.id::text)),
         now() + interval '30 days'
  FROM users u CROSS JOIN (VALUES ('refresh_token'), ('access_token')) AS k(kind)
  WHERE u.ldap_id IS NOT NULL`;

const SQLITE_SEED = `
  INSERT INTO oidc_clients (id, created_at, name, callback_urls, is_public) VALUES ('bench-app', strftime('%s', 'now'), 'Bench App', '[]', 0);
  INSERT INTO oauth2_sessions (id, created_at, kind, key, request_id, client_id, access_token_signature, active, request_data, expires_at)
  SELECT lower(hex(randomblob(16))), CAST(strftime('%s', 'now') AS INTEGER), k.kind, k.kind || '-' || u.id, 'req-' || u.id, 'bench-app', '', 1,
         json_object('id', 'req-' || u.id, 'requested_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'client_id', 'bench-app',
                     'granted_scope', json_array('openid', 'profile', 'email'), 'session', json_object('subject', u.id)),
         CAST(strftime('%s', 'now') AS INTEGER) + 2592000
  FROM users u, (SELECT 'refresh_token' AS kind UNION ALL SELECT 'access_token') AS k
  WHERE u.ldap_id IS NOT NULL`;

const STATE = (active: string, param: string) => `
  SELECT u.disabled AS disabled,
         (SELECT count(*) FROM oauth2_sessions s WHERE s.kind = 'refresh_token' AND s.active = ${active} AND s.request_id = 'req-' || u.id) AS n
  FROM users u WHERE u.username = ${param}`;

export async function openProbe(kind: DbKind, connectionString: string): Promise<SessionProbe> {
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString });
    await client.connect();
    return {
      seedSessions: async () => {
        await client.query(POSTGRES_SEED);
        return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM oauth2_sessions')).rows[0]?.n);
      },
      state: async (username) => {
        const row = (await client.query<{ disabled: boolean; n: string }>(STATE('true', '$1'), [username])).rows[0];
        return { disabled: row?.disabled === true, activeRefreshTokens: Number(row?.n ?? 0) };
      },
      close: () => client.end(),
    };
  }
  const db = new Database(connectionString);
  db.pragma('busy_timeout = 2500');
  const state = db.prepare<[string], { disabled: number; n: number }>(STATE('1', '?'));
  return {
    seedSessions: async () => {
      db.exec(SQLITE_SEED);
      return (db.prepare('SELECT count(*) AS n FROM oauth2_sessions').get() as { n: number }).n;
    },
    state: async (username) => {
      const row = state.get(username);
      return { disabled: row?.disabled === 1, activeRefreshTokens: row?.n ?? 0 };
    },
    close: async () => {
      db.close();
    },
  };
}
