import { sql } from 'kysely';
import type { RowBatch, RowSource } from '../row-source.js';

/**
 * PostgreSQL: each column travels as one typed array parameter and `unnest`
 * zips them back into rows, so a batch of 50,000 rows is one statement with a
 * dozen parameters.
 */
export const postgresRows: RowSource = {
  rows(batch: RowBatch) {
    const arrays = batch.columns.map((column, i) => sql`${batch.values[i]}::${sql.raw(column.type)}[]`);
    const names = sql.raw(batch.columns.map((c) => c.name).join(', '));
    return sql`(SELECT * FROM unnest(${sql.join(arrays)}) AS t(${names}))`;
  },
  bool: (value) => value,
  time: (value) => value,
  batchSize: 50_000,
};
