import type { DatabaseTarget } from '../config/config.js';
import type { PocketIdDatabase } from './database.js';

/** Opens Pocket ID's database the way Pocket ID chooses it from DB_CONNECTION_STRING. */
export async function openDatabase(target: DatabaseTarget): Promise<PocketIdDatabase> {
  if (target.kind === 'postgres') {
    const { PostgresDatabase } = await import('./postgres/postgres-database.js');
    return new PostgresDatabase(target.connectionString);
  }
  // Loaded lazily so a PostgreSQL deployment never loads the native SQLite module.
  const { SqliteDatabase } = await import('./sqlite/sqlite-database.js');
  return SqliteDatabase.open(target.path, target.batchRows);
}
