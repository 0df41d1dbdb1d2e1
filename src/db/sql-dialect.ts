import type { RawBuilder } from 'kysely';
import type { DatabaseKind } from './database.js';
import type { RowSource } from './row-source.js';

/** table → column → accepted types (PostgreSQL udt names, SQLite declared types, lower case). */
export type ExpectedColumns = Record<string, Record<string, string[]>>;

/**
 * Everything shared code needs to know about one database's SQL, so that
 * nothing outside db/postgres/ and db/sqlite/ asks which database it has:
 * the set-based row source of the writer, plus the few functions and types
 * that are spelled differently.
 */
export interface SqlDialect extends RowSource {
  readonly kind: DatabaseKind;
  /** The ids of one GROUP BY group as one comma-joined string. */
  joinIds(column: string): RawBuilder<string>;
  /** The first `bytes` bytes of a binary column. */
  bytesHead(column: string, bytes: number): RawBuilder<Buffer>;
  /** The columns the sync writes, as Pocket ID declares them on this database. */
  readonly expectedColumns: ExpectedColumns;
}
