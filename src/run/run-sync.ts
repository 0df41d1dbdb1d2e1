import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { PocketIdDatabase, SchemaReport, StateRead, StateScope } from '../db/database.js';
import { claimsConfigured } from '../config/claim-mappings.js';
import { SchemaError } from '../db/schema-check.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { ACCOUNT_STATUS_ATTRIBUTES } from '../ldap/account-status.js';
import { verifyAttributesReadable } from '../ldap/attribute-visibility.js';
import { readDirectory } from '../ldap/directory-reader.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { Logger } from '../log/logger.js';
import { savePicturesAfterCommit } from '../pictures/picture-step.js';
import type { PictureSummary } from '../pictures/sync-pictures.js';
import type { CredentialTables } from '../db/credential-revocation.js';
import { failsAs } from './fails-as.js';
import { checkDeletionGuard, DeletionGuardError, type GuardVerdict } from '../sync/deletion-guard.js';
import { plan } from '../sync/plan.js';
import { checkReEnableGuard, ReEnableGuardError, type ReEnableFacts } from '../sync/reenable-guard.js';
import { summarize, summarizeClaims, type SyncSummary } from './summary.js';
import { offboardedUsers, summarizeRevocation, type RevocationSummary } from '../sync/offboarding.js';
import { previewRevocation, revocationTables } from './revocation-step.js';
import type { CurrentState, CurrentUser, SyncPlan } from '../sync/types.js';

/** What a run reads of the configuration: the LDAP settings, Pocket ID's rules, pictures and where they go. */
export type RunSettings = Pick<Config, 'ldap' | 'rules' | 'pictures' | 'database'>;

/** One run on an open database with its settings already bound (syncRunWith): what the job wrapper calls. */
export type SyncRun = (db: PocketIdDatabase, log: Logger, options?: SyncOptions) => Promise<SyncResult>;

