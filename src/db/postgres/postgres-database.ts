import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { CurrentState } from '../../sync/types.js';
import type { PocketIdDatabase, SyncWriter } from '../database.js';
import { judgeSchema, type SchemaReport } from '../schema-check.js';
import { readPostgresColumns, readPostgresMigrations } from './postgres-introspector.js';
import type { PocketIdSchema } from '../schema.js';
import { SetWriter } from '../set-writer.js';
import { readCurrentState } from '../state-reader.js';
import { postgresRows } from './postgres-rows.js';

/** "postgres 10.0.0.5:5432/pocketid": host and database, never the user's password. */
export function describePostgres(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
  } catch {
    return 'postgres (connection string not shown)';
  }
}

export class PostgresDatabase implements PocketIdDatabase {
  readonly kind = 'postgres';
  readonly description: string;
  private readonly db: Kysely<PocketIdSchema>;

  constructor(connectionString: string) {
    this.description = describePostgres(connectionString);
    const pool = new pg.Pool({ connectionString, max: 2 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    this.db = new Kysely<PocketIdSchema>({ dialect: new PostgresDialect({ pool }) });
  }

  async checkSchema(): Promise<SchemaReport> {
    return judgeSchema(this.kind, await readPostgresMigrations(this.db), await readPostgresColumns(this.db));
  }

  readState(): Promise<CurrentState> {
    return readCurrentState(this.db);
  }

  write<T>(work: (state: CurrentState, writer: SyncWriter) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const state = await readCurrentState(trx);
      return work(state, new SetWriter(trx, postgresRows));
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
