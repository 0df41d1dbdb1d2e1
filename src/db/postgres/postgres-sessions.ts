import { sql } from 'kysely';
import type { SessionSql } from '../credential-revocation.js';

/** request_data is jsonb; Pocket ID reads the user as request_data #>> '{session,subject}' (oidc/store.go, v2.14). */
export const postgresSessions: SessionSql = {
  subject: sql<string>`(request_data #>> '{session,subject}')`,
};
