// What the chart refuses or arranges so that Pocket ID is never harmed (rendered by the real Helm):
// no daemon probe tied to the sync's result in sidecar mode, metrics never on Pocket ID's Service or
// ports, no pocketId.extraEnv that overrides the chart's own variables, no APP_URL with a path, and
// a daemon that shares Pocket ID's SQLite file scheduled on Pocket ID's node.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Rendered, env, examples, render, renderFails, setUpHelm, tearDownHelm } from '../support/helm.js';

before(setUpHelm);
after(tearDownHelm);

const sidecarExamples = examples.filter((f) => f !== 'postgres-daemon-only.yaml');

test('sidecar mode: no daemon probe asks /readyz, in every sidecar example, whatever the probe settings', async () => {
  for (const file of sidecarExamples) {
    for (const sets of [[], ['daemon.readinessProbe.enabled=true', 'daemon.livenessProbe.enabled=true']]) {
      const sync = (await render([file], sets)).container('ldap-sync');
      const probes = [sync.startupProbe, sync.livenessProbe, sync.readinessProbe].filter((p) => p !== undefined);
      assert.ok(probes.length >= 1, file);
      for (const probe of probes) assert.equal(probe.httpGet.path, '/healthz', `${file}: ${JSON.stringify(probe)}`);
    }
  }
});

test('daemon-only mode keeps readiness on /readyz, and it can be turned off', async () => {
  const on = await render(['postgres-daemon-only.yaml']);
  assert.equal(on.container('ldap-sync').readinessProbe?.httpGet.path, '/readyz');
  const off = await render(['postgres-daemon-only.yaml'], ['daemon.readinessProbe.enabled=false']);
  assert.equal(off.container('ldap-sync').readinessProbe, undefined);
});

