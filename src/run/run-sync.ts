import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { PocketIdDatabase, SchemaReport, StateRead, StateScope } from '../db/database.js';
import { claimsConfigured } from '../config/claim-mappings.js';
import { SchemaError } from '../db/schema-check.js';
import { ACCOUNT_STATUS_ATTRIBUTES } from '../ldap/account-status.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { FullRunReason } from '../sync/run-mode.js';
import type { ReadOptions, RunRead } from './directory-read.js';
import { readDirectoryAndState } from './read-ahead.js';
import { createSyncMemory, forgetAfterFailure, planWithoutChange } from './sync-memory.js';
import type { Logger } from '../log/logger.js';
import { savePicturesAfterCommit } from '../pictures/picture-step.js';
import type { CredentialTables } from '../db/credential-revocation.js';
import { failsAs } from './fails-as.js';
import { checkDeletionGuard, DeletionGuardError, type GuardVerdict } from '../sync/deletion-guard.js';
import { plan } from '../sync/plan.js';
import { checkReEnableGuard, ReEnableGuardError, type ReEnableFacts } from '../sync/reenable-guard.js';
import { runSummary, type SyncSummary } from './summary.js';
import { offboardedUsers, summarizeRevocation, type RevocationSummary } from '../sync/offboarding.js';
import { previewRevocation, revocationTables } from './revocation-step.js';
import type { CurrentState, CurrentUser, SyncPlan } from '../sync/types.js';
import { planFromTouched, touchedContext, type TouchedState } from './touched-state.js';

/** What a run reads of the configuration: the LDAP settings, Pocket ID's rules, pictures and where they go. */
export type RunSettings = Pick<Config, 'ldap' | 'rules' | 'pictures' | 'database' | 'incremental'>;

/** One run on an open database with its settings already bound (syncRunWith): what the job wrapper calls. */
export type SyncRun = (db: PocketIdDatabase, log: Logger, options?: SyncOptions) => Promise<SyncResult>;

/**
 * memory: what this process keeps between runs (createSyncMemory(); syncRunWith makes one per daemon): with it and
 * LDAP_SYNC_INCREMENTAL=true a run after a good full run is incremental (docs/incremental.md). deletionScan: whether an
 * incremental run scans every id ('auto': on LDAP_SYNC_DELETION_SCHEDULE). forceFull: this run is full (reason `requested`).
 */
export interface SyncOptions extends Omit<ReadOptions, 'dryRun' | 'onFullRead'> {
  /** Plan only: read the database without a write transaction and change nothing. */
  dryRun?: boolean;
  /** Let this one run remove more than LDAP_SYNC_DELETE_THRESHOLD allows. */
  allowMassDelete?: boolean;
  /** Let this one run re-enable or un-admin more than LDAP_SYNC_REENABLE_THRESHOLD allows (or on an attribute nobody carries). */
  allowMassReenable?: boolean;
}

export interface SyncResult {
  dryRun: boolean;
  /** Set when the deletion guard objects to this plan (a dry run reports it; a real run fails). */
  guard: GuardVerdict | null;
  /** Set when the re-enable guard objects to this plan (reenable-guard.ts); same treatment as `guard`. */
  reEnableGuard?: GuardVerdict | null;
  plan: SyncPlan;
  summary: SyncSummary;
  /** full, or incremental (docs/incremental.md); fullReason says why a run was full. */
  mode: 'full' | 'incremental';
  fullReason?: FullRunReason;
  /** Incremental runs: whether every id was scanned (deletions). */
  deletionScan?: boolean;
  /** Entries the searches returned: users and groups read whole, and (total) every entry including id scans. */
  entriesRead: { users: number; groups: number; total: number };
  /** picturesMs: the post-commit picture step, when it ran. */
  timings: { readMs: number; planMs: number; applyMs: number; picturesMs?: number };
  /**
   * Write transactions: committed by this run, or (dry run) the ones the plan
   * needs. One on PostgreSQL; on SQLite a large plan takes several, none
   * holding the write lock longer than `longestMs`.
   */
  transactions?: { count: number; longestMs: number };
}

function reEnableFacts(config: Pick<Config, 'ldap' | 'rules'>, snapshot: DirectorySnapshot): ReEnableFacts {
  return {
    disabledAccounts: config.ldap.syncDisabledAccounts,
    flagAttributes: ACCOUNT_STATUS_ATTRIBUTES,
    entriesWithFlag: snapshot.entriesWithAccountFlag ?? 0,
    adminGroupName: config.rules.adminGroupName,
    memberAttribute: config.ldap.attributes.groupMember,
    bindDn: config.ldap.bindDn,
  };
}

/** Checked before LDAP is even read: a wrong database is the cheapest failure to report. */
async function checkedSchema(db: PocketIdDatabase, scope: StateScope, log: Logger): Promise<SchemaReport> {
  // Each step's unexpected errors (a driver's, a socket's) count as that step's failure.
  const schema = await failsAs('database', () => db.checkSchema(scope));
  if (schema.problems.length > 0) throw new SchemaError(schema);
  for (const warning of schema.warnings) log.warn(warning);
  return schema;
}

