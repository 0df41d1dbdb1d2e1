import { sql, type RawBuilder } from 'kysely';
import type { DatabaseKind } from './database.js';
import type { RowSource } from './row-source.js';

/** table → column → accepted types (PostgreSQL udt names, SQLite declared types, lower case). */
/** The column of custom_claims that names a claim's owner. */
export type ClaimOwnerColumn = 'user_id' | 'user_group_id';

export type ExpectedColumns = Record<string, Record<string, string[]>>;

/** Pocket ID's columns on one database, by what needs them (judgeSchema). */
export interface ExpectedSchema {
  /** What every run writes: users, user_groups, user_groups_users. */
  sync: ExpectedColumns;
  /** custom_claims, checked only when claims are configured. */
  claims: ExpectedColumns;
  /** The credential tables session revocation writes (oauth2_sessions since Pocket ID v2.10, 20260607120000). */
  credentials: ExpectedColumns;
}

/**
 * Everything shared code needs to know about one database's SQL, so that
 * nothing outside db/postgres/ and db/sqlite/ asks which database it has:
 * the set-based row source of the writer, plus the few functions and types
 * that are spelled differently.
 */
export interface SqlDialect extends RowSource {
  readonly kind: DatabaseKind;
  /**
   * The group ids of the user whose id is in `userId` (a column of the outer
   * query), as one comma-joined string in ascending order (as JavaScript
   * compares the ids' text), null for a user in no group: a scalar subquery
   * along the primary key (user_id, user_group_id), one index range per user.
   */
  groupIdsOf(userId: string): RawBuilder<string | null>;
  /**
   * Every custom_claims row of `owner` (user_id or user_group_id, the other
   * column null) with one of `keys`, as one text in the format of
   * src/sync/stored-claims.ts (null when there is none), read by a sequential
   * scan: no join, no grouping, no row per claim.
   */
  storedClaims(owner: ClaimOwnerColumn, keys: string[]): RawBuilder<{ claims: string | null }>;
  /**
   * The same records with their values as stored, not escaped, and how many
   * there are: a cheaper query (no replace() per row) whose text
   * src/db/claim-state.ts escapes itself when no value holds the record
   * separator, and otherwise does not use.
   */
  plainStoredClaims(owner: ClaimOwnerColumn, keys: string[]): RawBuilder<{ claims: string | null; records: number | string }>;
  /** The first `bytes` bytes of a binary column. */
  bytesHead(column: string, bytes: number): RawBuilder<Buffer>;
  /** The columns the sync reads and writes, as Pocket ID declares them on this database. */
  readonly expectedSchema: ExpectedSchema;
}

/** A user's claim has user_group_id null, a group's user_id null. */
export const otherOwner = (owner: ClaimOwnerColumn): ClaimOwnerColumn => (owner === 'user_id' ? 'user_group_id' : 'user_id');

/** The claims of `owner`'s side with one of `keys`, as rows of `custom_claims AS c`: the stored-claims queries' filter. */
export const ownedClaimsOf = (owner: ClaimOwnerColumn, keys: string[]): RawBuilder<boolean> =>
  sql<boolean>`c.${sql.raw(owner)} IS NOT NULL AND c.${sql.raw(otherOwner(owner))} IS NULL AND c.key IN (${sql.join(keys)})`;
