import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

/** How long a run (or a picture write) waits for Pocket ID to release the write lock before it fails. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * The one place Pocket ID's SQLite file is opened: the sync and the picture
 * store (FILE_BACKEND=database) get the same busy timeout and pragmas. The
 * file must exist: creating an empty database would only hide a wrong path.
 */
export function openSqlite<Schema>(path: string): Kysely<Schema> {
  return openSqliteHandle<Schema>(path).db;
}

/** The same, with the better-sqlite3 handle under it, for what Kysely cannot ask of the driver (rows as arrays). */
export function openSqliteHandle<Schema>(path: string): { db: Kysely<Schema>; handle: Database.Database } {
  // The busy timeout is in place before the first statement, the journal_mode pragma included.
  const handle = new Database(path, { fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
  handle.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  // Pocket ID's own connection settings (backend/internal/bootstrap/db_bootstrap.go):
  // without foreign_keys a hard delete would leave memberships, passkeys and sessions behind.
  handle.pragma('foreign_keys = ON');
  handle.pragma('temp_store = MEMORY');
  return { db: new Kysely<Schema>({ dialect: new SqliteDialect({ database: handle }) }), handle };
}
