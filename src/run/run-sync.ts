import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { PocketIdDatabase, WriteProgress, WriteResult } from '../db/database.js';
import { SchemaError } from '../db/schema-check.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { readDirectory } from '../ldap/directory-reader.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { Logger } from '../log/logger.js';
import { savePicturesAfterCommit } from '../pictures/picture-step.js';
import { failsAs } from './fails-as.js';
import { checkDeletionGuard, DeletionGuardError, type GuardVerdict } from '../sync/deletion-guard.js';
import { plan } from '../sync/plan.js';
import { summarize, type SyncSummary } from './summary.js';
import type { CurrentState, CurrentUser, SyncPlan } from '../sync/types.js';

export interface SyncOptions {
  /** Plan only: read the database without a write transaction and change nothing. */
  dryRun?: boolean;
  /** Let this one run remove more than LDAP_SYNC_DELETE_THRESHOLD allows. */
  allowMassDelete?: boolean;
}

export interface SyncResult {
  dryRun: boolean;
  /** Set when the deletion guard objects to this plan (a dry run reports it; a real run fails). */
  guard: GuardVerdict | null;
  plan: SyncPlan;
  summary: SyncSummary;
  entriesRead: { users: number; groups: number };
  /** picturesMs: the post-commit picture step, when it ran. */
  timings: { readMs: number; planMs: number; applyMs: number; picturesMs?: number };
  /**
   * Write transactions: committed by this run, or (dry run) the ones the plan
   * needs. One on PostgreSQL; on SQLite a large plan takes several, none
   * holding the write lock longer than `longestMs`.
   */
  transactions?: { count: number; longestMs: number };
}

async function readSnapshot(config: Config, log: Logger): Promise<DirectorySnapshot> {
  const client = await openLdapConnection(config.ldap, log);
  try {
    return await readDirectory(client, config.ldap, log);
  } finally {
    await closeLdapConnection(client);
  }
}

/** Writes the plan made from the database's state; the deletion guard refuses it before anything is written. */
function writePlan(
  db: PocketIdDatabase,
  makePlan: (state: CurrentState) => SyncPlan,
  verdict: () => GuardVerdict | null,
  options: SyncOptions,
  log: Logger,
): Promise<WriteResult> {
  const prepare = (state: CurrentState) => {
    const planned = makePlan(state);
    const guard = verdict();
    if (guard && !options.allowMassDelete) {
      log.error('Deletion guard refused the run', { detail: guard.message });
      throw new DeletionGuardError(guard);
    }
    if (guard) log.warn('Deletion guard overridden for this run (--allow-mass-delete)', { detail: guard.message });
    return planned;
  };
  const onCommitted = (p: WriteProgress) => log.debug(`Committed write transaction ${p.committed} of ${p.total}`, { wrote: p.wrote, heldMs: Math.round(p.heldMs) });
  return db.write(prepare, { now: new Date(), onCommitted });
}

/**
 * One sync: read the whole directory, then plan and write the plan (one
 * transaction on PostgreSQL, short batches on SQLite). Every caller (CLI, scheduler, HTTP) goes through here.
 * With `dryRun` the plan is computed from a read-only look at the database and
 * no write transaction is ever opened.
 */
export async function runSync(config: Config, db: PocketIdDatabase, log: Logger, options: SyncOptions = {}): Promise<SyncResult> {
  const dryRun = options.dryRun ?? false;
  let guard: GuardVerdict | null = null;
  // Checked before LDAP is even read: a wrong database is the cheapest failure to report.
  // Each step's unexpected errors (a driver's, a socket's) count as that step's failure.
  const schema = await failsAs('database', () => db.checkSchema());
  if (schema.problems.length > 0) throw new SchemaError(schema);
  for (const warning of schema.warnings) log.warn(warning);
  const snapshot = await failsAs('ldap_search', () => readSnapshot(config, log));
  const timings = { readMs: snapshot.stats.readMs, planMs: 0, applyMs: 0 };
  // The users the committed plan was made from: the picture step maps entries to row ids with them.
  let plannedUsers: CurrentUser[] = [];
  const makePlan = (state: CurrentState) => {
    plannedUsers = state.users;
    const started = performance.now();
    const result = plan(snapshot, state, config.rules, randomUUID);
    timings.planMs = performance.now() - started;
    guard = checkDeletionGuard(result, snapshot.users.length, config.rules.deleteThreshold);
    return result;
  };

  let syncPlan: SyncPlan;
  let transactions = { count: 0, longestMs: 0 };
  if (dryRun) {
    const state = await failsAs('database', () => db.readState());
    syncPlan = makePlan(state);
    transactions.count = db.transactionsFor(syncPlan, state);
  } else {
    const written = await failsAs('database', () => writePlan(db, makePlan, () => guard, options, log));
    syncPlan = written.plan;
    timings.applyMs = written.applyMs;
    transactions = { count: written.transactions, longestMs: written.longestTransactionMs };
  }

  for (const skip of syncPlan.skips) {
    log.warn('Skipped LDAP entry', { kind: skip.kind, dn: skip.dn, reason: skip.reason, detail: skip.message });
  }
  // Profile pictures only after the commit, never inside the write transaction; they never fail the run.
  const picturesStarted = performance.now();
  const pictures = dryRun ? undefined : await savePicturesAfterCommit(config, snapshot, syncPlan, plannedUsers, log);
  const summary = summarize(syncPlan);
  if (pictures) summary.pictures = pictures;
  return {
    dryRun,
    guard,
    plan: syncPlan,
    summary,
    entriesRead: { users: snapshot.users.length, groups: snapshot.groups.length },
    timings: pictures ? { ...timings, picturesMs: performance.now() - picturesStarted } : timings,
    transactions,
  };
}
