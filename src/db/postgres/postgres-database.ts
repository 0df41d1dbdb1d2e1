import { sql, type CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { errorMessage } from '../../log/error-message.js';
import type { CurrentState, SyncPlan } from '../../sync/types.js';
import { apply, applySteps, firstMismatch, writesAnything, type ApplyStep } from '../apply.js';
import { sameState } from '../../sync/state-equality.js';
import { ExpectationCheck } from '../expectation-check.js';
import { SyncLockBusyError, type PocketIdDatabase, type SchemaReport, type StateParts, type StateRead, type StateScope, type WriteOptions, type WriteResult } from '../database.js';
import { judgeSchema } from '../schema-check.js';
import { readPostgresColumns, readPostgresMigrations } from './postgres-introspector.js';
import type { PocketIdSchema } from '../schema.js';
import { SetWriter } from '../set-writer.js';
import { readOwnedClaims } from '../claim-state.js';
import { readCurrentState, readMembershipsOf, type EachRow } from '../state-reader.js';
import type { MembershipNeeds } from '../../sync/membership-scope.js';
import { openPostgresPool } from './postgres-connection.js';
import { postgresDialect } from './postgres-dialect.js';
import { postgresSessions } from './postgres-sessions.js';
import { describePostgres } from './postgres-target.js';
import { CredentialRevoker, type CredentialTables, type RevokedCredentials } from '../credential-revocation.js';

/**
 * The advisory lock every write transaction takes first, so two daemons (or a
 * daemon and a `sync` job) on one database never write at the same time. The
 * key is "ldapsync" in ASCII (0x6c64617073796e63); in pg_locks it shows as
 * locktype=advisory, classid=1818517872, objid=1937337955, objsubid=1.
 */
export const POSTGRES_SYNC_LOCK_KEY = '7810474789368852067';

/**
 * A query's rows handed to `each` as pg parses them: with a 'row' listener
 * and no callback pg keeps no array of them, so 100,000 rows are not all
 * alive (and copied by the collector) until the last one arrives.
 */
async function eachRowAsParsed(pool: pg.Pool, query: CompiledQuery, each: (row: unknown[]) => void): Promise<void> {
  const client = await pool.connect();
  let failure: unknown;
  let broken: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const config: pg.QueryArrayConfig = { text: query.sql, values: [...query.parameters], rowMode: 'array' };
      const rows = new pg.Query<unknown[]>(config);
      rows.on('row', (row) => {
        // Thrown here it would land in pg's socket handler: kept for the end instead.
        if (failure === undefined) {
          try {
            each(row);
          } catch (error) {
            failure = error;
          }
        }
      });
      rows.on('error', reject);
      rows.on('end', () => (failure === undefined ? resolve() : reject(failure)));
      client.query(rows);
    });
  } catch (error) {
    // pg's error, or a row's: the connection is not handed out again after the former.
    if (error !== failure) broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

export class PostgresDatabase implements PocketIdDatabase {
  readonly kind = 'postgres';
  readonly description: string;
  private readonly db: Kysely<PocketIdSchema>;
  /** The state query's rows as arrays (pg's rowMode 'array'), on any connection of the pool: the read ahead needs no transaction. */
  private readonly eachRow: EachRow;

  constructor(connectionString: string) {
    this.description = describePostgres(connectionString);
    const { db, pool } = openPostgresPool<PocketIdSchema>(connectionString);
    this.db = db;
    this.eachRow = (query, each) => eachRowAsParsed(pool, query, each);
  }

  /** A network error ("connect ECONNREFUSED 10.0.0.5:5432") does not say it came from the database: this does. */
  private async connecting<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // Node reports a refused connection to a name with several addresses as an AggregateError (errorMessage unpacks it).
      const network = error instanceof AggregateError || (error instanceof Error && 'syscall' in error);
      if (network) throw new Error(`cannot reach PostgreSQL (${this.description}): ${errorMessage(error)}`, { cause: error });
      throw error;
    }
  }

  checkSchema(scope: StateScope = {}): Promise<SchemaReport> {
    return this.connecting(async () =>
      judgeSchema(postgresDialect.expectedSchema, await readPostgresMigrations(this.db), await readPostgresColumns(this.db), { claims: scope.claims !== undefined }),
    );
  }

  /**
   * The stored claims' aggregate is sent beside the users query, on the
   * pool's other connection, instead of after it: the server then builds it
   * while the LDAP read is still starting, not in the middle of the user
   * search, where it took a core from slapd and from this process
   * (docs/performance-history.md, 1 December, late morning).
   */
  async readState(scope: StateScope = {}, parts: StateParts = {}): Promise<StateRead> {
    const [state, claims] = await this.connecting(() =>
      Promise.all([readCurrentState(this.db, postgresDialect, undefined, this.eachRow, parts), scope.claims ? readOwnedClaims(this.db, postgresDialect, scope.claims) : undefined]),
    );
    return { state: claims ? { ...state, claims } : state };
  }

  readMembershipsOf(needs: MembershipNeeds): Promise<{ memberships: Map<string, string>; scope: Set<string> }> {
    return this.connecting(() => readMembershipsOf(this.db, postgresDialect, needs));
  }

  countRevocableCredentials(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]> {
    return this.connecting(() => new CredentialRevoker(this.db, postgresDialect, postgresSessions).count(userIds, tables));
  }

  transactionsFor(): number {
    return 1;
  }

  /**
   * One transaction, whatever the plan's size: under MVCC Pocket ID's readers
   * and its writes to other rows never wait for it. The transaction-scoped
   * advisory lock is its first statement: it is released by COMMIT or ROLLBACK
   * (also when the connection dies), never waited for. With a state read
   * ahead, the plan is made before the transaction, and a plan that writes
   * nothing opens none (planInTransaction says how the others are checked).
   */
  write(prepare: (state: CurrentState) => SyncPlan, options: WriteOptions): Promise<WriteResult> {
    return this.connecting(async () => {
      const planned = options.ahead ? prepare(options.ahead.state) : null;
      if (planned && !writesAnything(planned)) return { plan: planned, transactions: 0, applyMs: 0, longestTransactionMs: 0, revoked: [] };
      let started = 0;
      let revoked: RevokedCredentials[] = [];
      const plan = await this.db.transaction().execute(async (trx) => {
        await this.takeSyncLock(trx);
        const { plan, steps } = await planInTransaction(trx, prepare, options, planned);
        started = performance.now();
        revoked = await apply(steps, new SetWriter(trx, postgresDialect, postgresSessions, true), options.now);
        return plan;
      });
      const applyMs = performance.now() - started;
      options.onCommitted?.({ committed: 1, total: 1, wrote: 'the whole plan', heldMs: applyMs });
      return { plan, transactions: 1, applyMs, longestTransactionMs: applyMs, revoked };
    });
  }

  /** POSTGRES_SYNC_LOCK_KEY for this transaction, or SyncLockBusyError when another sync holds it. */
  private async takeSyncLock(trx: Kysely<PocketIdSchema>): Promise<void> {
    const lock = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${sql.raw(POSTGRES_SYNC_LOCK_KEY)}) AS locked`.execute(trx);
    if (lock.rows[0]?.locked !== true) {
      throw new SyncLockBusyError(`another sync holds the PostgreSQL advisory lock ${POSTGRES_SYNC_LOCK_KEY} on this database`);
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Rows the plan's steps check (their expectations): what checking them costs. */
const checkedRows = (steps: ApplyStep[]) => steps.reduce((n, s) => n + (s.expect ? s.size : 0), 0);

/**
 * The plan to write, under the advisory lock. A plan made from the state read
 * ahead stands if what it rests on is unchanged since: a plan touching fewer
 * rows than the state holds (every run but an initial sync or a mass change)
 * checks just those rows (ExpectationCheck); a larger one reads the state
 * again and compares it whole (sameState), which is then cheaper. If Pocket
 * ID or another instance changed something, the plan is made again from the
 * state read here, as without a state read ahead.
 */
async function planInTransaction(
  trx: Kysely<PocketIdSchema>,
  prepare: (state: CurrentState) => SyncPlan,
  options: WriteOptions,
  planned: SyncPlan | null,
): Promise<{ plan: SyncPlan; steps: ApplyStep[] }> {
  const stepsOf = (plan: SyncPlan) => applySteps(plan, undefined, options.revoke ?? null);
  const replan = async (state?: CurrentState) => {
    const plan = prepare(state ?? (await readCurrentState(trx, postgresDialect, options.scope?.claims)));
    return { plan, steps: stepsOf(plan) };
  };
  const { ahead } = options;
  if (!planned || !ahead) return replan();
  const steps = stepsOf(planned);
  const { state } = ahead;
  // A state of some rows only (an incremental run's) cannot be compared whole with a fresh one: its rows are checked.
  const partial = state.userScope !== undefined || state.membershipScope !== undefined;
  if (!partial && checkedRows(steps) > state.users.length + state.groups.length + state.memberships.size) {
    const fresh = await readCurrentState(trx, postgresDialect, options.scope?.claims);
    return sameState(fresh, state) ? { plan: planned, steps } : replan(fresh);
  }
  const check = new ExpectationCheck(trx, postgresDialect, state, planned);
  return (await firstMismatch(steps, (expectation) => check.mismatch(expectation))) === null ? { plan: planned, steps } : replan();
}
