import type { JobOutcome } from './job.js';
import type { Schedule } from '../config/schedule.js';

/** The least slack /readyz allows past the next scheduled run. */
export const MIN_READY_MARGIN_MS = 60_000;

export interface Readiness {
  ready: boolean;
  /** The JSON body of /readyz. */
  body: Record<string, unknown>;
}

interface RunRecord {
  result: JobOutcome['result'];
  jobId: string;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  reason?: string;
}

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

/**
 * What /readyz answers. Ready (200) only while the last run finished well and
 * is recent: "well" is a committed sync, or a run skipped because another
 * instance held the write lock (that instance is syncing the same database);
 * "recent" means the scheduled run after it is not more than a margin overdue.
 * The margin is half the gap between those two runs, at least one minute, so a
 * run that takes a while does not flap readiness. Not ready (503) before the
 * first run finished, after a failed run, when the last good run is stale, and
 * while shutting down. With LDAP_ENABLED=false the daemon is ready and idle.
 */
export class HealthState {
  private last: RunRecord | undefined;
  private lastSuccess: RunRecord | undefined;
  private stopping = false;

  constructor(
    private readonly schedule: Schedule,
    private readonly enabled: boolean,
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  record(outcome: JobOutcome, finishedAt: Date = new Date()): void {
    const record: RunRecord = {
      result: outcome.result,
      jobId: outcome.jobId,
      startedAt: outcome.startedAt,
      finishedAt,
      durationMs: outcome.durationMs,
      ...(outcome.reason !== undefined ? { reason: this.redact(outcome.reason) } : {}),
    };
    this.last = record;
    if (record.result === 'success') this.lastSuccess = record;
  }

  shuttingDown(): void {
    this.stopping = true;
  }

  readiness(now: Date = new Date()): Readiness {
    const lastRun = this.last
      ? {
          result: this.last.result,
          jobID: this.last.jobId,
          startedAt: iso(this.last.startedAt),
          finishedAt: iso(this.last.finishedAt),
          durationSeconds: Math.round(this.last.durationMs) / 1000,
          ...(this.last.reason !== undefined ? { reason: this.last.reason } : {}),
        }
      : null;
    const facts = { schedule: this.schedule.text, lastRun, lastSuccessAt: iso(this.lastSuccess?.finishedAt) };
    const notReady = (reason: string): Readiness => ({ ready: false, body: { status: 'not ready', reason, ...facts } });

    if (this.stopping) return notReady('shutting down');
    if (!this.enabled) return { ready: true, body: { status: 'disabled', reason: 'LDAP_ENABLED is not true: the daemon idles', ...facts } };
    if (!this.last) return notReady('no sync run has finished yet');
    if (this.last.result === 'failure') return notReady('the last sync run failed');
    const deadline = readyDeadline(this.schedule, this.last.startedAt);
    if (deadline !== null && now.getTime() > deadline.getTime()) {
      return notReady(`no sync run has finished since ${this.last.finishedAt.toISOString()}; one was due by ${deadline.toISOString()}`);
    }
    return { ready: true, body: { status: 'ready', ...facts } };
  }
}

/** When a good run started at `startedAt` stops counting as recent; null: never (no further run is scheduled). */
export function readyDeadline(schedule: Schedule, startedAt: Date): Date | null {
  const next = schedule.next(startedAt);
  if (next === null) return null;
  const gap = next.getTime() - startedAt.getTime();
  return new Date(next.getTime() + Math.max(MIN_READY_MARGIN_MS, gap / 2));
}
