import { Cron } from 'croner';
import { errorMessage } from '../log/error-message.js';

/**
 * When the daemon syncs after the run at start. LDAP_SYNC_SCHEDULE is either
 * - `@every <duration>` (Go duration syntax: `1h`, `30m`, `1h30m`, `90s`), counted
 *   from the daemon's start, like Pocket ID's own hourly job; the default is `@every 1h`;
 * - or a cron expression read by croner: 5 fields, or 6 with seconds first, plus
 *   the nicknames `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, evaluated in
 *   the process's time zone (TZ).
 */
export interface Schedule {
  /** The setting as written, for log lines. */
  readonly text: string;
  /** The first scheduled time strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MIN_INTERVAL_MS = 1000;

/** Parses Go's time.ParseDuration syntax (units h, m, s, ms), e.g. "1h30m". */
export function parseGoDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(trimmed)) {
    throw new Error(`"${text}" is not a duration such as 30m, 1h or 1h30m`);
  }
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  return total;
}

class IntervalSchedule implements Schedule {
  constructor(
    readonly text: string,
    private readonly intervalMs: number,
    private readonly anchor: Date,
  ) {}

  next(after: Date): Date {
    const elapsed = after.getTime() - this.anchor.getTime();
    const periods = elapsed < 0 ? 0 : Math.floor(elapsed / this.intervalMs) + 1;
    return new Date(this.anchor.getTime() + periods * this.intervalMs);
  }
}

class CronSchedule implements Schedule {
  private readonly cron: Cron;

  constructor(readonly text: string) {
    // Paused and without a function: croner only computes times, the scheduler owns the timers.
    this.cron = new Cron(text, { paused: true });
  }

  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }
}

/**
 * Parses LDAP_SYNC_SCHEDULE. `anchor` is when an `@every` schedule starts
 * counting (the daemon's start). Throws a message naming the problem.
 */
export function parseSchedule(text: string, anchor: Date = new Date()): Schedule {
  const trimmed = text.trim();
  const every = /^@every\s+(.+)$/i.exec(trimmed);
  if (every) {
    const ms = parseGoDuration(every[1] ?? '');
    if (ms < MIN_INTERVAL_MS) throw new Error(`"${trimmed}" is shorter than 1s`);
    return new IntervalSchedule(trimmed, ms, anchor);
  }
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(trimmed);
  } catch (error) {
    throw new Error(`"${trimmed}" is neither "@every <duration>" nor a cron expression (${errorMessage(error)})`);
  }
  if (schedule.next(anchor) === null) throw new Error(`"${trimmed}" never fires`);
  return schedule;
}