/** The guards' verdicts on the plan being written (null: no objection). */
interface Guards {
  deletion: GuardVerdict | null;
  reEnable: GuardVerdict | null;
}

/** Refuses the plan, before anything is written, when a guard objects and this run has no override; says so when it has one. */
function enforceGuards(guards: Guards, options: SyncOptions, log: Logger): void {
  if (guards.deletion && !options.allowMassDelete) {
    log.error('Deletion guard refused the run', { detail: guards.deletion.message });
    throw new DeletionGuardError(guards.deletion);
  }
  if (guards.reEnable && !options.allowMassReenable) {
    log.error('Re-enable guard refused the run', { detail: guards.reEnable.message });
    throw new ReEnableGuardError(guards.reEnable);
  }
  if (guards.deletion) log.warn('Deletion guard overridden for this run (--allow-mass-delete)', { detail: guards.deletion.message });
  if (guards.reEnable) log.warn('Re-enable guard overridden for this run (--allow-mass-reenable)', { detail: guards.reEnable.message });
}

/** A dry run's plan, from a read-only look at the database (the one read ahead, if any): no write transaction is opened. */
async function planOnly(
  db: PocketIdDatabase,
  context: { scope: StateScope; ahead: StateRead | undefined },
  makePlan: (state: CurrentState) => SyncPlan,
  revoke: CredentialTables | null,
): Promise<{ plan: SyncPlan; transactions: number; sessions: RevocationSummary | undefined }> {
  const { state } = context.ahead ?? (await failsAs('database', () => db.readState(context.scope)));
  const plan = makePlan(state);
  const sessions = revoke ? await failsAs('database', () => previewRevocation(db, plan, revoke)) : undefined;
  return { plan, transactions: db.transactionsFor(plan, state), sessions };
}

function logSkips(plan: SyncPlan, log: Logger): void {
  for (const skip of plan.skips) {
    // A skipped claim leaves its entry synced: the message must not say the entry was skipped.
    const what = skip.kind === 'claim' ? 'Skipped custom claim' : 'Skipped LDAP entry';
    log.warn(what, { kind: skip.kind, dn: skip.dn, reason: skip.reason, detail: skip.message });
  }
}

/** What writing the plan (or, for a dry run, planning it) came to. */
interface Written {
  plan: SyncPlan;
  applyMs: number;
  transactions: { count: number; longestMs: number };
  sessions: RevocationSummary | undefined;
}

/** Plans against the database's state and writes the plan (one transaction on PostgreSQL, short batches on SQLite); a dry run only plans. */
async function planAndWrite(
  db: PocketIdDatabase,
  context: { scope: StateScope; ahead: StateRead | undefined; revoke: CredentialTables | null; guards: Guards; options: SyncOptions; log: Logger },
  makePlan: (state: CurrentState) => SyncPlan,
): Promise<Written> {
  const { scope, ahead, revoke, guards, options, log } = context;
  if (options.dryRun) {
    const { plan: planned, transactions, sessions } = await planOnly(db, context, makePlan, revoke);
    return { plan: planned, applyMs: 0, transactions: { count: transactions, longestMs: 0 }, sessions };
  }
  const written = await failsAs('database', () => db.write(
    (state) => {
      const planned = makePlan(state);
      enforceGuards(guards, options, log);
      return planned;
    },
    {
      now: new Date(),
      ...(ahead ? { ahead } : {}),
      revoke,
      onCommitted: (p) => log.debug(`Committed write transaction ${p.committed} of ${p.total}`, { wrote: p.wrote, heldMs: Math.round(p.heldMs) }),
      scope,
    },
  ));
  const sessions = revoke ? summarizeRevocation(offboardedUsers(written.plan), written.revoked) : undefined;
  return { plan: written.plan, applyMs: written.applyMs, transactions: { count: written.transactions, longestMs: written.longestTransactionMs }, sessions };
}

/** The fields every result carries about the read: mode, why full, entries read. */
function readFields(read: RunRead): Pick<SyncResult, 'mode' | 'fullReason' | 'deletionScan' | 'entriesRead'> {
  return {
    mode: read.mode,
    ...(read.fullReason ? { fullReason: read.fullReason } : {}),
    ...(read.deletionScan !== undefined ? { deletionScan: read.deletionScan } : {}),
    entriesRead: read.entriesRead,
  };
}

/** An incremental run that found no change: no plan, no look at the database; the last plan's skips are reported again. */
function unchangedResult(read: RunRead, options: SyncOptions, scope: StateScope): SyncResult {
  read.commit(null);
  const unchanged = planWithoutChange(options.memory?.lastPlan ?? null);
  return {
    dryRun: false,
    guard: null,
    reEnableGuard: null,
    plan: unchanged,
    summary: runSummary(unchanged, scope, undefined, undefined),
    ...readFields(read),
    timings: { readMs: read.snapshot.stats.readMs, planMs: 0, applyMs: 0 },
    transactions: { count: 0, longestMs: 0 },
  };
}

