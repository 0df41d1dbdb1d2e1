import { sql, type Kysely } from 'kysely';
import { SyncFailure } from '../../sync/failure.js';
import { memberCounts } from '../../sync/membership-diff.js';
import type { ClaimMappings, CurrentState, SyncPlan } from '../../sync/types.js';
import { applySteps, type ApplyStep, type Expectation } from '../apply.js';
import { countBatches, describeBatch, START, takeNextBatch, type Batch } from '../batches.js';
import type { StateParts, StateRead, WriteOptions, WriteResult } from '../database.js';
import type { PocketIdSchema } from '../schema.js';
import { SetWriter } from '../set-writer.js';
import { readCurrentState, type EachRow } from '../state-reader.js';
import { ExpectationCheck } from '../expectation-check.js';
import { sqliteDialect } from './sqlite-dialect.js';
import { sqliteSessions } from './sqlite-sessions.js';
import type { CredentialTables, RevokedCredentials } from '../credential-revocation.js';

/**
 * The write lock is left free this long after each commit. A connection
 * waiting for it (Pocket ID, busy timeout 2.5 s) sleeps at most 100 ms between
 * attempts (SQLite's busy handler), so it wakes inside the pause and takes the
 * lock before the next batch: waiting is fair instead of a race we would win.
 */
export const PAUSE_BETWEEN_BATCHES_MS = 110;

/** How often a plan is made again when the rows it touches changed before its first commit. */
const MAX_PLANS = 3;

/**
 * The write-lock time a batch aims for. Pocket ID waits at most 2.5 s for the
 * lock; a request that arrives as a batch starts waits about this long plus
 * one busy-handler sleep (at most 100 ms). Each batch is followed by a
 * 110 ms pause, so fewer, longer batches finish a large plan sooner: at 400 ms
 * and a 50,000-row cap the initial sync of 100,000 users spent 3.2 s of its
 * 8.8 s apply pausing (docs/performance-history.md); 500 ms still leaves Pocket ID
 * five times its timeout.
 */
export const TARGET_HOLD_MS = 500;

/** The first batch's weight; later ones grow (at most doubling) while they stay under TARGET_HOLD_MS. */
const FIRST_BATCH = 10_000;

/** Batches never shrink below this weight, whatever the database's speed: a slow disk must not mean thousands of commits. */
const SMALLEST_BATCH = 1_000;

/** The rows a batch was about to write are no longer as the plan read them. */
class PlanOutdated extends Error {}

export interface BatchedWriteTarget {
  db: Kysely<PocketIdSchema>;
  /** LDAP_SYNC_SQLITE_BATCH_ROWS: the most weight (src/db/apply.ts) one transaction carries. */
  batchBudget: number;
  /** BEGIN IMMEDIATE, with a clear error when the lock stays busy. */
  begin(): Promise<void>;
  /** The state query's rows as arrays, on the same connection (state-reader.ts). */
  eachRow?: EachRow;
}

function steps(plan: SyncPlan, state: CurrentState, revoke: CredentialTables | null = null): ApplyStep[] {
  // Counted only when the plan deletes a group (the weight of its cascade).
  let counts: Map<string, number> | undefined;
  return applySteps(plan, (id) => (counts ??= memberCounts(state.memberships)).get(id) ?? 0, revoke);
}

/** How many batches a plan takes at full size: what the dry run reports (a slow database may take more). */
export function sqliteBatchCount(plan: SyncPlan, state: CurrentState, budget: number): number {
  return countBatches(steps(plan, state), START, budget);
}

/**
 * The next batch's weight: what the last one wrote per millisecond of lock,
 * times TARGET_HOLD_MS; at most double the last and at most the configured
 * budget. The size so follows the database's speed on this machine and under
 * its current load, and a busy machine gets smaller batches, not longer locks.
 */
function nextBudget(last: number, weight: number, heldMs: number, max: number): number {
  const fitting = Math.floor((weight * TARGET_HOLD_MS) / Math.max(heldMs, 1));
  return Math.max(Math.min(SMALLEST_BATCH, max), Math.min(max, 2 * last, fitting));
}

const dataVersion = async (db: Kysely<PocketIdSchema>) => (await sql<{ data_version: number }>`PRAGMA data_version`.execute(db)).rows[0]?.data_version;

/**
 * One snapshot of the database (a read transaction: WAL lets Pocket ID write
 * meanwhile), with the connection's data_version before it: our own commits
 * leave that alone, it moves only when another connection commits.
 */
export async function readSnapshot(db: Kysely<PocketIdSchema>, claims: ClaimMappings | undefined, eachRow?: EachRow, parts?: StateParts): Promise<StateRead> {
  const version = await dataVersion(db);
  await sql`BEGIN`.execute(db);
  try {
    return { state: await readCurrentState(db, sqliteDialect, claims, eachRow, parts), version };
  } finally {
    await sql`COMMIT`.execute(db);
  }
}

interface Progress {
  committed: number;
  /** Only what committed batches revoked: a rolled-back batch revoked nothing. */
  revoked: RevokedCredentials[];
  /** Committed plus the batches still to come at the current size: an estimate while the size adapts. */
  total: number;
  longestMs: number;
  started?: number;
}

