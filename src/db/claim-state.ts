import type { Kysely } from 'kysely';
import { escapeRecords } from '../sync/stored-claims.js';
import type { ClaimMappings, CurrentClaims } from '../sync/types.js';
import type { PocketIdSchema } from './schema.js';
import type { ClaimOwnerColumn, SqlDialect } from './sql-dialect.js';

/**
 * The claims the sync may own: the rows of the configured keys (retired ones
 * included), one text per side (src/sync/stored-claims.ts). Other keys are
 * never read. Owners are not filtered here: joining users or user_groups to
 * keep only LDAP rows cost more than the scan itself (SQLite, 300,000 claims:
 * 0.45-0.65 s of CPU against 0.15 s), so the plan takes only claims whose
 * owner is an LDAP row (src/sync/plan-claims.ts).
 */
export async function readOwnedClaims(db: Kysely<PocketIdSchema>, dialect: SqlDialect, mappings: ClaimMappings): Promise<CurrentClaims> {
  const [users, groups] = await Promise.all([
    storedText(db, dialect, 'user_id', mappings.user.map((m) => m.key)),
    storedText(db, dialect, 'user_group_id', mappings.group.map((m) => m.key)),
  ]);
  return { users, groups };
}

async function storedText(db: Kysely<PocketIdSchema>, dialect: SqlDialect, owner: ClaimOwnerColumn, keys: string[]): Promise<string> {
  if (keys.length === 0) return '';
  // Keys are escaped with the values below, so a key holding a backslash takes the escaping query.
  if (!keys.some((key) => key.includes('\\'))) {
    const row = (await dialect.plainStoredClaims(owner, keys).execute(db)).rows[0];
    const text = escapeRecords(row?.claims ?? '', Number(row?.records ?? 0));
    if (text !== null) return text;
  }
  const result = await dialect.storedClaims(owner, keys).execute(db);
  return result.rows[0]?.claims ?? '';
}
