import { statSync } from 'node:fs';
import { SETTINGS } from '../../config/settings.js';
import { resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { CurrentState, SyncPlan } from '../../sync/types.js';
import type Database from 'better-sqlite3';
import { readMembershipsOf, type EachRow } from '../state-reader.js';
import type { MembershipNeeds } from '../../sync/membership-scope.js';
import type { PocketIdDatabase, SchemaReport, StateParts, StateRead, StateScope, WriteOptions, WriteResult } from '../database.js';
import { judgeSchema } from '../schema-check.js';
import { readSqliteColumns, readSqliteMigrations } from './sqlite-introspector.js';
import type { PocketIdSchema } from '../schema.js';
import { readSnapshot, sqliteBatchCount, writeInBatches } from './batched-write.js';
import { CredentialRevoker, type CredentialTables, type RevokedCredentials } from '../credential-revocation.js';
import { openSqliteHandle, SQLITE_BUSY_TIMEOUT_MS } from './sqlite-connection.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { sqliteSessions } from './sqlite-sessions.js';
import { rowsOffThread } from './rows-off-thread.js';

/**
 * From this many users the read ahead's users query runs on a worker thread:
 * starting one costs about 40 ms of CPU and as long again before its first row,
 * more than the whole query of a small directory (at L it takes 0.35-0.45 s).
 */
const USERS_OFF_THREAD = 10_000;
/** About 10 ms of SQLite's users query at a time: the event loop gets a turn between slices. */
const ROWS_PER_SLICE = 2500;

const DEFAULT_SQLITE_BATCH_ROWS = Number(SETTINGS.find((s) => s.name === 'LDAP_SYNC_SQLITE_BATCH_ROWS')?.default);

export class SqliteDatabase implements PocketIdDatabase {
  readonly kind = 'sqlite';

  private constructor(
    readonly description: string,
    /** The path as configured, plus its absolute form when it is relative. */
    private readonly shownPath: string,
    private readonly db: Kysely<PocketIdSchema>,
    private readonly batchBudget: number,
    handle: Database.Database,
    absolutePath: string,
    usersOffThread: number,
  ) {
    const offThread = rowsOffThread(absolutePath, SQLITE_BUSY_TIMEOUT_MS);
    this.rowsAhead = (query, each) => {
      // max(rowid) reads one page: an upper bound of the users, enough to tell a small directory.
      const users = Number(handle.prepare('SELECT max(rowid) FROM users').pluck(true).get() ?? 0);
      return (users >= usersOffThread ? offThread : this.eachRow)(query, each);
    };
    // Only ever called inside db.connection().execute: the one connection is ours meanwhile, and runs nothing else until the rows end.
    this.eachRow = async (query, each) => {
      let stepped = 0;
      for (const row of handle.prepare(query.sql).raw(true).iterate(...query.parameters)) {
        each(row as unknown[]);
        if (++stepped % ROWS_PER_SLICE === 0) await new Promise(setImmediate);
      }
    };
  }

  /**
   * The state query's rows as arrays (better-sqlite3's raw mode: 100,000 row
   * objects less), handed over as SQLite steps to them (no array of every row
   * kept alive), in slices between which the event loop gets a turn (the
   * driver is synchronous). For the state read again inside write().
   */
  private readonly eachRow: EachRow;

  /**
   * The same rows for the read ahead, which runs beside the LDAP read: stepped
   * through on a worker thread (rows-off-thread.ts), so that SQLite's work
   * leaves the thread that parses LDAP pages; below USERS_OFF_THREAD users, here.
   */
  private readonly rowsAhead: EachRow;

  /**
   * Opens the file Pocket ID uses. It must exist: creating an empty database
   * would only hide a wrong path or an unmounted volume. `usersOffThread`:
   * from how many users the read ahead uses a worker thread (tests set it).
   */
  static open(path: string, batchBudget = DEFAULT_SQLITE_BATCH_ROWS, usersOffThread = USERS_OFF_THREAD): SqliteDatabase {
    // A relative path resolves against our working directory, which need not be Pocket ID's: name both.
    const absolute = resolve(path);
    const shown = absolute === path ? path : `${path} (${absolute})`;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) {
      throw new Error(`SQLite database ${shown} does not exist (is Pocket ID's data directory mounted, and DB_CONNECTION_STRING right?)`);
    }
    if (!stat.isFile()) throw new Error(`SQLite database ${shown} is not a file`);
    const { db, handle } = openSqliteHandle<PocketIdSchema>(path);
    return new SqliteDatabase(`sqlite ${path}`, shown, db, batchBudget, handle, absolute, usersOffThread);
  }

  async checkSchema(scope: StateScope = {}): Promise<SchemaReport> {
    return judgeSchema(sqliteDialect.expectedSchema, await readSqliteMigrations(this.db), await readSqliteColumns(this.db), { claims: scope.claims !== undefined });
  }

  countRevocableCredentials(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]> {
    return new CredentialRevoker(this.db, sqliteDialect, sqliteSessions).count(userIds, tables);
  }

  readState(scope: StateScope = {}, parts: StateParts = {}): Promise<StateRead> {
    // On the one connection write() uses: its data_version tells write() whether another connection committed since.
    return this.db.connection().execute((conn) => readSnapshot(conn, scope.claims, this.rowsAhead, parts));
  }

  readMembershipsOf(needs: MembershipNeeds): Promise<{ memberships: Map<string, string>; scope: Set<string> }> {
    return readMembershipsOf(this.db, sqliteDialect, needs);
  }

  transactionsFor(plan: SyncPlan, state: CurrentState): number {
    return sqliteBatchCount(plan, state, this.batchBudget);
  }

  /**
   * Pocket ID's own requests wait at most 2.5 s for the write lock, so a plan
   * is written in batches that each hold it briefly (batched-write.ts). BEGIN
   * IMMEDIATE takes the lock up front, as Pocket ID does, so a batch waits its
   * turn instead of failing half-way on a lock upgrade.
   */
  write(prepare: (state: CurrentState) => SyncPlan, options: WriteOptions): Promise<WriteResult> {
    return this.db.connection().execute(async (conn) => {
      // WAL is persistent in the file; set only here, after the schema check
      // passed, so a file that is not Pocket ID's is never modified. Pocket ID's
      // own file is already in WAL mode and this is then a no-op.
      await sql`PRAGMA journal_mode = WAL`.execute(conn);
      const begin = async () => {
        try {
          await sql`BEGIN IMMEDIATE`.execute(conn);
        } catch (error) {
          // better-sqlite3 says only "database is locked": say which, and for how long.
          if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
          throw new Error(
            `SQLite database ${this.shownPath} is locked: another connection (Pocket ID, or another sync) held its write lock for longer than the busy timeout of ${SQLITE_BUSY_TIMEOUT_MS} ms`,
            { cause: error },
          );
        }
      };
      return writeInBatches({ db: conn, batchBudget: this.batchBudget, begin, eachRow: this.eachRow }, prepare, options);
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
