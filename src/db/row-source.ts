import type { RawBuilder } from 'kysely';

/** citext: text compared case-insensitively (PostgreSQL's users.username; SQLite's column collation does it there). */
export type ColumnType = 'uuid' | 'text' | 'citext' | 'bool';
export type CellValue = string | boolean | null;

/** A batch of rows the writer sends in one statement: column names, types and values by column. */
export interface RowBatch {
  columns: { name: string; type: ColumnType }[];
  /** values[c][r]: column-major, the shape PostgreSQL's unnest wants. */
  values: CellValue[][];
  length: number;
}

/**
 * What differs between the databases for set-based writes: how a batch of
 * rows becomes a table expression usable in FROM / IN, how booleans and
 * timestamps are encoded, and how many rows one statement should carry.
 */
export interface RowSource {
  /** A parenthesised subquery yielding the batch's rows with its column names. */
  rows(batch: RowBatch): RawBuilder<unknown>;
  bool(value: boolean): unknown;
  time(value: Date): unknown;
  readonly batchSize: number;
}

export function batch<T>(items: T[], columns: { name: string; type: ColumnType; value: (item: T) => CellValue }[]): RowBatch {
  return {
    columns: columns.map(({ name, type }) => ({ name, type })),
    values: columns.map((column) => items.map(column.value)),
    length: items.length,
  };
}
