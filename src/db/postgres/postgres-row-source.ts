import { sql, type RawBuilder } from 'kysely';
import type { CellValue, ColumnType, RowBatch, RowSource } from '../row-source.js';
import { boolArray, textArray, uuidArray } from './binary-arrays.js';

/** One column as a typed array parameter: binary (binary-arrays.ts), or pg's text literal for a uuid column holding other spellings. */
function column(type: ColumnType, values: CellValue[]): RawBuilder<unknown> {
  if (type === 'bool') return sql`${boolArray(values)}::bool[]`;
  // citext has no fixed type OID: its elements go as text, and text[] -> citext[] is a relabelling.
  if (type === 'citext') return sql`${textArray(values)}::text[]::citext[]`;
  if (type === 'text') return sql`${textArray(values)}::text[]`;
  return sql`${uuidArray(values) ?? values}::uuid[]`;
}

/**
 * PostgreSQL: each column travels as one typed array parameter and `unnest`
 * zips them back into rows, so a batch of 50,000 rows is one statement with a
 * dozen parameters. The arrays are encoded here, when the statement is built,
 * so the writer can build the next batch while the server runs this one
 * (src/db/set-writer.ts).
 */
export const postgresRows: RowSource = {
  rows(batch: RowBatch) {
    const arrays = batch.columns.map((c, i) => column(c.type, batch.values[i] ?? []));
    const names = sql.raw(batch.columns.map((c) => c.name).join(', '));
    return sql`(SELECT * FROM unnest(${sql.join(arrays)}) AS t(${names}))`;
  },
  bool: (value) => value,
  time: (value) => value,
  batchSize: 50_000,
};
