// The worker side of rowsOffThread (rows-off-thread.ts): steps through one
// query on a read-only connection of its own, each row packed into one string
// by SQLite (packed-rows.ts), and posts them in chunks. SQLite's work then runs
// beside the LDAP read instead of on the thread that parses it.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { packedRowSql, ROW_SEPARATOR, type RowQuery } from './packed-rows.js';

/** Rows per message: one string of about 1.5 MB at L. */
const ROWS_PER_CHUNK = 2500;

function stepThrough({ path, sql, parameters, busyTimeoutMs }: RowQuery): void {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const columns = db.prepare(sql).columns().map((column) => column.name);
    const rows = db.prepare(packedRowSql(sql, columns)).pluck(true);
    // One transaction: every row from one snapshot of the file.
    db.exec('BEGIN');
    let chunk: string[] = [];
    for (const row of rows.iterate(...parameters)) {
      chunk.push(row as string);
      if (chunk.length === ROWS_PER_CHUNK) {
        parentPort?.postMessage(chunk.join(ROW_SEPARATOR));
        chunk = [];
      }
    }
    if (chunk.length > 0) parentPort?.postMessage(chunk.join(ROW_SEPARATOR));
    db.exec('COMMIT');
    // The end, told apart from a worker that stopped half-way.
    parentPort?.postMessage(null);
  } finally {
    db.close();
  }
}

try {
  stepThrough(workerData as RowQuery);
} catch (error) {
  // A thrown SqliteError reaches the main thread without its message: sent as what it says instead.
  const { message, code } = error as { message?: unknown; code?: unknown };
  parentPort?.postMessage({ failed: String(message), code });
}
