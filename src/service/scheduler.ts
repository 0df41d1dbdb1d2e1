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

/** setTimeout's limit (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Delay before retrying after `failures` consecutive failed runs (1 = the first failure). */
export function retryDelay(policy: RetryPolicy, failures: number): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.initialMs * 2 ** exponent, policy.maxMs);
}

/**
 * Runs the job at start, then at every time of the schedule. Runs never
 * overlap: the next time is chosen only after a run has finished, and a
 * scheduled time that passed during a run is skipped (and said so). After a
 * failure the job is retried with exponential backoff, but a retry that would
 * fall on or after the next scheduled run is left to that run. A run skipped
 * because another instance holds the lock is not a failure and is not retried.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  private running: Promise<JobOutcome> | undefined;

  constructor(
    private readonly job: () => Promise<JobOutcome>,
    private readonly schedule: Schedule,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs the job now, then keeps it scheduled until stop(). */
  start(): void {
    void this.runNow(this.now());
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

  /** One run for the scheduled time `slot`; the next scheduled time is strictly after it. */
  private async runNow(slot: Date): Promise<void> {
    if (this.stopped) return;
    const startedAt = this.now();
    this.running = this.job();
    let outcome: JobOutcome;
    try {
      outcome = await this.running;
    } finally {
      this.running = undefined;
    }
    if (this.stopped) return;

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
        this.arm(retryAt, () => this.runNow(slot));
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
    this.arm(next, () => this.runNow(slotOfNext));
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
