import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobOutcome } from '../../src/service/job.js';
import { SyncMetrics } from '../../src/service/metrics.js';
import type { SyncResult } from '../../src/run/run-sync.js';
import { summarize } from '../../src/run/summary.js';
import type { Skip, SyncPlan } from '../../src/sync/types.js';

function plan(skips: Skip[], created = 0): SyncPlan {
  const user = { id: 'u', ldapId: 'l', dn: 'uid=a', username: 'a', email: 'a@x', firstName: '', lastName: '', displayName: 'a', isAdmin: false, emailVerified: true, disabled: false };
  return {
    users: { create: Array.from({ length: created }, () => user), update: [], disable: [], delete: [], unchanged: 3 },
    groups: { create: [], update: [], delete: [], unchanged: 1 },
    memberships: { add: [], remove: [] },
    vacate: { userIds: [], groupIds: [] },
    skips,
    managed: { users: 3, groups: 1 },
  };
}

function success(p: SyncPlan, dryRun = false): JobOutcome {
  const sync: SyncResult = { dryRun, guard: null, plan: p, summary: summarize(p), entriesRead: { users: 7, groups: 2 }, timings: { readMs: 1, planMs: 1, applyMs: 1 } };
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
