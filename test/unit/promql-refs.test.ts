import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promqlRefs } from '../support/promql-refs.js';

test('promqlRefs: selectors with matchers, functions and aggregations skipped, ranges and offsets ignored', () => {
  const refs = promqlRefs(`
    sum without (reason) (pocket_id_ldap_sync_skipped_entries)
      > sum without (reason) (pocket_id_ldap_sync_skipped_entries offset 1d)
    and on (job, instance) last_over_time(pocket_id_ldap_sync_info{version!="", job=~"a|b"}[1d])
    or absent(up == 0) * 2`);
  assert.deepEqual(refs.selectors, [
    { metric: 'pocket_id_ldap_sync_skipped_entries', matchers: [] },
    { metric: 'pocket_id_ldap_sync_skipped_entries', matchers: [] },
    { metric: 'pocket_id_ldap_sync_info', matchers: [{ label: 'version', op: '!=', value: '' }, { label: 'job', op: '=~', value: 'a|b' }] },
    { metric: 'up', matchers: [] },
  ]);
  assert.deepEqual(refs.groupingLabels, ['reason', 'reason', 'job', 'instance']);
});

test('promqlRefs: Grafana variables as values and ranges, aggregations with by after the body', () => {
  const refs = promqlRefs(`histogram_quantile(0.95, sum(rate(x_bucket{job=~"$job", instance=~"\${instance}", result='success'}[$__rate_interval])) by (le))`);
  assert.deepEqual(refs.selectors, [{ metric: 'x_bucket', matchers: [{ label: 'job', op: '=~', value: '$job' }, { label: 'instance', op: '=~', value: '${instance}' }, { label: 'result', op: '=', value: 'success' }] }]);
  assert.deepEqual(refs.groupingLabels, ['le']);
});

test('promqlRefs: a matcher it cannot read is an error, not a silent pass', () => {
  assert.throws(() => promqlRefs('x{job}'), /cannot read a label matcher/);
});
