import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

/**
 * The one place a PostgreSQL connection pool is made: the sync and the
 * picture store (FILE_BACKEND=database) use the same options and handlers.
 */
export function openPostgres<Schema>(connectionString: string): Kysely<Schema> {
  return openPostgresPool<Schema>(connectionString).db;
}

/**
 * Each new session, before the pool hands it out. Every statement here is short, but on tables without statistics
 * (rows just loaded, before autovacuum's ANALYZE) the planner expects thousands of memberships per user and, past
 * jit_above_cost, compiles the plan: 130 ms of the 165 ms a 750-user membership read took at L (docs/incremental-history.md,
 * "What it costs"). A server without the setting (before PostgreSQL 11) keeps its default.
 */
async function withoutJit(client: pg.ClientBase): Promise<void> {
  await client.query('SET jit = off').catch(() => undefined);
}

/** The same, with the pool under it, for what Kysely cannot ask of the driver (rows as arrays). */
export function openPostgresPool<Schema>(connectionString: string): { db: Kysely<Schema>; pool: pg.Pool } {
  // application_name makes our sessions easy to find in pg_stat_activity; one in the URL wins.
  const pool = new pg.Pool({ connectionString, max: 2, application_name: 'pocket-id-ldap-sync', onConnect: withoutJit });
  // A server going away makes pg emit "error" on idle clients (pool) and on the
  // client a run holds (client): unhandled, either kills the process. The
  // query in flight fails anyway and the transaction is gone with the session.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }), pool };
}
