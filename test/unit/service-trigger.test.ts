import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Schedule } from '../../src/config/schedule.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import type { LogFields, Logger } from '../../src/log/logger.js';
import type { JobOutcome } from '../../src/service/job.js';
import { secretsOf } from '../../src/service/redact.js';
import { SyncScheduler } from '../../src/service/scheduler.js';
import { bearerTokenMatches, runRequester } from '../../src/service/trigger.js';

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: LogFields) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log = { lines, debug: write('DBG'), info: write('INF'), warn: write('WRN'), error: write('ERR'), child: () => log };
  return log;
}

const HOURLY: Schedule = { text: 'hourly', next: (after) => new Date(after.getTime() + 3600_000) };

/** A job whose runs each wait for release(); records the job ids and how many ran at once. */
function gatedJob() {
  const runs: { jobId: string | undefined; release: () => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const job = (jobId?: string): Promise<JobOutcome> => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    return new Promise((resolve) => {
      runs.push({
        jobId,
        release: () => {
          running -= 1;
          resolve({ jobId: jobId ?? 'scheduled', result: 'success', startedAt: new Date(), durationMs: 1 });
        },
      });
    });
  };
  return { job, runs, maxRunning: () => maxRunning };
}

/**
 * Lets promises and I/O callbacks settle until `check` holds. Bounded by turns of the event loop,
 * not by wall-clock time (setImmediate is not mocked), so the machine's load cannot fail it.
 */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(check(), `never came: ${what}`);
}

test('a request while idle starts a run at once, with the job id it answered', async () => {
  const { job, runs } = gatedJob();
  const scheduler = new SyncScheduler(job, HOURLY, { initialMs: 10, maxMs: 10 }, memoryLog());
  scheduler.start();
  await until('the run at start', () => runs.length === 1);
  runs[0]!.release();
  await until('idle', () => scheduler.current === undefined);
  const outcome = scheduler.trigger('test');
  assert.equal(outcome?.state, 'started');
  await until('the requested run', () => runs.length === 2);
  assert.equal(runs[1]!.jobId, outcome!.jobId);
  runs[1]!.release();
  scheduler.stop();
});

test('requests during a run are coalesced into exactly one run after it, never two at once', async () => {
  const { job, runs, maxRunning } = gatedJob();
  const scheduler = new SyncScheduler(job, HOURLY, { initialMs: 10, maxMs: 10 }, memoryLog());
  scheduler.start();
  await until('the run at start', () => runs.length === 1);
  const requests = [scheduler.trigger('test'), scheduler.trigger('test'), scheduler.trigger('test')];
  assert.deepEqual(requests.map((r) => r?.state), ['queued', 'queued', 'queued']);
  assert.equal(new Set(requests.map((r) => r?.jobId)).size, 1, 'all three joined one run');
  assert.equal(runs.length, 1, 'nothing started beside the running one');
  runs[0]!.release();
  await until('the follow-up run', () => runs.length === 2);
  assert.equal(runs[1]!.jobId, requests[0]!.jobId);
  runs[1]!.release();
  await until('idle', () => scheduler.current === undefined);
  assert.equal(runs.length, 2, 'exactly one more');
  assert.equal(maxRunning(), 1);
  // A request during that second run is a new one, with a new id.
  const again = scheduler.trigger('test');
  await until('the third run', () => runs.length === 3);
  const during = scheduler.trigger('test');
  assert.equal(during?.state, 'queued');
  assert.notEqual(during?.jobId, again?.jobId);
  runs[2]!.release();
  await until('the fourth run', () => runs.length === 4);
  runs[3]!.release();
  scheduler.stop();
});

