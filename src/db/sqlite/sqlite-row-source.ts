import { sql } from 'kysely';
import type { RowBatch, RowSource } from '../row-source.js';

/**
 * SQLite: the batch travels as one JSON parameter, row-major, and json_each
 * turns it back into rows. One statement per batch with a single parameter,
 * far below SQLite's variable limit, like unnest on PostgreSQL.
 * Encodings follow Pocket ID (backend/internal/model/types/date_time.go,
 * model/base.go): ids as lowercase text,
 * booleans 0/1, timestamps as integer unix seconds.
 */
export const sqliteRows: RowSource = {
  rows(batch: RowBatch) {
    const rows: unknown[][] = [];
    for (let r = 0; r < batch.length; r++) {
      rows.push(batch.columns.map((_column, c) => {
        const value = batch.values[c]?.[r] ?? null;
        return typeof value === 'boolean' ? (value ? 1 : 0) : value;
      }));
    }
    const columns = sql.raw(batch.columns.map((column, i) => `value->>${i} AS ${column.name}`).join(', '));
    return sql`(SELECT ${columns} FROM json_each(${JSON.stringify(rows)}))`;
  },
  bool: (value) => (value ? 1 : 0),
  time: (value) => Math.floor(value.getTime() / 1000),
  batchSize: 20_000,
};
