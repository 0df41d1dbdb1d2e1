import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CREDENTIAL_KINDS } from '../db/credential-revocation.js';
import type { SyncSummary } from '../run/summary.js';
import { FAILURE_REASONS, type FailureReason } from '../sync/failure.js';
import { SKIP_REASONS } from '../sync/types.js';
import { FULL_RUN_REASONS } from '../sync/run-mode.js';
import type { JobOutcome, JobResult } from './job.js';

const PREFIX = 'pocket_id_ldap_sync_';
const RESULTS: JobResult[] = ['success', 'failure', 'skipped'];
/** lock_skipped makes a run skipped, never failed. */
const FAILED_RUN_REASONS = FAILURE_REASONS.filter((reason) => reason !== 'lock_skipped');
type Change = [object: string, change: string, count: (summary: SyncSummary) => number];
const CHANGES: Change[] = [
  ['users', 'created', (s) => s.users.created],
  ['users', 'updated', (s) => s.users.updated],
  ['users', 'disabled', (s) => s.users.disabled],
  ['users', 're_enabled', (s) => s.users.reEnabled],
  ['users', 'deleted', (s) => s.users.deleted],
  ['groups', 'created', (s) => s.groups.created],
  ['groups', 'updated', (s) => s.groups.updated],
  ['groups', 'deleted', (s) => s.groups.deleted],
  ['memberships', 'added', (s) => s.memberships.added],
  ['memberships', 'removed', (s) => s.memberships.removed],
  ['claims', 'created', (s) => s.claims?.created ?? 0],
  ['claims', 'updated', (s) => s.claims?.updated ?? 0],
  ['claims', 'deleted', (s) => s.claims?.deleted ?? 0],
];

/**
 * The daemon's Prometheus metrics, in a registry of their own (plus Node's
 * default process and runtime metrics):
 *   pocket_id_ldap_sync_runs_total{result}                  runs by result: success, failure, skipped (lock held elsewhere)
 *   pocket_id_ldap_sync_run_failures_total{reason}          failed runs by reason (src/sync/failure.ts)
 *   pocket_id_ldap_sync_last_failure_reason{reason}         1 for the reason of the last failed run, 0 for the others
 *   pocket_id_ldap_sync_consecutive_failures                failed runs since the last successful one
 *   pocket_id_ldap_sync_schedule_interval_seconds           longest wait between two scheduled runs (0: none scheduled)
 *   pocket_id_ldap_sync_run_duration_seconds{result}        histogram of run durations
 *   pocket_id_ldap_sync_last_success_timestamp_seconds      end of the last committed run (0: none yet)
 *   pocket_id_ldap_sync_last_run_timestamp_seconds          end of the last run of any result
 *   pocket_id_ldap_sync_runs_by_mode_total{mode,full_reason} successful runs by mode (full, incremental) and why a run was full (run-mode.ts; "none" for incremental)
 *   pocket_id_ldap_sync_entries_read{kind}                  users / groups the last successful run read whole from LDAP; total: every entry its searches returned (id scans included)
 *   pocket_id_ldap_sync_changes_total{object,change}        rows changed by committed runs (object: users, groups, memberships, claims)
 *   pocket_id_ldap_sync_skipped_entries{reason}             entries (and custom claims: claim-*) the last successful run skipped, by reason (every reason, after the first run)
 *   pocket_id_ldap_sync_sessions_revoked_total{kind}        OAuth2 credential rows of disabled/deleted users revoked by committed runs
 *   pocket_id_ldap_sync_info{version}                       always 1
 */
export class SyncMetrics {
  readonly registry = new Registry();
  private readonly runs: Counter<'result'>;
  private readonly duration: Histogram<'result'>;
  private readonly lastSuccess: Gauge;
  private readonly lastRun: Gauge;
  private readonly entriesRead: Gauge<'kind'>;
  private readonly modes: Counter<'mode' | 'full_reason'>;
  private readonly changes: Counter<'object' | 'change'>;
  private readonly skipped: Gauge<'reason'>;
  private readonly revoked: Counter<'kind'>;
  private readonly failures: Counter<'reason'>;
  private readonly lastFailureReason: Gauge<'reason'>;
  private readonly consecutiveFailures: Gauge;
  private readonly scheduleInterval: Gauge;

