// Rows packed into strings by SQLite itself on the worker (row-worker.ts) and
// unpacked here into the arrays better-sqlite3's raw mode gives: text as it
// is, integers as numbers, NULL as null. A text value holding one of the three
// control characters below (never in ids, usernames or addresses; possible in
// a name) travels as its UTF-8 bytes in hex instead.

/** Between rows (joined by the worker) and between fields. */
export const ROW_SEPARATOR = '\u001e';
const FIELD_SEPARATOR = '\u001f';
/** char(29): the first character of a value that is not plain text. */
const TAGGED = 0x1d;

/** One query for the worker: the file, the statement and its parameters. */
export interface RowQuery {
  path: string;
  sql: string;
  parameters: readonly unknown[];
  busyTimeoutMs: number;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A column as packed text; `c` is the column of the query, quoted. */
function packed(c: string): string {
  return `CASE typeof(${c})
    WHEN 'text' THEN CASE WHEN instr(${c}, char(29)) = 0 AND instr(${c}, char(30)) = 0 AND instr(${c}, char(31)) = 0 THEN ${c} ELSE char(29) || 'x' || hex(${c}) END
    WHEN 'integer' THEN char(29) || 'i' || ${c}
    WHEN 'null' THEN char(29)
    WHEN 'real' THEN char(29) || 'r' || printf('%!.17g', ${c})
    ELSE char(29) || 'b' || hex(${c}) END`;
}

/** `sql`, whose result columns are `columns` (each name once), with each row as one string. */
export function packedRowSql(sql: string, columns: string[]): string {
  if (new Set(columns).size !== columns.length) throw new Error(`a packed query needs distinct column names: ${columns.join(', ')}`);
  const fields = columns.map((name) => packed(`q.${quoted(name)}`)).join(' || char(31) || ');
  // OFFSET keeps SQLite from flattening the query into this one, which would evaluate a column
  // as often as it is named here (the users query's correlated subquery five times: 1.0 s instead of 0.65 s at L).
  return `SELECT ${fields} FROM (SELECT * FROM (${sql}) LIMIT -1 OFFSET 0) AS q`;
}

/** A value packed with a tag: NULL, a number, a blob, or text holding a control character. */
function untagged(field: string): unknown {
  if (field.length === 1) return null;
  const value = field.slice(2);
  switch (field[1]) {
    case 'i':
    case 'r':
      return Number(value);
    case 'x':
      return Buffer.from(value, 'hex').toString('utf8');
    default:
      return Buffer.from(value, 'hex');
  }
}

/** Hands each row of a chunk to `each`, as raw mode would have. */
export function eachPackedRow(chunk: string, each: (row: unknown[]) => void): void {
  for (const packedRow of chunk.split(ROW_SEPARATOR)) {
    const row: unknown[] = packedRow.split(FIELD_SEPARATOR);
    for (let k = 0; k < row.length; k++) {
      if ((row[k] as string).charCodeAt(0) === TAGGED) row[k] = untagged(row[k] as string);
    }
    each(row);
  }
}