test('a scheduled time that comes during a requested run waits for it, and runs after it (serving any request queued meanwhile)', async (t) => {
  // On the mock clock: the scheduled time comes exactly when the test moves time past it, during the requested run.
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { job, runs, maxRunning } = gatedJob();
  const log = memoryLog();
  const schedule: Schedule = { text: 'every 50ms', next: (after) => new Date((Math.floor(after.getTime() / 50) + 1) * 50) };
  const scheduler = new SyncScheduler(job, schedule, { initialMs: 10, maxMs: 10 }, log);
  scheduler.start();
  await until('the run at start', () => runs.length === 1);
  // Queued during the run at start: it starts the moment that run ends, right after the next scheduled time is armed.
  const requested = scheduler.trigger('test');
  assert.equal(requested?.state, 'queued');
  runs[0]!.release();
  await until('the requested run', () => runs.length === 2);
  assert.equal(runs[1]!.jobId, requested!.jobId);
  t.mock.timers.tick(50);
  await until('the schedule fired during it', () => log.lines.some((l) => l.startsWith('DBG Scheduled run waits for the requested run')));
  const queued = scheduler.trigger('test');
  assert.equal(runs.length, 2, 'the scheduled time did not start a second run');
  runs[1]!.release();
  await until('the scheduled run', () => runs.length === 3);
  assert.equal(runs[2]!.jobId, queued!.jobId, 'the scheduled run served the queued request');
  assert.notEqual(requested!.jobId, queued!.jobId);
  runs[2]!.release();
  scheduler.stop();
  await scheduler.current;
  for (const run of runs.slice(3)) run.release();
  assert.equal(maxRunning(), 1);
});

test('after stop() a request is refused, and the requester says why; with sync disabled too', () => {
  const log = memoryLog();
  const scheduler = new SyncScheduler(gatedJob().job, HOURLY, { initialMs: 10, maxMs: 10 }, log);
  scheduler.stop();
  assert.equal(scheduler.trigger('test'), null);
  assert.deepEqual(runRequester(() => scheduler, log)('SIGUSR1'), { accepted: false, reason: 'the daemon is shutting down' });
  assert.deepEqual(runRequester(() => undefined, log)('POST /sync'), { accepted: false, reason: 'LDAP sync is disabled (LDAP_ENABLED is not true)' });
  assert.ok(log.lines.some((l) => l.startsWith('WRN Sync request refused') && l.includes('"source":"SIGUSR1"')));
});

test('bearer token: exactly "Bearer <token>" matches; anything else does not', () => {
  const token = 'k3y-0123456789abcdef';
  assert.equal(bearerTokenMatches(`Bearer ${token}`, token), true);
  assert.equal(bearerTokenMatches(`bearer ${token}`, token), true, 'the scheme is case-insensitive (RFC 9110)');
  for (const header of [undefined, '', 'Bearer', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token, `Bearer  ${token} extra`]) {
    assert.equal(bearerTokenMatches(header, token), false, String(header));
  }
});

test('LDAP_SYNC_TRIGGER_TOKEN: from the variable or its _FILE, at least 16 characters, a secret the logs mask; never echoed when refused', () => {
  const base = { LDAP_ENABLED: 'false' };
  const dir = mkdtempSync(path.join(tmpdir(), 'trigger-token-'));
  const file = path.join(dir, 'token');
  writeFileSync(file, 'from-a-file-0123456789\n');
  assert.equal(loadConfig({ ...base, LDAP_SYNC_TRIGGER_TOKEN_FILE: file }).service.triggerToken, 'from-a-file-0123456789');
  assert.equal(loadConfig({ ...base, LDAP_SYNC_TRIGGER_TOKEN: 'direct-0123456789abc', LDAP_SYNC_TRIGGER_TOKEN_FILE: file }).service.triggerToken, 'direct-0123456789abc');
  const config = loadConfig({ ...base, LDAP_SYNC_TRIGGER_TOKEN: 'direct-0123456789abc' });
  assert.ok(secretsOf(config).includes('direct-0123456789abc'));
  try {
    loadConfig({ ...base, LDAP_SYNC_TRIGGER_TOKEN: 'short-Secret' });
    assert.fail('a short token should not load');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, ['LDAP_SYNC_TRIGGER_TOKEN: too short (12 characters); use at least 16, e.g. from openssl rand -hex 32']);
  }
});