async function syncOnce(config: RunSettings, db: PocketIdDatabase, log: Logger, options: SyncOptions): Promise<SyncResult> {
  const dryRun = options.dryRun ?? false;
  const guards: Guards = { deletion: null, reEnable: null };
  // Claims are read, checked and written only when configured.
  const scope: StateScope = claimsConfigured(config.ldap.claims) ? { claims: config.ldap.claims } : {};
  const schema = await checkedSchema(db, scope, log);
  const revoke = revocationTables(config, schema, log);
  const { read, ahead: readAhead, lean } = await readDirectoryAndState(config, db, scope, log, options);
  if (read.unchanged) {
    await lean?.drop();
    return unchangedResult(read, options, scope);
  }
  const snapshot = read.snapshot;
  const timings = { readMs: snapshot.stats.readMs, planMs: 0, applyMs: 0 };
  const planOptions = { ...config.rules, claims: config.ldap.claims };
  const previous = read.mode === 'incremental' && !dryRun ? options.memory?.plannedMembers : undefined;
  const touchedUsers = touchedContext(options.memory, read.userChanges);
  const touchedInput = { snapshot, readAhead, scope, ...(touchedUsers ? { touched: touchedUsers } : {}), ...(lean ? { started: lean } : {}) };
  let touched: TouchedState | undefined;
  try {
    touched = previous ? await planFromTouched(db, { ...touchedInput, previous }, planOptions) : undefined;
  } finally {
    // Used by then, or not needed (a full read after all): the lean read is never left running (read-ahead.ts).
    await lean?.drop();
  }
  // A state read without memberships is planned only from those it needs; never whole (write() then reads the state).
  const ahead = touched?.ahead ?? (readAhead?.state.membershipScope ? undefined : readAhead);
  // The users the committed plan was made from: the picture step maps entries to row ids with them.
  let plannedUsers: CurrentUser[] = [];
  const makePlan = (state: CurrentState) => {
    plannedUsers = state.users;
    const started = performance.now();
    const result = touched?.planFor(state) ?? plan(snapshot, state, planOptions, randomUUID);
    timings.planMs = performance.now() - started + (touched?.stageMs ?? 0);
    guards.deletion = checkDeletionGuard(result, snapshot.users.length, config.rules.deleteThreshold);
    guards.reEnable = checkReEnableGuard(result, state, config.rules.reEnableThreshold, reEnableFacts(config, snapshot));
    return result;
  };

  const written = await planAndWrite(db, { scope, ahead, revoke, guards, options, log }, makePlan);
  timings.applyMs = written.applyMs;
  if (!dryRun) read.commit(written.plan);
  logSkips(written.plan, log);
  // Profile pictures only after the commit, never inside the write transaction; they never fail the run.
  // An incremental run looks at the users it read changed, not at every kept one.
  const picturesStarted = performance.now();
  const pictureSnapshot = read.pictureUsers ? { ...snapshot, users: read.pictureUsers } : snapshot;
  const pictures = dryRun ? undefined : await savePicturesAfterCommit(config, pictureSnapshot, written.plan, plannedUsers, log);
  return {
    dryRun,
    guard: guards.deletion,
    reEnableGuard: guards.reEnable,
    plan: written.plan,
    summary: runSummary(written.plan, scope, pictures, written.sessions),
    ...readFields(read),
    timings: pictures ? { ...timings, picturesMs: performance.now() - picturesStarted } : timings,
    transactions: written.transactions,
  };
}

/**
 * One sync: read the directory (whole, or with `memory` and LDAP_SYNC_INCREMENTAL only what
 * changed), then plan and write the plan (one transaction on PostgreSQL, short batches on SQLite).
 * Every caller (CLI, scheduler, HTTP) goes through here. With `dryRun` the plan is computed from
 * a read-only look at the database and no write transaction is ever opened. A failed run leaves
 * nothing in `memory`: the next run is full.
 */
export async function runSync(config: RunSettings, db: PocketIdDatabase, log: Logger, options: SyncOptions = {}): Promise<SyncResult> {
  try {
    return await syncOnce(config, db, log, options);
  } catch (error) {
    if (options.memory && !options.dryRun) forgetAfterFailure(options.memory);
    throw error;
  }
}

/**
 * runSync with its settings bound, so the layers between the command line and the run never carry the configuration.
 * The daemon binds once, so its scheduled runs share one memory (docs/incremental.md); `oneShot` (the CLI's `sync`)
 * keeps none: its one run is full and nothing is kept after it.
 */
export function syncRunWith(settings: RunSettings, { oneShot = false }: { oneShot?: boolean } = {}): SyncRun {
  const memory = oneShot ? undefined : createSyncMemory();
  return (db, log, options) => runSync(settings, db, log, { ...(memory ? { memory } : {}), ...options });
}
