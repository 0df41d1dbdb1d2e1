import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { PocketIdDatabase, StateScope } from '../db/database.js';
import { claimsConfigured } from '../config/claim-mappings.js';
import { SchemaError } from '../db/schema-check.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { ACCOUNT_STATUS_ATTRIBUTES } from '../ldap/account-status.js';
import { verifyAttributesReadable } from '../ldap/attribute-visibility.js';
import { readDirectory } from '../ldap/directory-reader.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { Logger } from '../log/logger.js';
import { savePicturesAfterCommit } from '../pictures/picture-step.js';
import { failsAs } from './fails-as.js';
import { checkDeletionGuard, DeletionGuardError, type GuardVerdict } from '../sync/deletion-guard.js';
import { plan } from '../sync/plan.js';
import { checkReEnableGuard, ReEnableGuardError, type ReEnableFacts } from '../sync/reenable-guard.js';
import { summarize, summarizeClaims, type SyncSummary } from './summary.js';
import { offboardedUsers, summarizeRevocation, type RevocationSummary } from '../sync/offboarding.js';
import { previewRevocation, revocationTables } from './revocation-step.js';
import type { CurrentState, CurrentUser, SyncPlan } from '../sync/types.js';

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

async function readSnapshot(config: Config, log: Logger): Promise<DirectorySnapshot> {
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

function reEnableFacts(config: Config, snapshot: DirectorySnapshot): ReEnableFacts {
  return {
    disabledAccounts: config.ldap.syncDisabledAccounts,
    flagAttributes: ACCOUNT_STATUS_ATTRIBUTES,
    entriesWithFlag: snapshot.entriesWithAccountFlag ?? 0,
    adminGroupName: config.rules.adminGroupName,
    memberAttribute: config.ldap.attributes.groupMember,
    bindDn: config.ldap.bindDn,
  };
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
  let reEnableGuard: GuardVerdict | null = null;
  // Checked before LDAP is even read: a wrong database is the cheapest failure to report.
  // Claims are read, checked and written only when configured.
  const scope: StateScope = claimsConfigured(config.ldap.claims) ? { claims: config.ldap.claims } : {};
  // Each step's unexpected errors (a driver's, a socket's) count as that step's failure.
  const schema = await failsAs('database', () => db.checkSchema(scope));
  if (schema.problems.length > 0) throw new SchemaError(schema);
  for (const warning of schema.warnings) log.warn(warning);
  const revoke = revocationTables(config, schema, log);
  const snapshot = await failsAs('ldap_search', () => readSnapshot(config, log));
  const timings = { readMs: snapshot.stats.readMs, planMs: 0, applyMs: 0 };
  // The users the committed plan was made from: the picture step maps entries to row ids with them.
  let plannedUsers: CurrentUser[] = [];
  const makePlan = (state: CurrentState) => {
    plannedUsers = state.users;
    const started = performance.now();
    const result = plan(snapshot, state, { ...config.rules, claims: config.ldap.claims }, randomUUID);
    timings.planMs = performance.now() - started;
    guard = checkDeletionGuard(result, snapshot.users.length, config.rules.deleteThreshold);
    reEnableGuard = checkReEnableGuard(result, state, config.rules.reEnableThreshold, reEnableFacts(config, snapshot));
    return result;
  };

  let syncPlan: SyncPlan;
  const transactions = { count: 0, longestMs: 0 };
  let sessions: RevocationSummary | undefined;
  if (dryRun) {
    const state = await failsAs('database', () => db.readState(scope));
    syncPlan = makePlan(state);
    transactions.count = db.transactionsFor(syncPlan, state);
    const plannedPlan = syncPlan;
    if (revoke) sessions = await failsAs('database', () => previewRevocation(db, plannedPlan, revoke));
  } else {
    const written = await failsAs('database', () => db.write(
      (state) => {
        const planned = makePlan(state);
        if (guard && !options.allowMassDelete) {
          // Thrown before anything is written.
          log.error('Deletion guard refused the run', { detail: guard.message });
          throw new DeletionGuardError(guard);
        }
        if (reEnableGuard && !options.allowMassReenable) {
          log.error('Re-enable guard refused the run', { detail: reEnableGuard.message });
          throw new ReEnableGuardError(reEnableGuard);
        }
        if (guard) log.warn('Deletion guard overridden for this run (--allow-mass-delete)', { detail: guard.message });
        if (reEnableGuard) log.warn('Re-enable guard overridden for this run (--allow-mass-reenable)', { detail: reEnableGuard.message });
        return planned;
      },
      {
        now: new Date(),
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

  for (const skip of syncPlan.skips) {
    // A skipped claim leaves its entry synced: the message must not say the entry was skipped.
    const what = skip.kind === 'claim' ? 'Skipped custom claim' : 'Skipped LDAP entry';
    log.warn(what, { kind: skip.kind, dn: skip.dn, reason: skip.reason, detail: skip.message });
  }
  // Profile pictures only after the commit, never inside the write transaction; they never fail the run.
  const picturesStarted = performance.now();
  const pictures = dryRun ? undefined : await savePicturesAfterCommit(config, snapshot, syncPlan, plannedUsers, log);
  const summary = summarize(syncPlan);
  if (scope.claims) summary.claims = summarizeClaims(syncPlan);
  if (pictures) summary.pictures = pictures;
  if (sessions) summary.sessions = sessions;
  return {
    dryRun,
    guard,
    reEnableGuard,
    plan: syncPlan,
    summary,
    entriesRead: { users: snapshot.users.length, groups: snapshot.groups.length },
    timings: pictures ? { ...timings, picturesMs: performance.now() - picturesStarted } : timings,
    transactions,
  };
}
