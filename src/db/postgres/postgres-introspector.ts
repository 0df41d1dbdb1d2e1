import { sql, type Kysely } from 'kysely';
import { INSPECTED_TABLES, type ColumnTypes, type MigrationState } from '../schema-check.js';
import type { PocketIdSchema } from '../schema.js';

export async function readPostgresMigrations(db: Kysely<PocketIdSchema>): Promise<MigrationState[] | null> {
  const exists = await sql<{ present: boolean }>`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`.execute(db);
  if (!exists.rows[0]?.present) return null;
  const rows = await sql<{ version: string; dirty: boolean }>`SELECT version::text AS version, dirty FROM schema_migrations`.execute(db);
  return rows.rows.map((r) => ({ version: BigInt(r.version), dirty: r.dirty }));
}

/** Column types (udt names such as uuid, citext, timestamptz) of the tables on the search path. */
export async function readPostgresColumns(db: Kysely<PocketIdSchema>): Promise<ColumnTypes> {
  const rows = await sql<{ table_name: string; column_name: string; udt_name: string }>`
    SELECT c.table_name, c.column_name, c.udt_name
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema() AND CAST(c.table_name AS text) = ANY(${INSPECTED_TABLES}::text[])`.execute(db);
  const columns: ColumnTypes = new Map();
  for (const row of rows.rows) {
    if (!columns.has(row.table_name)) columns.set(row.table_name, new Map());
    columns.get(row.table_name)?.set(row.column_name, row.udt_name.toLowerCase());
  }
  return columns;
}