export interface SyncOptions {
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

async function readSnapshot(config: Pick<Config, 'ldap' | 'rules'>, log: Logger): Promise<DirectorySnapshot> {
  const client = await openLdapConnection(config.ldap, log);
  try {
    const snapshot = await readDirectory(client, config.ldap, log);
    // Before an absent disabled flag or admin member is trusted: may the bind account read it at all?
    await verifyAttributesReadable(client, config.ldap, snapshot.vendor, config.rules.adminGroupName, log);
    return snapshot;
  } finally {
    await closeLdapConnection(client);
  }
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

/**
 * The directory, and Pocket ID's state read meanwhile instead of after: no
 * lock is taken and no transaction stays open while LDAP is read; write()
 * checks the rows its plan touches (StateRead, expectation-check.ts).
 */
async function readDirectoryAndState(config: RunSettings, db: PocketIdDatabase, scope: StateScope, log: Logger): Promise<{ snapshot: DirectorySnapshot; ahead: StateRead }> {
  const reading = failsAs('database', () => db.readState(scope));
  try {
    const snapshot = await failsAs('ldap_search', () => readSnapshot(config, log));
    return { snapshot, ahead: await reading };
  } catch (error) {
    // The run fails with the first error; the read is never left running on its own.
    await reading.catch(() => undefined);
    throw error;
  }
}

/** A dry run's plan, from a read-only look at the database: no write transaction is opened. */
async function planOnly(
  db: PocketIdDatabase,
  state: CurrentState,
  makePlan: (state: CurrentState) => SyncPlan,
  revoke: CredentialTables | null,
): Promise<{ plan: SyncPlan; transactions: number; sessions: RevocationSummary | undefined }> {
  const plan = makePlan(state);
  const sessions = revoke ? await failsAs('database', () => previewRevocation(db, plan, revoke)) : undefined;
  return { plan, transactions: db.transactionsFor(plan, state), sessions };
}

function runSummary(plan: SyncPlan, scope: StateScope, pictures: PictureSummary | undefined, sessions: RevocationSummary | undefined): SyncSummary {
  const summary = summarize(plan);
  if (scope.claims) summary.claims = summarizeClaims(plan);
  if (pictures) summary.pictures = pictures;
  if (sessions) summary.sessions = sessions;
  return summary;
}

function logSkips(plan: SyncPlan, log: Logger): void {
  for (const skip of plan.skips) {
    // A skipped claim leaves its entry synced: the message must not say the entry was skipped.
    const what = skip.kind === 'claim' ? 'Skipped custom claim' : 'Skipped LDAP entry';
    log.warn(what, { kind: skip.kind, dn: skip.dn, reason: skip.reason, detail: skip.message });
  }
}

/**
 * One sync: read the whole directory, then plan and write the plan (one
 * transaction on PostgreSQL, short batches on SQLite). Every caller (CLI, scheduler, HTTP) goes through here.
 * With `dryRun` the plan is computed from a read-only look at the database and
 * no write transaction is ever opened.
 */
export async function runSync(config: RunSettings, db: PocketIdDatabase, log: Logger, options: SyncOptions = {}): Promise<SyncResult> {
  const dryRun = options.dryRun ?? false;
  const guards: Guards = { deletion: null, reEnable: null };
  // Claims are read, checked and written only when configured.
  const scope: StateScope = claimsConfigured(config.ldap.claims) ? { claims: config.ldap.claims } : {};
  const schema = await checkedSchema(db, scope, log);
  const revoke = revocationTables(config, schema, log);
  const { snapshot, ahead } = await readDirectoryAndState(config, db, scope, log);
  const timings = { readMs: snapshot.stats.readMs, planMs: 0, applyMs: 0 };
  // The users the committed plan was made from: the picture step maps entries to row ids with them.
  let plannedUsers: CurrentUser[] = [];
  const makePlan = (state: CurrentState) => {
    plannedUsers = state.users;
    const started = performance.now();
    const result = plan(snapshot, state, { ...config.rules, claims: config.ldap.claims }, randomUUID);
    timings.planMs = performance.now() - started;
    guards.deletion = checkDeletionGuard(result, snapshot.users.length, config.rules.deleteThreshold);
    guards.reEnable = checkReEnableGuard(result, state, config.rules.reEnableThreshold, reEnableFacts(config, snapshot));
    return result;
  };

  let syncPlan: SyncPlan;
  const transactions = { count: 0, longestMs: 0 };
  let sessions: RevocationSummary | undefined;
  if (dryRun) {
    ({ plan: syncPlan, transactions: transactions.count, sessions } = await planOnly(db, ahead.state, makePlan, revoke));
  } else {
    const written = await failsAs('database', () => db.write(
      (state) => {
        const planned = makePlan(state);
        enforceGuards(guards, options, log);
        return planned;
      },
      {
        now: new Date(),
        ahead,
        revoke,
        onCommitted: (p) => log.debug(`Committed write transaction ${p.committed} of ${p.total}`, { wrote: p.wrote, heldMs: Math.round(p.heldMs) }),
        scope,
      },
    ));
    syncPlan = written.plan;
    timings.applyMs = written.applyMs;
    transactions.count = written.transactions;
    transactions.longestMs = written.longestTransactionMs;
    if (revoke) sessions = summarizeRevocation(offboardedUsers(syncPlan), written.revoked);
  }

  logSkips(syncPlan, log);
  // Profile pictures only after the commit, never inside the write transaction; they never fail the run.
  const picturesStarted = performance.now();
  const pictures = dryRun ? undefined : await savePicturesAfterCommit(config, snapshot, syncPlan, plannedUsers, log);
  const summary = runSummary(syncPlan, scope, pictures, sessions);
  return {
    dryRun,
    guard: guards.deletion,
    reEnableGuard: guards.reEnable,
    plan: syncPlan,
    summary,
    entriesRead: { users: snapshot.users.length, groups: snapshot.groups.length },
    timings: pictures ? { ...timings, picturesMs: performance.now() - picturesStarted } : timings,
    transactions,
  };
}

/** runSync with its settings bound, so the layers between the command line and the run never carry the configuration. */
export function syncRunWith(settings: RunSettings): SyncRun {
  return (db, log, options) => runSync(settings, db, log, options);
}
