// The chart's monitoring objects, rendered by the real Helm (test/support/helm.ts): the
// PrometheusRule and the Grafana dashboard ConfigMap, both off by default, both embedding the
// repository's files unchanged (one source each).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { CHART, EXAMPLES, type K8sObject, render, runHelm, setUpHelm, tearDownHelm } from '../support/helm.js';

before(setUpHelm);
after(tearDownHelm);

const FILES = path.join(CHART, 'files');

test('monitoring is off by default: no PrometheusRule, no dashboard ConfigMap', async () => {
  const r = await render(['sqlite-sidecar.yaml']);
  assert.equal(r.all('PrometheusRule').length, 0);
  assert.deepEqual(r.all('ConfigMap').map((c) => c.metadata.name), ['rel-pocket-id-ldap-sync']);
});

test('metrics.prometheusRule: the rules of files/prometheus-rules.yaml, with the chart\'s and the additional labels', async () => {
  const r = await render(['postgres-daemon-only.yaml'], ['metrics.prometheusRule.enabled=true', 'metrics.prometheusRule.additionalLabels.release=kube-prometheus-stack']);
  const rule = r.one('PrometheusRule') as K8sObject & { apiVersion: string };
  assert.equal(rule.apiVersion, 'monitoring.coreos.com/v1');
  assert.equal(rule.metadata.name, 'rel-pocket-id-ldap-sync');
  assert.equal(rule.metadata.labels?.release, 'kube-prometheus-stack');
  assert.equal(rule.metadata.labels?.['app.kubernetes.io/instance'], 'rel');
  assert.deepEqual(rule.spec, YAML.parse(readFileSync(path.join(FILES, 'prometheus-rules.yaml'), 'utf8')));
});

test('metrics.grafanaDashboard: files/grafana-dashboard.json in a ConfigMap with the sidecar\'s label, annotations and namespace', async () => {
  const on = await render(['sqlite-sidecar.yaml'], ['metrics.grafanaDashboard.enabled=true']);
  const dashboard = on.all('ConfigMap').find((c) => c.metadata.name === 'rel-pocket-id-ldap-sync-dashboard') as K8sObject & { metadata: { namespace?: string } };
  assert.ok(dashboard);
  assert.equal(dashboard.metadata.labels?.grafana_dashboard, '1');
  assert.equal(dashboard.metadata.namespace, 'ids', 'the release namespace by default');
  assert.equal(dashboard.metadata.annotations, undefined);
  assert.deepEqual(Object.keys(dashboard.data ?? {}), ['pocket-id-ldap-sync.json']);
  assert.deepEqual(JSON.parse(dashboard.data?.['pocket-id-ldap-sync.json'] ?? ''), JSON.parse(readFileSync(path.join(FILES, 'grafana-dashboard.json'), 'utf8')));

  const moved = await render(['sqlite-sidecar.yaml'], [
    'metrics.grafanaDashboard.enabled=true',
    'metrics.grafanaDashboard.namespace=monitoring',
    'metrics.grafanaDashboard.labels.grafana_dashboard=null',
    'metrics.grafanaDashboard.labels.dashboards=identity',
    'metrics.grafanaDashboard.annotations.grafana_folder=Identity',
  ]);
  const elsewhere = moved.all('ConfigMap').find((c) => c.metadata.name === 'rel-pocket-id-ldap-sync-dashboard') as K8sObject & { metadata: { namespace?: string } };
  assert.equal(elsewhere.metadata.namespace, 'monitoring');
  assert.equal(elsewhere.metadata.labels?.dashboards, 'identity');
  assert.equal(elsewhere.metadata.labels?.grafana_dashboard, undefined, 'the default label can be removed');
  assert.deepEqual(elsewhere.metadata.annotations, { grafana_folder: 'Identity' });
});

test('helm lint --strict with the PrometheusRule and the dashboard on', async () => {
  const r = await runHelm(['lint', '--strict', CHART, '-f', path.join(EXAMPLES, 'sqlite-sidecar.yaml'), '--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.grafanaDashboard.enabled=true']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
