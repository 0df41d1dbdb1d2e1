import type { Kysely } from 'kysely';
import type { DatabaseTarget } from '../config/config.js';
import { openStorage } from '../db/open-database.js';
import type { SqlDialect } from '../db/sql-dialect.js';
import type { StorageSchema } from '../db/storage.js';
import { MARKER_HEAD_BYTES, readMarker } from './png-marker.js';
import { StorageError, type PictureStore } from './store.js';

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
    private readonly dialect: SqlDialect,
  ) {}

  static async open(target: DatabaseTarget): Promise<DatabasePictureStore> {
    const { db, dialect } = await openStorage(target);
    return new DatabasePictureStore(db, dialect);
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
      const head = this.dialect.bytesHead('data', MARKER_HEAD_BYTES);
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
      // Pocket ID's encodings: timestamptz, or unix seconds on SQLite.
      const time = this.dialect.time(now) as Date | number;
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