  constructor(version: string) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.runs = new Counter({ name: `${PREFIX}runs_total`, help: 'Sync runs by result: success, failure, or skipped because another instance held the write lock.', labelNames: ['result'], registers });
    this.duration = new Histogram({
      name: `${PREFIX}run_duration_seconds`,
      help: 'Duration of sync runs (LDAP read, plan and database transaction) in seconds.',
      labelNames: ['result'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.lastSuccess = new Gauge({ name: `${PREFIX}last_success_timestamp_seconds`, help: 'Unix time the last successful (committed) run finished; 0 before the first.', registers });
    this.lastRun = new Gauge({ name: `${PREFIX}last_run_timestamp_seconds`, help: 'Unix time the last run of any result finished; 0 before the first.', registers });
    this.entriesRead = new Gauge({ name: `${PREFIX}entries_read`, help: 'LDAP entries the last successful run read, by kind (users, groups).', labelNames: ['kind'], registers });
    this.modes = new Counter({
      name: `${PREFIX}runs_by_mode_total`,
      help: `Successful runs by mode (full, incremental) and, for full runs, why: ${FULL_RUN_REASONS.join(', ')} (none for incremental runs).`,
      labelNames: ['mode', 'full_reason'],
      registers,
    });
    this.changes = new Counter({ name: `${PREFIX}changes_total`, help: 'Rows changed by committed runs, by object and change.', labelNames: ['object', 'change'], registers });
    this.skipped = new Gauge({ name: `${PREFIX}skipped_entries`, help: 'LDAP entries (users, groups, members) the last successful run skipped, by reason.', labelNames: ['reason'], registers });
    this.revoked = new Counter({
      name: `${PREFIX}sessions_revoked_total`,
      help: 'OAuth2 credential rows (tokens, codes) of users disabled or deleted by committed runs that were revoked, by kind (LDAP_SYNC_REVOKE_SESSIONS).',
      labelNames: ['kind'],
      registers,
    });
    this.failures = new Counter({ name: `${PREFIX}run_failures_total`, help: `Failed runs by reason: ${FAILED_RUN_REASONS.join(', ')}.`, labelNames: ['reason'], registers });
    this.lastFailureReason = new Gauge({ name: `${PREFIX}last_failure_reason`, help: 'The reason of the last failed run: 1 on that reason, 0 on the others (all 0 before the first failure).', labelNames: ['reason'], registers });
    this.consecutiveFailures = new Gauge({ name: `${PREFIX}consecutive_failures`, help: 'Failed runs since the last successful one (skipped runs do not count).', registers });
    this.scheduleInterval = new Gauge({ name: `${PREFIX}schedule_interval_seconds`, help: 'The longest wait between two scheduled runs (LDAP_SYNC_SCHEDULE) in seconds; 0 when no run is scheduled (sync disabled, or a schedule that never fires again).', registers });
    const info = new Gauge({ name: `${PREFIX}info`, help: 'Always 1; the version label says which build runs.', labelNames: ['version'], registers });
    info.set({ version }, 1);
    // Every series exists from the start, so rate() and absent() behave before the first run.
    for (const result of RESULTS) this.runs.inc({ result }, 0);
    for (const [object, change] of CHANGES) this.changes.inc({ object, change }, 0);
    for (const kind of ['users', 'groups', 'total']) this.entriesRead.set({ kind }, 0);
    this.modes.inc({ mode: 'incremental', full_reason: 'none' }, 0);
    for (const reason of FULL_RUN_REASONS) this.modes.inc({ mode: 'full', full_reason: reason }, 0);
    for (const kind of CREDENTIAL_KINDS) this.revoked.inc({ kind }, 0);
    for (const reason of FAILED_RUN_REASONS) {
      this.failures.inc({ reason }, 0);
      this.lastFailureReason.set({ reason }, 0);
    }
  }

  /** The schedule's longest gap (longestGapSeconds), 0 when the daemon syncs nothing. */
  setScheduleInterval(seconds: number): void {
    this.scheduleInterval.set(seconds);
  }

  record(outcome: JobOutcome, finishedAt: Date = new Date()): void {
    this.runs.inc({ result: outcome.result });
    this.duration.observe({ result: outcome.result }, outcome.durationMs / 1000);
    this.lastRun.set(finishedAt.getTime() / 1000);
    if (outcome.result === 'failure') this.recordFailure(outcome.failureReason ?? 'other');
    const sync = outcome.sync;
    if (outcome.result !== 'success' || !sync) return;
    this.consecutiveFailures.set(0);
    this.lastSuccess.set(finishedAt.getTime() / 1000);
    this.entriesRead.set({ kind: 'users' }, sync.entriesRead.users);
    this.entriesRead.set({ kind: 'groups' }, sync.entriesRead.groups);
    this.entriesRead.set({ kind: 'total' }, sync.entriesRead.total);
    this.modes.inc({ mode: sync.mode, full_reason: sync.fullReason ?? 'none' });
    if (!sync.dryRun) {
      for (const [object, change, count] of CHANGES) this.changes.inc({ object, change }, count(sync.summary));
      for (const [kind, rows] of Object.entries(sync.summary.sessions?.byKind ?? {})) this.revoked.inc({ kind }, rows);
    }
    // Every reason, so a reason that no longer occurs drops to 0, and a rise from none is a rise of a sum that exists.
    for (const reason of SKIP_REASONS) this.skipped.set({ reason }, sync.summary.skipsByReason[reason] ?? 0);
  }

  private recordFailure(reason: FailureReason): void {
    this.failures.inc({ reason });
    this.consecutiveFailures.inc();
    for (const other of FAILED_RUN_REASONS) this.lastFailureReason.set({ reason: other }, other === reason ? 1 : 0);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
