import { randomUUID } from 'node:crypto';
import type { PocketIdDatabase } from '../db/database.js';
import type { LogFields, Logger } from '../log/logger.js';
import { formatDuration } from '../log/duration.js';
import type { SyncOptions, SyncResult, SyncRun } from '../run/run-sync.js';
import { summaryFields } from '../run/summary.js';
import { errorMessage } from '../log/error-message.js';
import { failsAs } from '../run/fails-as.js';
import { failureReason, type FailureReason } from '../sync/failure.js';
import { logMemoryPeak, watchMemory } from './memory-watch.js';

/** gocron's job name in Pocket ID ≤ v2.13 (backend/internal/job/ldap_job.go): log-based health checks look for it. */
export const JOB_NAME = 'SyncLdap';

/** success: committed (or, for a dry run, planned); skipped: another instance held the write lock. */
export type JobResult = 'success' | 'failure' | 'skipped';

export interface JobOutcome {
  jobId: string;
  result: JobResult;
  startedAt: Date;
  durationMs: number;
  /** Why a run failed or was skipped: the error message. */
  reason?: string;
  /** The same, from the fixed set metrics and alerts use. */
  failureReason?: FailureReason;
  sync?: SyncResult;
}

export interface JobContext {
  log: Logger;
  /** LOG_JSON: the duration field is then integer nanoseconds. */
  jsonLog: boolean;
  /** Where the database comes from (a DatabaseHandle): opened by the first run that needs it. */
  database: { get(): Promise<PocketIdDatabase> };
  /** The id the job's log lines carry; given when it was promised ahead (POST /sync), else a new one. */
  jobId?: string;
  /** The run itself: runSync with its settings bound (syncRunWith), or a stand-in in unit tests. */
  sync: SyncRun;
}

/**
 * The duration field: Go's Duration.String() in text logs ("1.2s"), integer
 * nanoseconds in JSON logs, exactly as Pocket ID's slog handlers write it.
 */
export function durationField(ms: number, json: boolean): string | number {
  return json ? Math.round(ms * 1e6) : formatDuration(ms);
}

/**
 * One run with the log lines Pocket ID ≤ v2.13's gocron scheduler writes around it
 * (backend/internal/job/scheduler.go):
 *   INF Starting job name=SyncLdap jobID=<uuid>
 *   INF Job run successfully name=SyncLdap jobID=<uuid> duration=1.2s usersCreated=…
 *   ERR Job failed name=SyncLdap jobID=<uuid> duration=… error="…"
 * and, when another instance holds the write lock, INF Job skipped … reason="…".
 * A dry run logs "Dry run …" instead, so no health check mistakes it for a sync.
 * Never throws.
 */
export async function runJob(context: JobContext, options: SyncOptions = {}): Promise<JobOutcome> {
  const jobId = context.jobId ?? randomUUID();
  const log = context.log.child({ name: JOB_NAME, jobID: jobId });
  const dry = options.dryRun ?? false;
  const startedAt = new Date();
  const started = performance.now();
  const finish = (result: JobResult, extra: Partial<JobOutcome> = {}): JobOutcome => ({
    jobId,
    result,
    startedAt,
    durationMs: performance.now() - started,
    ...extra,
  });
  const duration = (outcome: JobOutcome): LogFields => ({ duration: durationField(outcome.durationMs, context.jsonLog) });

  log.info(dry ? 'Starting dry run' : 'Starting job');
  const memory = watchMemory();
  try {
    const db = await failsAs('database', () => context.database.get());
    const sync = await context.sync(db, log, options);
    const outcome = finish('success', { sync });
    // How the run read (docs/incremental.md) goes before the counts, so it stays in view.
    const mode = {
      mode: sync.mode,
      ...(sync.fullReason ? { fullReason: sync.fullReason } : {}),
      ...(sync.deletionScan !== undefined ? { deletionScan: sync.deletionScan } : {}),
      entriesRead: sync.entriesRead.total,
    };
    log.info(dry ? 'Dry run finished' : 'Job run successfully', { ...duration(outcome), ...mode, ...summaryFields(sync.summary) });
    return outcome;
  } catch (error) {
    const reason = errorMessage(error);
    const failure = failureReason(error);
    if (failure === 'lock_skipped') {
      const outcome = finish('skipped', { reason, failureReason: failure });
      log.info('Job skipped', { ...duration(outcome), reason });
      return outcome;
    }
    const outcome = finish('failure', { reason, failureReason: failure });
    log.error(dry ? 'Dry run failed' : 'Job failed', { ...duration(outcome), error: reason });
    return outcome;
  } finally {
    logMemoryPeak(log, memory.stop());
  }
}