/**
 * Writes a plan in batches, each its own short BEGIN IMMEDIATE transaction.
 * The state is read and the plan made without the lock. PRAGMA data_version
 * tells whether another connection committed since that read; only then are
 * the rows of each part checked, just before it is written (ExpectationCheck).
 * If they changed before anything was committed, the plan is made again from
 * a fresh read, outside the lock; after a commit, the run stops and the next
 * completes it.
 */
export async function writeInBatches(target: BatchedWriteTarget, prepare: (state: CurrentState) => SyncPlan, options: WriteOptions): Promise<WriteResult> {
  const { db } = target;
  let { state, version: snapshotVersion } = options.ahead ?? (await readSnapshot(db, options.scope?.claims, target.eachRow));
  let plan = prepare(state);
  const progress: Progress = { committed: 0, revoked: [], total: 0, longestMs: 0 };
  for (let attempt = 1; ; attempt++) {
    try {
      await writeBatches(target, plan, state, snapshotVersion, options, progress);
      const { committed, longestMs, started } = progress;
      return { plan, transactions: committed, applyMs: started === undefined ? 0 : performance.now() - started, longestTransactionMs: longestMs, revoked: progress.revoked };
    } catch (error) {
      if (error instanceof PlanOutdated && progress.committed === 0 && attempt < MAX_PLANS) {
        ({ state, version: snapshotVersion } = await readSnapshot(db, options.scope?.claims, target.eachRow));
        plan = prepare(state);
        continue;
      }
      throw progressError(error, progress.committed, progress.total);
    }
  }
}

async function writeBatches(target: BatchedWriteTarget, plan: SyncPlan, state: CurrentState, snapshotVersion: unknown, options: WriteOptions, progress: Progress): Promise<void> {
  const { db } = target;
  const writer = new SetWriter(db, sqliteDialect, sqliteSessions);
  // Made only when a batch finds another connection committed since the read: its maps of every
  // user and group (about 50 ms at L) are then needed, and most runs (any no-change run) never are.
  let check: ExpectationCheck | undefined;
  const mismatch = (expectation: Expectation) => (check ??= new ExpectationCheck(db, sqliteDialect, state, plan)).mismatch(expectation);
  const planSteps = steps(plan, state, options.revoke ?? null);
  let budget = Math.min(target.batchBudget, FIRST_BATCH);
  let counted = { budget: 0, batches: 0 };
  let cursor = START;
  let last: Batch | undefined;
  for (let taken = takeNextBatch(planSteps, cursor, budget, last); taken; taken = takeNextBatch(planSteps, cursor, budget, last)) {
    const { batch } = taken;
    // Recounted whenever the batch size changed: the total follows the database's speed.
    if (counted.budget !== budget) counted = { budget, batches: countBatches(planSteps, cursor, budget, last?.reached) };
    last = batch;
    progress.total = progress.committed + counted.batches;
    if (progress.committed > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
    const { heldMs, revoked } = await commitBatch(target, writer, mismatch, batch, snapshotVersion, options.now);
    progress.revoked.push(...revoked);
    progress.started ??= performance.now() - heldMs;
    progress.longestMs = Math.max(progress.longestMs, heldMs);
    progress.committed += 1;
    counted.batches -= 1;
    cursor = taken.next;
    progress.total = Math.max(progress.total, progress.committed);
    options.onCommitted?.({ committed: progress.committed, total: progress.total, wrote: describeBatch(batch), heldMs });
    budget = nextBudget(budget, batch.weight, heldMs, target.batchBudget);
  }
}

/** One batch in one transaction; returns how long it held the write lock and what its steps revoked. */
async function commitBatch(
  target: BatchedWriteTarget,
  writer: SetWriter,
  mismatch: (expectation: Expectation) => Promise<string | null>,
  batch: Batch,
  snapshotVersion: unknown,
  now: Date,
): Promise<{ heldMs: number; revoked: RevokedCredentials[] }> {
  const { db } = target;
  await target.begin();
  const held = performance.now();
  const revoked: RevokedCredentials[] = [];
  try {
    // Anything committed elsewhere since the snapshot may touch this batch's rows, even if it came before an earlier batch.
    const moved = (await dataVersion(db)) !== snapshotVersion;
    for (const part of batch.parts) {
      const reason = moved && part.step.expect ? await mismatch(part.step.expect(part.rows)) : null;
      if (reason !== null) throw new PlanOutdated(reason);
      revoked.push(...((await part.step.run(writer, part.rows, now)) ?? []));
    }
    await sql`COMMIT`.execute(db);
  } catch (error) {
    await sql`ROLLBACK`.execute(db).catch(() => undefined);
    throw error;
  }
  return { heldMs: performance.now() - held, revoked };
}

function progressError(error: unknown, committed: number, total: number): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const outdated = error instanceof PlanOutdated ? 'the database changed under the run: ' : '';
  const rest = committed === 0 ? 'nothing was written' : 'each is complete on its own; the next run writes the rest';
  const message = `${outdated}${cause.message} (committed ${committed} of ${total} write transactions: ${rest})`;
  return error instanceof SyncFailure ? new SyncFailure(error.reason, message, { cause }) : new Error(message, { cause });
}
