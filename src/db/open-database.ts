// The one place that asks which database DB_CONNECTION_STRING names: everything
// else talks to PocketIdDatabase, the storage table and their SqlDialect. The
// database modules are loaded lazily, so a PostgreSQL deployment never loads the
// native SQLite module.
import type { DatabaseTarget } from '../config/config.js';
import type { PocketIdDatabase } from './database.js';
import { describePostgres, postgresSecrets } from './postgres/postgres-target.js';
import type { StorageSchema, StorageTable } from './storage.js';

/** Opens Pocket ID's database the way Pocket ID chooses it from DB_CONNECTION_STRING. */
export async function openDatabase(target: DatabaseTarget): Promise<PocketIdDatabase> {
  switch (target.kind) {
    case 'postgres': {
      const { PostgresDatabase } = await import('./postgres/postgres-database.js');
      return new PostgresDatabase(target.connectionString);
    }
    case 'sqlite': {
      const { SqliteDatabase } = await import('./sqlite/sqlite-database.js');
      return SqliteDatabase.open(target.path, target.batchRows);
    }
  }
}

/** Pocket ID's storage table on a connection of its own (the picture store, FILE_BACKEND=database). */
export async function openStorage(target: DatabaseTarget): Promise<StorageTable> {
  switch (target.kind) {
    case 'postgres': {
      const [{ openPostgres }, { postgresDialect }] = await Promise.all([import('./postgres/postgres-connection.js'), import('./postgres/postgres-dialect.js')]);
      return { db: openPostgres<StorageSchema>(target.connectionString), dialect: postgresDialect };
    }
    case 'sqlite': {
      const [{ openSqlite }, { sqliteDialect }] = await Promise.all([import('./sqlite/sqlite-connection.js'), import('./sqlite/sqlite-dialect.js')]);
      return { db: openSqlite<StorageSchema>(target.path), dialect: sqliteDialect };
    }
  }
}

/** Host and database name (PostgreSQL) or file (SQLite): never a password. */
export function describeDatabase(target: DatabaseTarget): string {
  switch (target.kind) {
    case 'postgres':
      return describePostgres(target.connectionString);
    case 'sqlite':
      return `sqlite ${target.path}`;
  }
}

/** The secrets inside the target (PostgreSQL: the password in the connection string), for masking. */
export function databaseSecrets(target: DatabaseTarget): string[] {
  switch (target.kind) {
    case 'postgres':
      return postgresSecrets(target.connectionString);
    case 'sqlite':
      return [];
  }
}
