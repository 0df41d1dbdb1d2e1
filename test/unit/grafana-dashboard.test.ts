// The Grafana dashboard (helm/pocket-id-ldap-sync/files/grafana-dashboard.json) as Grafana reads it:
// the panels the operator needs, every query through the data source variable and filtered by the
// job and instance variables, a layout without overlaps. That the daemon exports what the queries
// read is checked against a real daemon in test/integration/monitoring-metrics.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboardQueries, readDashboard } from '../support/monitoring-queries.js';
import { promqlRefs } from '../support/promql-refs.js';

const dashboard = readDashboard();

test('the dashboard has a stable uid and the panels the operator needs', () => {
  assert.equal(dashboard.uid, 'pocket-id-ldap-sync');
  const titles = dashboard.panels.map((p) => p.title);
  for (const needed of ['Since the last successful run', 'Run duration', 'Changes by kind', 'Skipped entries by reason', 'Failures by reason', 'Entries read', 'Sessions revoked', 'Runs by result', 'Last failure reason']) {
    assert.ok(titles.includes(needed), `no panel "${needed}"`);
  }
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids are unique');
});

test('every panel queries through the data source variable, and every selector is filtered by $job and $instance', () => {
  for (const panel of dashboard.panels) {
    assert.equal(panel.datasource.uid, '${datasource}', panel.title);
    assert.ok(panel.targets.length > 0, panel.title);
    for (const target of panel.targets) {
      assert.equal(target.datasource.uid, '${datasource}', panel.title);
      for (const selector of promqlRefs(target.expr).selectors) {
        const matchers = selector.matchers.map((m) => `${m.label}${m.op}${m.value}`);
        assert.ok(matchers.includes('job=~$job') && matchers.includes('instance=~$instance'), `${panel.title}: ${selector.metric} ${JSON.stringify(matchers)}`);
      }
    }
  }
  assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'job', 'instance']);
  assert.ok(dashboardQueries().every((q) => promqlRefs(q.expr).selectors.length > 0));
});

test('the layout fits 24 columns and no two panels overlap', () => {
  const cells = new Map<string, string>();
  for (const { title, gridPos: g } of dashboard.panels) {
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `${title}: ${JSON.stringify(g)}`);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        const other = cells.get(`${x},${y}`);
        assert.equal(other, undefined, `${title} overlaps ${other}`);
        cells.set(`${x},${y}`, title);
      }
    }
  }
});
