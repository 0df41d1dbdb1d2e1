import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { formatDuration } from '../log/duration.js';
import { JOB_NAME, type JobOutcome } from './job.js';
import type { Schedule } from '../config/schedule.js';

export interface RetryPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** The delay doubles per consecutive failure up to this. */
  maxMs: number;
}

/** What a request for a run now got: the id the run's log lines will carry. */
export interface TriggerOutcome {
  jobId: string;
  /** started: no run was going; queued: it follows the running one (requests meanwhile join it). */
  state: 'started' | 'queued';
}

/** setTimeout's limit (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Delay before retrying after `failures` consecutive failed runs (1 = the first failure). */
export function retryDelay(policy: RetryPolicy, failures: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.initialMs * 2 ** exponent, policy.maxMs);
}

/**
 * Runs the job at start, then at every time of the schedule, and on demand
 * (trigger()). Runs never overlap: the next time is chosen only after a run has
 * finished, and a scheduled time that passed during a run is skipped (and said
 * so). A run requested while one is going follows it, once, however many
 * requests came. After a failure the job is retried with exponential backoff,
 * but a retry that would fall on or after the next scheduled run is left to that
 * run. A run skipped because another instance holds the lock is not a failure
 * and is not retried.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private running: Promise<JobOutcome> | undefined;
  /** The job id promised to requests that arrived during a run. */
  private requested: string | undefined;
  /** A scheduled time that came while a requested run was going: it runs next. */
  private deferredSlot: Date | undefined;

  constructor(
    /** `requested`: the run serves SIGUSR1 or POST /sync (an incremental one then also scans every id). */
    private readonly job: (jobId?: string, requested?: boolean) => Promise<JobOutcome>,
    private readonly schedule: Schedule,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs the job now, then keeps it scheduled until stop(). */
  start(): void {
    void this.runScheduled(this.now());
  }

  /** The run in progress, if any. */
  get current(): Promise<JobOutcome> | undefined {
    return this.running;
  }

  /** Stops scheduling (a run in progress carries on; await `current` for it). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * A run now, or right after the running one; null once stopped. The schedule
   * is unchanged. `source` (SIGUSR1, POST /sync) is logged before the run's own lines.
   */
  trigger(source: string): TriggerOutcome | null {
    if (this.stopped) return null;
    if (this.running) {
      this.requested ??= randomUUID();
      this.log.info('Sync requested: queued after the running sync', { name: JOB_NAME, source, jobID: this.requested });
      return { jobId: this.requested, state: 'queued' };
    }
    const jobId = randomUUID();
    this.log.info('Sync requested: starting now', { name: JOB_NAME, source, jobID: jobId });
    void this.runRequested(jobId);
    return { jobId, state: 'started' };
  }

  private async execute(jobId?: string): Promise<JobOutcome> {
    // A job id is only ever promised to a request (trigger()).
    this.running = this.job(jobId, jobId !== undefined);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** After any run: a scheduled time that came meanwhile goes first (and serves waiting requests too), then a request. */
  private continueAfterRun(): void {
    if (this.stopped) return;
    const slot = this.deferredSlot;
    this.deferredSlot = undefined;
    if (slot) void this.runScheduled(slot);
    else if (this.requested) void this.runRequested(this.requested);
  }

  private async runRequested(jobId: string): Promise<void> {
    if (this.requested === jobId) this.requested = undefined;
    await this.execute(jobId);
    this.continueAfterRun();
  }

  /** One run for the scheduled time `slot`; the next scheduled time is strictly after it. */
  private async runScheduled(slot: Date): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.log.debug('Scheduled run waits for the requested run going on', { name: JOB_NAME, scheduledAt: slot.toISOString() });
      this.deferredSlot = slot;
      return;
    }
    const startedAt = this.now();
    const jobId = this.requested;
    this.requested = undefined;
    const outcome = await this.execute(jobId);
    if (this.stopped) return;
    this.armAfter(slot, startedAt, outcome);
    this.continueAfterRun();
  }

  /** Chooses and arms the next run after a scheduled one: a retry, or the next scheduled time. */
  private armAfter(slot: Date, startedAt: Date, outcome: JobOutcome): void {
    let next = this.schedule.next(slot);
    const now = this.now();
    if (next !== null && next.getTime() <= now.getTime()) {
      this.log.warn('Skipped a scheduled run: the previous run was still going', { name: JOB_NAME, scheduledAt: next.toISOString(), runStartedAt: startedAt.toISOString() });
      next = this.schedule.next(now);
    }

    if (outcome.result === 'failure') {
      this.failures += 1;
      const delay = retryDelay(this.retry, this.failures);
      const retryAt = new Date(now.getTime() + delay);
      if (next === null || retryAt.getTime() < next.getTime()) {
        this.log.info('Retrying job after failure', { name: JOB_NAME, failures: this.failures, in: formatDuration(delay), at: retryAt.toISOString() });
        this.arm(retryAt, () => this.runScheduled(slot));
        return;
      }
      this.log.info('Not retrying before the next scheduled run', { name: JOB_NAME, failures: this.failures, next: next.toISOString() });
    } else {
      this.failures = 0;
    }

    if (next === null) {
      this.log.warn('The schedule has no further run; the daemon stays up but will not sync again', { schedule: this.schedule.text });
      return;
    }
    this.log.debug('Next run scheduled', { name: JOB_NAME, at: next.toISOString() });
    const slotOfNext = next;
    this.arm(next, () => this.runScheduled(slotOfNext));
  }

  /** Calls `fire` at `at`, in steps when it is further away than one timer can wait. */
  private arm(at: Date, fire: () => Promise<void>): void {
    if (this.stopped) return;
    const wait = at.getTime() - this.now().getTime();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (wait > MAX_TIMER_MS) this.arm(at, fire);
        else void fire();
      },
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
  }
}
