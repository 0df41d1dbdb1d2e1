import { sql, type Kysely } from 'kysely';
import { SyncFailure } from '../../sync/failure.js';
import type { CurrentState, SyncPlan } from '../../sync/types.js';
import { applySteps } from '../apply.js';
import { describeBatch, splitIntoBatches, type Batch } from '../batches.js';
import type { WriteOptions, WriteResult } from '../database.js';
import type { PocketIdSchema } from '../schema.js';
import { SetWriter } from '../set-writer.js';
import { readCurrentState } from '../state-reader.js';
import { ExpectationCheck } from './expectation-check.js';
import { sqliteRows } from './sqlite-row-source.js';
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

/** The rows a batch was about to write are no longer as the plan read them. */
class PlanOutdated extends Error {}

export interface BatchedWriteTarget {
  db: Kysely<PocketIdSchema>;
  /** Most weight (src/db/apply.ts) one transaction carries. */
  batchBudget: number;
  /** BEGIN IMMEDIATE, with a clear error when the lock stays busy. */
  begin(): Promise<void>;
}

export function sqliteBatches(plan: SyncPlan, state: CurrentState, budget: number, revoke: CredentialTables | null = null): Batch[] {
  return splitIntoBatches(applySteps(plan, (id) => state.memberships.get(id)?.size ?? 0, revoke), budget);
}

/** One snapshot of the database (a read transaction: WAL lets Pocket ID write meanwhile). */
async function readSnapshot(db: Kysely<PocketIdSchema>, options: WriteOptions): Promise<CurrentState> {
  await sql`BEGIN`.execute(db);
  try {
    return await readCurrentState(db, 'sqlite', options.scope?.claims);
  } finally {
    await sql`COMMIT`.execute(db);
  }
}

const dataVersion = async (db: Kysely<PocketIdSchema>) => (await sql<{ data_version: number }>`PRAGMA data_version`.execute(db)).rows[0]?.data_version;

/**
 * Writes a plan in batches, each its own short BEGIN IMMEDIATE transaction.
 * The state is read and the plan made without the lock. PRAGMA data_version
 * tells whether another connection committed since that read; only then are
 * the rows of each part checked, just before it is written (ExpectationCheck). If they
 * changed before anything was committed, the plan is made again from a fresh
 * read, outside the lock; after a commit, the run stops and the next completes it.
 */
export async function writeInBatches(target: BatchedWriteTarget, prepare: (state: CurrentState) => SyncPlan, options: WriteOptions): Promise<WriteResult> {
  const { db } = target;
  const writer = new SetWriter(db, sqliteRows, sqliteSessions);
  // Only what committed batches revoked: a rolled-back batch revoked nothing.
  const revoked: RevokedCredentials[] = [];
  // Our own commits leave our connection's data_version alone: it moves only when another connection commits.
  let snapshotVersion = await dataVersion(db);
  let state = await readSnapshot(db, options);
  let plan = prepare(state);
  let committed = 0;
  let longest = 0;
  let started: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const batches = sqliteBatches(plan, state, target.batchBudget, options.revoke ?? null);
    const check = new ExpectationCheck(db, state, plan);
    try {
      for (const batch of batches.slice(committed)) {
        if (committed > 0) await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
        await target.begin();
        const held = performance.now();
        started ??= held;
        const revokedHere: RevokedCredentials[] = [];
        try {
          // Anything committed elsewhere since the snapshot may touch this batch's rows, even if it came before an earlier batch.
          const moved = (await dataVersion(db)) !== snapshotVersion;
          for (const part of batch.parts) {
            const reason = moved && part.step.expect ? await check.mismatch(part.step.expect(part.rows)) : null;
            if (reason !== null) throw new PlanOutdated(reason);
            revokedHere.push(...((await part.step.run(writer, part.rows, options.now)) ?? []));
          }
          await sql`COMMIT`.execute(db);
          revoked.push(...revokedHere);
        } catch (error) {
          await sql`ROLLBACK`.execute(db).catch(() => undefined);
          throw error;
        }
        const heldMs = performance.now() - held;
        longest = Math.max(longest, heldMs);
        committed += 1;
        options.onCommitted?.({ committed, total: batches.length, wrote: describeBatch(batch), heldMs });
      }
      return { plan, transactions: committed, applyMs: started === undefined ? 0 : performance.now() - started, longestTransactionMs: longest, revoked };
    } catch (error) {
      if (error instanceof PlanOutdated && committed === 0 && attempt < MAX_PLANS) {
        snapshotVersion = await dataVersion(db);
        state = await readSnapshot(db, options);
        plan = prepare(state);
        continue;
      }
      throw progressError(error, committed, batches.length);
    }
  }
}

function progressError(error: unknown, committed: number, total: number): Error {
  const cause = error instanceof Error ? error : new Error(String(error));
  const outdated = error instanceof PlanOutdated ? 'the database changed under the run: ' : '';
  const rest = committed === 0 ? 'nothing was written' : 'each is complete on its own; the next run writes the rest';
  const message = `${outdated}${cause.message} (committed ${committed} of ${total} write transactions: ${rest})`;
  return error instanceof SyncFailure ? new SyncFailure(error.reason, message, { cause }) : new Error(message, { cause });
}
