import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogFields, Logger } from '../../src/log/logger.js';
import type { JobOutcome, JobResult } from '../../src/service/job.js';
import type { Schedule } from '../../src/config/schedule.js';
import { retryDelay, SyncScheduler } from '../../src/service/scheduler.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

test('retry delays double from the first delay up to the cap', () => {
  const policy = { initialMs: 1000, maxMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelay(policy, n)), [1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test('runs at start, then on the schedule; runs never overlap', async () => {
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
  const t0 = Date.now();
  scheduler.start();
  assert.ok(scheduler.current, 'the first run starts at once');
  await sleep(400);
  scheduler.stop();
  await scheduler.current;
  const count = starts.length;
  await sleep(120);
  assert.equal(starts.length, count, 'nothing runs after stop()');
  assert.equal(maxRunning, 1);
  assert.ok(starts[0]! - t0 < 20);
  assert.ok(count >= 4 && count <= 8, `${count} runs`);
  assert.ok(log.lines.some((l) => l.startsWith('WRN Skipped a scheduled run: the previous run was still going')));
});

test('a failed run is retried with backoff, never past the next scheduled run; success resets the backoff', async () => {
  const results: JobResult[] = ['failure', 'failure', 'failure', 'success', 'failure', 'success'];
  const starts: number[] = [];
  const log = memoryLog();
  const scheduler = new SyncScheduler(
    async () => {
      starts.push(Date.now());
      return outcome(results[starts.length - 1] ?? 'success');
    },
    every(1000),
    { initialMs: 100, maxMs: 250 },
    log,
  );
  // Start just after a scheduled time, so the three retries (100 + 200 + 250 ms) fit before the next one.
  await sleep(1000 - (Date.now() % 1000) + 5);
  const t0 = Date.now();
  scheduler.start();
  await sleep(1250);
  scheduler.stop();
  await scheduler.current;
  const gaps = starts.slice(1, 5).map((t, i) => t - starts[i]!);
  assert.equal(starts.length, 6, `runs at ${starts.map((t) => t - t0).join(', ')}`);
  // failure, 100 ms, failure, 200 ms, failure, 250 ms (capped), success; at 1 s (scheduled) failure, 100 ms (reset), success.
  assert.ok(gaps[0]! >= 98 && gaps[0]! < 180, `first retry after ${gaps[0]} ms`);
  assert.ok(gaps[1]! >= 198 && gaps[1]! < 245, `second retry after ${gaps[1]} ms`);
  assert.ok(gaps[2]! >= 248 && gaps[2]! < 330, `third retry after ${gaps[2]} ms`);
  assert.ok(log.lines.some((l) => l.startsWith('INF Retrying job after failure') && l.includes('"failures":3')));
  assert.equal(log.lines.filter((l) => l.startsWith('INF Retrying')).length, 4, 'the failure after the success starts again at the first delay');
  assert.ok(log.lines.some((l) => l.startsWith('INF Retrying') && l.includes('"failures":1') && l.includes('"in":"100ms"')));
});

test('a retry that would fall on or after the next scheduled run is left to that run', async () => {
  const starts: number[] = [];
  const log = memoryLog();
  const scheduler = new SyncScheduler(
    async () => {
      starts.push(Date.now());
      return outcome(starts.length === 1 ? 'failure' : 'success');
    },
    every(100),
    { initialMs: 5000, maxMs: 5000 },
    log,
  );
  scheduler.start();
  await sleep(150);
  scheduler.stop();
  await scheduler.current;
  assert.ok(log.lines.some((l) => l.startsWith('INF Not retrying before the next scheduled run')));
  assert.ok(starts.length >= 2, 'the next scheduled run came');
  assert.ok(starts[1]! - starts[0]! < 1000, 'not after the 5 s retry delay');
});

test('a run skipped because another instance holds the lock is neither retried nor a failure', async () => {
  const starts: number[] = [];
  const log = memoryLog();
  const scheduler = new SyncScheduler(
    async () => {
      starts.push(Date.now());
      return outcome('skipped');
    },
    every(10_000),
    { initialMs: 10, maxMs: 10 },
    log,
  );
  scheduler.start();
  await sleep(80);
  scheduler.stop();
  assert.equal(starts.length, 1);
  assert.ok(!log.lines.some((l) => l.includes('Retrying')));
});
