import { sql } from 'kysely';
import type { SessionSql } from '../credential-revocation.js';

/**
 * request_data is TEXT in Pocket ID's first oauth2_sessions migration (20260607120000) and BLOB since 20260731120000; the
 * cast reads both, exactly as Pocket ID selects a user's sessions (oidc/store.go, v2.14).
 */
export const sqliteSessions: SessionSql = {
  subject: sql<string>`json_extract(CAST(request_data AS TEXT), '$.session.subject')`,
};
