import type { Schedule } from '../config/schedule.js';

/** How far ahead the gaps of a cron schedule are looked at: a year covers weekends, month ends and @yearly. */
const HORIZON_MS = 366 * 24 * 3600 * 1000;
/** Enough runs to see a weekly pattern even at one run every five minutes of working hours (5000 take croner about 0.15 s). */
const MAX_RUNS = 5000;

/**
 * The longest wait between two scheduled runs, in seconds, from `from` on: for
 * `@every 1h` one hour, for `0 2 * * 1-5` the three days over the weekend.
 * Alerts compare the age of the last success with it, so the longest gap is
 * the one that must not raise an alarm. 0 when fewer than two runs follow.
 */
export function longestGapSeconds(schedule: Schedule, from: Date): number {
  let previous = schedule.next(from);
  if (previous === null) return 0;
  const end = previous.getTime() + HORIZON_MS;
  let longest = 0;
  for (let runs = 0; runs < MAX_RUNS && previous.getTime() < end; runs++) {
    const next = schedule.next(previous);
    if (next === null) break;
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return longest / 1000;
}
