import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobOutcome } from '../../src/service/job.js';
import { SyncMetrics } from '../../src/service/metrics.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { longestGapSeconds } from '../../src/service/schedule-interval.js';
import type { FailureReason } from '../../src/sync/failure.js';
import type { SyncResult } from '../../src/run/run-sync.js';
import { summarize } from '../../src/run/summary.js';
import { SKIP_REASONS, type Skip, type SyncPlan } from '../../src/sync/types.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

function plan(skips: Skip[], created = 0): SyncPlan {
  const user = { id: 'u', ldapId: 'l', dn: 'uid=a', username: 'a', email: 'a@x', firstName: '', lastName: '', displayName: 'a', isAdmin: false, emailVerified: true, disabled: false };
  return {
    users: { create: Array.from({ length: created }, () => user), update: [], disable: [], delete: [], unchanged: 3 },
    groups: { create: [], update: [], delete: [], unchanged: 1 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    claims: emptyClaimPlan(),
    skips,
    managed: { users: 3, groups: 1 },
  };
}

function success(p: SyncPlan, dryRun = false): JobOutcome {
  const sync: SyncResult = { dryRun, guard: null, plan: p, summary: summarize(p), mode: 'full', entriesRead: { users: 7, groups: 2, total: 0 }, timings: { readMs: 1, planMs: 1, applyMs: 1 } };
  return { jobId: 'j', result: 'success', startedAt: new Date(), durationMs: 1200, sync };
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('metrics: names, runs by result, durations, entries, changes, skips by reason, default metrics', async () => {
  const metrics = new SyncMetrics('1.2.3');
  const missingEmail: Skip = { kind: 'user', dn: 'uid=n', reason: 'missing-email', message: '' };
  const tooShort: Skip = { kind: 'group', dn: 'cn=x', reason: 'group-name-too-short', message: '' };
  let text = await metrics.metrics();
  assert.equal(value(text, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 0, 'series exist before the first run');
  assert.equal(value(text, 'pocket_id_ldap_sync_last_success_timestamp_seconds'), 0);

  metrics.record(success(plan([missingEmail, missingEmail, tooShort], 2)), new Date(1_700_000_000_000));
  metrics.record({ jobId: 'k', result: 'failure', startedAt: new Date(), durationMs: 30, reason: 'x' }, new Date(1_700_000_100_000));
  metrics.record({ jobId: 'm', result: 'skipped', startedAt: new Date(), durationMs: 30, reason: 'lock' });
  metrics.record(success(plan([missingEmail], 1)), new Date(1_700_000_200_000));
  metrics.record(success(plan([], 5), true), new Date(1_700_000_300_000));
  text = await metrics.metrics();

  assert.equal(value(text, 'pocket_id_ldap_sync_runs_total{result="success"}'), 3);
  assert.equal(value(text, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 1);
  assert.equal(value(text, 'pocket_id_ldap_sync_runs_total{result="skipped"}'), 1);
  assert.equal(value(text, 'pocket_id_ldap_sync_run_duration_seconds_count{result="success"}'), 3);
  assert.equal(value(text, 'pocket_id_ldap_sync_run_duration_seconds_bucket{le="2.5",result="success"}'), 3);
  assert.equal(value(text, 'pocket_id_ldap_sync_run_duration_seconds_bucket{le="1",result="success"}'), 0);
  assert.equal(value(text, 'pocket_id_ldap_sync_last_success_timestamp_seconds'), 1_700_000_300);
  assert.equal(value(text, 'pocket_id_ldap_sync_entries_read{kind="users"}'), 7);
  assert.equal(value(text, 'pocket_id_ldap_sync_entries_read{kind="groups"}'), 2);
  assert.equal(value(text, 'pocket_id_ldap_sync_changes_total{object="users",change="created"}'), 3, 'committed runs only, not the dry run');
  assert.equal(value(text, 'pocket_id_ldap_sync_changes_total{object="memberships",change="removed"}'), 0);
  assert.equal(value(text, 'pocket_id_ldap_sync_skipped_entries{reason="missing-email"}'), 0, 'the last run (the dry run) skipped nothing');
  assert.equal(value(text, 'pocket_id_ldap_sync_skipped_entries{reason="group-name-too-short"}'), 0, 'a reason that no longer occurs drops to 0');
  assert.equal(value(text, 'pocket_id_ldap_sync_info{version="1.2.3"}'), 1);
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  assert.match(metrics.contentType, /^text\/plain/);
});

test('each SyncMetrics has its own registry', async () => {
  const a = new SyncMetrics('1');
  const b = new SyncMetrics('1');
  a.record({ jobId: 'k', result: 'failure', startedAt: new Date(), durationMs: 30 });
  assert.equal(value(await b.metrics(), 'pocket_id_ldap_sync_runs_total{result="failure"}'), 0);
});

const failure = (failureReason: FailureReason): JobOutcome => ({ jobId: 'f', result: 'failure', startedAt: new Date(), durationMs: 5, reason: 'text', failureReason });

test('failed runs: counted by reason, the last reason as a state set, consecutive failures until a success', async () => {
  const metrics = new SyncMetrics('1');
  let text = await metrics.metrics();
  for (const reason of ['ldap_connect', 'ldap_search', 'schema', 'database', 'deletion_guard', 'reenable_guard', 'config', 'other']) {
    assert.equal(value(text, `pocket_id_ldap_sync_run_failures_total{reason="${reason}"}`), 0, `${reason} exists before the first failure`);
    assert.equal(value(text, `pocket_id_ldap_sync_last_failure_reason{reason="${reason}"}`), 0);
  }
  assert.doesNotMatch(text, /reason="lock_skipped"/, 'a held lock skips a run, it never fails one');
  assert.equal(value(text, 'pocket_id_ldap_sync_consecutive_failures'), 0);

  metrics.record(failure('ldap_connect'));
  metrics.record(failure('ldap_connect'));
  metrics.record({ jobId: 's', result: 'skipped', startedAt: new Date(), durationMs: 1, failureReason: 'lock_skipped' });
  metrics.record(failure('deletion_guard'));
  text = await metrics.metrics();
  assert.equal(value(text, 'pocket_id_ldap_sync_run_failures_total{reason="ldap_connect"}'), 2);
  assert.equal(value(text, 'pocket_id_ldap_sync_run_failures_total{reason="deletion_guard"}'), 1);
  assert.equal(value(text, 'pocket_id_ldap_sync_last_failure_reason{reason="deletion_guard"}'), 1);
  assert.equal(value(text, 'pocket_id_ldap_sync_last_failure_reason{reason="ldap_connect"}'), 0, 'only the last reason is 1');
  assert.equal(value(text, 'pocket_id_ldap_sync_consecutive_failures'), 3, 'a skipped run neither counts nor resets');
  assert.equal(value(text, 'pocket_id_ldap_sync_runs_total{result="failure"}'), 3);

  metrics.record(success(plan([])));
  text = await metrics.metrics();
  assert.equal(value(text, 'pocket_id_ldap_sync_consecutive_failures'), 0);
  assert.equal(value(text, 'pocket_id_ldap_sync_last_failure_reason{reason="deletion_guard"}'), 1, 'the last failure stays known after a success');
});

test('skipped entries: no series before the first successful run, then one per reason', async () => {
  const metrics = new SyncMetrics('1');
  assert.doesNotMatch(await metrics.metrics(), /^pocket_id_ldap_sync_skipped_entries\{/m);
  metrics.record(success(plan([{ kind: 'user', dn: 'uid=n', reason: 'missing-email', message: '' }])));
  const text = await metrics.metrics();
  for (const reason of SKIP_REASONS) assert.equal(value(text, `pocket_id_ldap_sync_skipped_entries{reason="${reason}"}`), reason === 'missing-email' ? 1 : 0, reason);
});

test('schedule interval: the longest wait between two scheduled runs, 0 when nothing is scheduled', async () => {
  const from = new Date('2026-01-05T10:00:00Z');
  assert.equal(longestGapSeconds(parseSchedule('@every 1h30m', from), from), 5400);
  assert.equal(longestGapSeconds(parseSchedule('*/10 * * * *', from), from), 600);
  assert.equal(longestGapSeconds(parseSchedule('0 2 * * 1-5', from), from), 3 * 86400, 'Friday 02:00 to Monday 02:00');
  assert.equal(longestGapSeconds({ text: 'once', next: (after) => (after < from ? from : null) }, new Date(0)), 0);
  const metrics = new SyncMetrics('1');
  assert.equal(value(await metrics.metrics(), 'pocket_id_ldap_sync_schedule_interval_seconds'), 0);
  metrics.setScheduleInterval(3600);
  assert.equal(value(await metrics.metrics(), 'pocket_id_ldap_sync_schedule_interval_seconds'), 3600);
});
