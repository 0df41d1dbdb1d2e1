import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/config.js';
import { MARKER_HEAD_BYTES, readMarker } from './png-marker.js';
import { StorageError, type PictureStore } from './store.js';

/** Pocket ID's storage table (reference §2.5), the only one this store touches. */
interface StorageSchema {
  storage: {
    path: string;
    data: Buffer;
    size: number | string;
    mod_time: Date | number;
    created_at: Date | number;
  };
}

/** How long a picture write waits for Pocket ID's SQLite write lock (as the sync itself). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PATHS_PER_QUERY = 500;

/**
 * FILE_BACKEND=database: rows of the storage table, upserted the way Pocket
 * ID's storage/database.go does (mod_time = now; created_at only on insert),
 * each picture its own short statement after the sync's transaction has
 * committed. It has its own connection: the sync's is closed or busy by then.
 */
export class DatabasePictureStore implements PictureStore {
  readonly description = 'database table storage';

  private constructor(
    private readonly db: Kysely<StorageSchema>,
    private readonly kind: DatabaseTarget['kind'],
  ) {}

  static open(target: DatabaseTarget): DatabasePictureStore {
    if (target.kind === 'postgres') {
      const pool = new pg.Pool({ connectionString: target.connectionString, max: 2, application_name: 'pocket-id-ldap-sync' });
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      return new DatabasePictureStore(new Kysely<StorageSchema>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
    }
    const handle = new Database(target.path, { fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MS });
    handle.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    return new DatabasePictureStore(new Kysely<StorageSchema>({ dialect: new SqliteDialect({ database: handle }) }), 'sqlite');
  }

  private async guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StorageError(`${what} in table storage failed: ${(error as Error).message}`, { cause: error });
    }
  }

  markers(paths: string[]): Promise<Map<string, string | null>> {
    return this.guarded('reading pictures', async () => {
      const found = new Map<string, string | null>();
      // Only the first bytes of each row travel: enough for IHDR and our tEXt chunk.
      const head = this.kind === 'postgres'
        ? sql<Buffer>`substring(data from 1 for ${sql.lit(MARKER_HEAD_BYTES)})`
        : sql<Buffer>`substr(data, 1, ${sql.lit(MARKER_HEAD_BYTES)})`;
      for (let i = 0; i < paths.length; i += PATHS_PER_QUERY) {
        const rows = await this.db
          .selectFrom('storage')
          .select(['path', head.as('head')])
          .where('path', 'in', paths.slice(i, i + PATHS_PER_QUERY))
          .execute();
        for (const row of rows) found.set(row.path, readMarker(Buffer.from(row.head)));
      }
      return found;
    });
  }

  write(path: string, png: Buffer): Promise<void> {
    return this.guarded(`writing ${path}`, async () => {
      const now = new Date();
      // Pocket ID's encodings (reference §2.10): timestamptz, or unix seconds on SQLite.
      const time = this.kind === 'postgres' ? now : Math.floor(now.getTime() / 1000);
      await this.db
        .insertInto('storage')
        .values({ path, data: png, size: png.length, mod_time: time, created_at: time })
        .onConflict((oc) => oc.column('path').doUpdateSet((eb) => ({
          data: eb.ref('excluded.data'),
          size: eb.ref('excluded.size'),
          mod_time: eb.ref('excluded.mod_time'),
        })))
        .execute();
    });
  }

  delete(path: string): Promise<boolean> {
    return this.guarded(`deleting ${path}`, async () => {
      const result = await this.db.deleteFrom('storage').where('path', '=', path).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
