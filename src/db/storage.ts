import type { Kysely } from 'kysely';
import type { SqlDialect } from './sql-dialect.js';

/** Pocket ID's storage table (FILE_BACKEND=database, backend/internal/storage/database.go). */
export interface StorageSchema {
  storage: {
    path: string;
    data: Buffer;
    size: number | string;
    mod_time: Date | number;
    created_at: Date | number;
  };
}

/** A connection of its own to the storage table, and the dialect to speak to it. */
export interface StorageTable {
  db: Kysely<StorageSchema>;
  dialect: SqlDialect;
}
