import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthState, readyDeadline } from '../../src/service/health.js';
import type { JobOutcome, JobResult } from '../../src/service/job.js';
import { parseSchedule } from '../../src/config/schedule.js';

const start = new Date('2026-01-01T10:00:00Z');
const plus = (ms: number) => new Date(start.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;

function outcome(result: JobResult, startedAt: Date, reason?: string): JobOutcome {
  return { jobId: `job-${startedAt.getTime()}`, result, startedAt, durationMs: 1500, ...(reason ? { reason } : {}) };
}

test('not ready before the first run finished, ready after a success, not ready after a failure', () => {
  const health = new HealthState(parseSchedule('@every 1h', start), true);
  const before = health.readiness(plus(1000));
  assert.equal(before.ready, false);
  assert.equal(before.body.reason, 'no sync run has finished yet');
  assert.equal(before.body.lastRun, null);

  health.record(outcome('success', start), plus(1500));
  const ready = health.readiness(plus(2000));
  assert.equal(ready.ready, true);
  assert.equal(ready.body.status, 'ready');
  assert.equal(ready.body.lastSuccessAt, '2026-01-01T10:00:01.500Z');
  assert.deepEqual(ready.body.lastRun, {
    result: 'success', jobID: `job-${start.getTime()}`, startedAt: '2026-01-01T10:00:00.000Z', finishedAt: '2026-01-01T10:00:01.500Z', durationSeconds: 1.5,
  });

  health.record(outcome('failure', plus(HOUR), 'failed to connect to LDAP at ldap://x: connect ECONNREFUSED'), plus(HOUR + 10));
  const failed = health.readiness(plus(HOUR + 20));
  assert.equal(failed.ready, false);
  assert.equal(failed.body.reason, 'the last sync run failed');
  assert.equal((failed.body.lastRun as { reason: string }).reason, 'failed to connect to LDAP at ldap://x: connect ECONNREFUSED');
  assert.equal(failed.body.lastSuccessAt, '2026-01-01T10:00:01.500Z');
});

test('a success stops counting once the next scheduled run is overdue by the margin', () => {
  const schedule = parseSchedule('@every 1h', start);
  // Half the interval (30 min) past the next run (11:00).
  assert.deepEqual(readyDeadline(schedule, start), plus(HOUR + 30 * MIN));
  // Short schedules get at least a minute.
  assert.deepEqual(readyDeadline(parseSchedule('@every 2s', start), start), plus(2000 + MIN));

  const health = new HealthState(schedule, true);
  health.record(outcome('success', start), plus(1500));
  assert.equal(health.readiness(plus(HOUR + 30 * MIN)).ready, true);
  const stale = health.readiness(plus(HOUR + 30 * MIN + 1));
  assert.equal(stale.ready, false);
  assert.match(String(stale.body.reason), /^no sync run has finished since 2026-01-01T10:00:01.500Z; one was due by 2026-01-01T11:30:00.000Z$/);
});

test('a run skipped because another instance holds the lock keeps readiness; disabled is ready; shutdown is not', () => {
  const health = new HealthState(parseSchedule('@every 1h', start), true);
  health.record(outcome('skipped', start, 'another sync holds the PostgreSQL advisory lock'), plus(900));
  const skipped = health.readiness(plus(1000));
  assert.equal(skipped.ready, true);
  assert.equal((skipped.body.lastRun as { result: string }).result, 'skipped');
  assert.equal(skipped.body.lastSuccessAt, null);
  health.shuttingDown();
  assert.deepEqual([health.readiness(plus(1000)).ready, health.readiness(plus(1000)).body.reason], [false, 'shutting down']);

  const disabled = new HealthState(parseSchedule('@every 1h', start), false);
  assert.equal(disabled.readiness(plus(5 * HOUR)).ready, true);
  assert.equal(disabled.readiness(plus(5 * HOUR)).body.status, 'disabled');
});

test('reasons are passed through the redactor before /readyz shows them', () => {
  const health = new HealthState(parseSchedule('@every 1h', start), true, (text) => text.replaceAll('hunter22', '[REDACTED]'));
  health.record(outcome('failure', start, 'bad password hunter22'), plus(10));
  assert.equal((health.readiness(plus(20)).body.lastRun as { reason: string }).reason, 'bad password [REDACTED]');
});
