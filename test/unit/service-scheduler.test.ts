import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { LogFields, Logger } from '../../src/log/logger.js';
import type { JobOutcome, JobResult } from '../../src/service/job.js';
import type { Schedule } from '../../src/config/schedule.js';
import { retryDelay, SyncScheduler } from '../../src/service/scheduler.js';

// Every test runs on node:test's mock timers: setTimeout and Date move only when
// the test advances them, so the times asserted are exact, whatever the machine's load.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Mock clock at `now` ms since the epoch. */
function mockClock(t: TestContext, now: number): void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now });
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances the mock clock 1 ms at a time; what each step set off (promises, timers' callbacks) settles before the next. */
async function advance(t: TestContext, ms: number): Promise<void> {
  await settle();
  for (let i = 0; i < ms; i++) {
    t.mock.timers.tick(1);
    await settle();
  }
}

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: LogFields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log = { lines, debug: write('DBG'), info: write('INF'), warn: write('WRN'), error: write('ERR'), child: () => log };
  return log;
}

/** Every `ms` milliseconds from the epoch, like a cron expression with a short period. */
function every(ms: number): Schedule {
  return { text: `every ${ms}ms`, next: (after) => new Date((Math.floor(after.getTime() / ms) + 1) * ms) };
}

function outcome(result: JobResult): JobOutcome {
  return { jobId: 'x', result, startedAt: new Date(), durationMs: 1 };
}

/** A scheduler whose job records when each run starts and ends with `result(n)` for the n-th run. */
function recordingScheduler(schedule: Schedule, retry: { initialMs: number; maxMs: number }, result: (n: number) => JobResult) {
  const starts: number[] = [];
  const log = memoryLog();
  const scheduler = new SyncScheduler(
    async () => {
      starts.push(Date.now());
      return outcome(result(starts.length));
    },
    schedule,
    retry,
    log,
  );
  return { scheduler, starts, log };
}

test('retry delays double from the first delay up to the cap', () => {
  const policy = { initialMs: 1000, maxMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelay(policy, n)), [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test('runs at start, then on the schedule; runs never overlap', async (t) => {
  mockClock(t, 0);
  let running = 0;
  let maxRunning = 0;
  const starts: number[] = [];
  const log = memoryLog();
  const scheduler = new SyncScheduler(
    async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      starts.push(Date.now());
      // Longer than the period: the scheduled times that pass meanwhile are skipped, not queued.
      await sleep(starts.length === 2 ? 130 : 5);
      running -= 1;
      return outcome('success');
    },
    every(50),
    { initialMs: 10, maxMs: 10 },
    log,
  );
  scheduler.start();
  assert.ok(scheduler.current, 'the first run starts at once');
  await advance(t, 390);
  scheduler.stop();
  await advance(t, 10);
  await scheduler.current;
  const count = starts.length;
  await advance(t, 120);
  assert.equal(starts.length, count, 'nothing runs after stop()');
  assert.equal(maxRunning, 1);
  // At once, at 50; the second run lasts until 180, so 100 and 150 are skipped; then every 50 ms.
  assert.deepEqual(starts, [0, 50, 200, 250, 300, 350]);
  assert.equal(log.lines.filter((l) => l.startsWith('WRN Skipped a scheduled run: the previous run was still going')).length, 1);
});

test('a failed run is retried with backoff, never past the next scheduled run; success resets the backoff', async (t) => {
  // Just after a scheduled time, so the three retries (100 + 200 + 250 ms) fit before the next one.
  mockClock(t, 5);
  const results: JobResult[] = ['failure', 'failure', 'failure', 'success', 'failure', 'success'];
  const { scheduler, starts, log } = recordingScheduler(every(1000), { initialMs: 100, maxMs: 250 }, (n) => results[n - 1] ?? 'success');
  scheduler.start();
  await advance(t, 1245);
  scheduler.stop();
  await scheduler.current;
  // failure, 100 ms, failure, 200 ms, failure, 250 ms (capped), success; at 1 s (scheduled) failure, 100 ms (reset), success.
  assert.deepEqual(starts, [5, 105, 305, 555, 1000, 1100]);
  assert.ok(log.lines.some((l) => l.startsWith('INF Retrying job after failure') && l.includes('"failures":3')));
  assert.equal(log.lines.filter((l) => l.startsWith('INF Retrying')).length, 4, 'the failure after the success starts again at the first delay');
  assert.ok(log.lines.some((l) => l.startsWith('INF Retrying') && l.includes('"failures":1') && l.includes('"in":"100ms"')));
});

test('a retry that would fall on or after the next scheduled run is left to that run', async (t) => {
  mockClock(t, 0);
  const { scheduler, starts, log } = recordingScheduler(every(100), { initialMs: 5000, maxMs: 5000 }, (n) => (n === 1 ? 'failure' : 'success'));
  scheduler.start();
  await advance(t, 150);
  scheduler.stop();
  await scheduler.current;
  assert.ok(log.lines.some((l) => l.startsWith('INF Not retrying before the next scheduled run')));
  assert.deepEqual(starts, [0, 100], 'the next scheduled run came, not the 5 s retry');
});

test('a run skipped because another instance holds the lock is neither retried nor a failure', async (t) => {
  mockClock(t, 0);
  const { scheduler, starts, log } = recordingScheduler(every(10_000), { initialMs: 10, maxMs: 10 }, () => 'skipped');
  scheduler.start();
  // Far past the 10 ms retry delay, short of the next scheduled run.
  await advance(t, 5000);
  scheduler.stop();
  assert.deepEqual(starts, [0]);
  assert.ok(!log.lines.some((l) => l.includes('Retrying')));
});