test('metrics live on their own ClusterIP Service, even when Pocket ID is a LoadBalancer or NodePort', async () => {
  for (const type of ['LoadBalancer', 'NodePort']) {
    const r = await render(['sqlite-sidecar.yaml'], [`pocketId.service.type=${type}`]);
    const pocketId = r.named('Service', 'rel-pocket-id-ldap-sync');
    assert.equal((pocketId.spec as { type: string }).type, type);
    assert.deepEqual(r.servicePorts('rel-pocket-id-ldap-sync').map((p) => p.name), ['http']);
    const metrics = r.named('Service', 'rel-pocket-id-ldap-sync-metrics');
    assert.equal((metrics.spec as { type: string }).type, 'ClusterIP');
    assert.deepEqual(r.servicePorts('rel-pocket-id-ldap-sync-metrics').map((p) => `${p.name}:${p.port}`), ['metrics:9474']);
    // The ServiceMonitor would pick the metrics Service only, by its component label.
    const monitor = (await render(['sqlite-sidecar.yaml'], [`pocketId.service.type=${type}`, 'metrics.serviceMonitor.enabled=true'])).one('ServiceMonitor');
    const selector = (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    const selects = (labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    assert.ok(selects(metrics.metadata.labels));
    assert.ok(!selects(pocketId.metadata.labels));
  }
});

test('a metrics port Pocket ID uses is refused with a message naming it', async () => {
  const cases: { sets: string[]; setJson?: string[]; expect: RegExp }[] = [
    { sets: ['metrics.port=1411'], expect: /metrics\.port: 1411 is Pocket ID's HTTP port; pick another port/ },
    { sets: ['metrics.port=9464'], expect: /metrics\.port: 9464 is Pocket ID's Prometheus exporter \(OTEL_METRICS_EXPORTER=prometheus\)/ },
    { sets: ['metrics.port=80'], expect: /metrics\.port: 80 is pocketId\.service\.port/ },
    { sets: ['metrics.port=9500'], setJson: ['pocketId.extraEnv=[{"name":"OTEL_EXPORTER_PROMETHEUS_PORT","value":"9500"}]'], expect: /metrics\.port: 9500 is Pocket ID's Prometheus exporter \(OTEL_EXPORTER_PROMETHEUS_PORT in pocketId\.extraEnv\)/ },
  ];
  for (const c of cases) assert.match(await renderFails(['sqlite-sidecar.yaml'], c.sets, c.setJson), c.expect);
  // Another port is fine, and reaches the container, the ConfigMap and the Service.
  const r = await render(['sqlite-sidecar.yaml'], ['metrics.port=9600']);
  assert.equal(r.configMap.LDAP_SYNC_HTTP_PORT, '9600');
  assert.deepEqual(r.container('ldap-sync').ports?.map((p) => p.containerPort), [9600]);
  assert.deepEqual(r.servicePorts('rel-pocket-id-ldap-sync-metrics').map((p) => p.port), [9600]);
});

const OWNED = ['APP_URL', 'ENCRYPTION_KEY', 'ENCRYPTION_KEY_FILE', 'UI_CONFIG_DISABLED', 'LDAP_ENABLED', 'LDAP_URL', 'DB_CONNECTION_STRING', 'DB_CONNECTION_STRING_FILE', 'FILE_BACKEND', 'PORT'];

test('pocketId.extraEnv cannot override a variable the chart sets for Pocket ID: each one is named', async () => {
  const all = JSON.stringify(OWNED.map((name) => ({ name, value: 'x' })));
  const stderr = await renderFails(['sqlite-sidecar.yaml'], [], [`pocketId.extraEnv=${all}`]);
  for (const name of OWNED) assert.match(stderr, new RegExp(`  - pocketId\\.extraEnv: ${name} is set by the chart .* cannot be overridden here`), name);
  // The reviewed case: a duplicate LDAP_ENABLED=false that would have unlocked locked mode.
  const one = await renderFails(['postgres-sidecar.yaml'], [], ['pocketId.extraEnv=[{"name":"LDAP_ENABLED","value":"false"}]']);
  assert.match(one, /pocketId\.extraEnv: LDAP_ENABLED is set by the chart/);
  // Everything the chart sets is guarded: each variable in the rendered Pocket ID container.
  for (const file of sidecarExamples) {
    const r = await render([file]);
    const extra = new Set(['TRUST_PROXY']);
    for (const name of Object.keys(env(r.container('pocket-id')))) assert.ok(OWNED.includes(name) || extra.has(name), `${file}: ${name} is set by the chart but not guarded`);
  }
});

test('pocketId.extraEnv with other names renders, after the chart\'s own variables', async () => {
  const r = await render(['sqlite-sidecar.yaml'], [], ['pocketId.extraEnv=[{"name":"SMTP_HOST","value":"mail"},{"name":"LDAP_BIND_DN","value":"ignored-in-locked-mode"}]']);
  const names = (r.container('pocket-id').env ?? []).map((e) => e.name);
  assert.deepEqual(names.slice(-2), ['SMTP_HOST', 'LDAP_BIND_DN']);
});

test('APP_URL with a path is refused (Pocket ID exits on it); a trailing slash is fine', async () => {
  for (const url of ['https://example.com/auth', 'https://example.com/auth/', 'http://localhost:1411/x']) {
    assert.match(await renderFails(['sqlite-sidecar.yaml'], [`pocketId.appUrl=${url}`]), /\/pocketId\/appUrl/, url);
  }
  for (const url of ['https://id.example.com/', 'http://localhost:1411']) {
    const r = await render(['sqlite-sidecar.yaml'], [`pocketId.appUrl=${url}`]);
    assert.equal(env(r.container('pocket-id')).APP_URL, url);
  }
});

function podAffinityTerms(r: Rendered): { labelSelector: { matchLabels: Record<string, string> }; topologyKey: string }[] {
  const affinity = r.pod.affinity as { podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: [] } } | undefined;
  return affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

test('daemon-only on SQLite: a required podAffinity puts the daemon on Pocket ID\'s node; the operator\'s affinity is kept', async () => {
  const base = ['mode=daemon-only', 'persistence.existingClaim=pocket-id-data', 'persistence.pocketIdPodLabels.app\\.kubernetes\\.io/name=pocket-id'];
  const r = await render(['sqlite-sidecar.yaml'], base);
  assert.deepEqual(podAffinityTerms(r), [{ labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'pocket-id' } }, topologyKey: 'kubernetes.io/hostname' }]);
  const own = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] }, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { x: 'y' } }, topologyKey: 'zone' }] } };
  const merged = await render(['sqlite-sidecar.yaml'], base, [`affinity=${JSON.stringify(own)}`]);
  assert.deepEqual((merged.pod.affinity as { nodeAffinity: unknown }).nodeAffinity, own.nodeAffinity);
  assert.deepEqual(podAffinityTerms(merged).map((t) => t.topologyKey), ['zone', 'kubernetes.io/hostname']);
  // Sidecar mode (one pod) and PostgreSQL need none.
  assert.equal((await render(['sqlite-sidecar.yaml'])).pod.affinity, undefined);
  assert.equal((await render(['postgres-daemon-only.yaml'])).pod.affinity, undefined);
});
