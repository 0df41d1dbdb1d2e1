import { sql, type Kysely } from 'kysely';
import { INSPECTED_TABLES, type ColumnTypes, type MigrationState } from '../schema-check.js';
import type { PocketIdSchema } from '../schema.js';

export async function readSqliteMigrations(db: Kysely<PocketIdSchema>): Promise<MigrationState[] | null> {
  const exists = await sql<{ n: number }>`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`.execute(db);
  if (!exists.rows[0]?.n) return null;
  const rows = await sql<{ version: string; dirty: number | boolean }>`SELECT CAST(version AS TEXT) AS version, dirty FROM schema_migrations`.execute(db);
  return rows.rows.map((r) => ({ version: BigInt(r.version), dirty: r.dirty === 1 || r.dirty === true }));
}

/** Declared column types (TEXT, DATETIME, BOOLEAN), lower case. */
export async function readSqliteColumns(db: Kysely<PocketIdSchema>): Promise<ColumnTypes> {
  const columns: ColumnTypes = new Map();
  for (const table of INSPECTED_TABLES) {
    const rows = await sql<{ name: string; type: string }>`SELECT name, type FROM pragma_table_info(${table})`.execute(db);
    if (rows.rows.length > 0) columns.set(table, new Map(rows.rows.map((r) => [r.name, r.type.toLowerCase()])));
  }
  return columns;
}
