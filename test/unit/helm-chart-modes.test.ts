// The pod each mode of the Helm chart gives, rendered by the real Helm (test/support/helm.ts):
// sidecar with SQLite (the default), unlocked, sidecar and daemon-only on PostgreSQL: containers,
// probes, secret mounts, the lock-mode environment, security contexts, Services, and what a
// --set changes. The rest of the chart's rendering is in helm-chart.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LOCKED_URL, Rendered, env, render, secretBehind, setUpHelm, tearDownHelm } from '../support/helm.js';

before(setUpHelm);
after(tearDownHelm);

test('default mode (sidecar, locked, SQLite): one pod with Pocket ID and the daemon sharing the database file', async () => {
  const r = await render(['sqlite-sidecar.yaml']);
  assert.deepEqual(r.pod.containers.map((c) => c.name), ['pocket-id', 'ldap-sync']);
  const pocketId = r.container('pocket-id');
  const sync = r.container('ldap-sync');
  assert.equal(pocketId.image, 'ghcr.io/pocket-id/pocket-id:v2.14.0');
  assert.equal(sync.image, 'ghcr.io/pocket-id-ldap-sync/pocket-id-ldap-sync:0.1.0');
  assert.deepEqual(sync.args, ['run']);

  // Lock mode "locked": Pocket ID's UI locks LDAP rows; its own sync gets a URL that cannot connect.
  const p = env(pocketId);
  assert.equal(p.UI_CONFIG_DISABLED, 'true');
  assert.equal(p.LDAP_ENABLED, 'true');
  assert.equal(p.LDAP_URL, LOCKED_URL);
  assert.equal(p.APP_URL, 'https://id.example.com');
  assert.equal(p.TRUST_PROXY, 'true');
  assert.deepEqual(secretBehind(r, pocketId, p.ENCRYPTION_KEY_FILE ?? ''), { secret: 'pocket-id-encryption', key: 'encryption-key' });
  // The daemon gets the real LDAP settings, and the same mirror of UI_CONFIG_DISABLED.
  assert.equal(r.configMap.LDAP_URL, 'ldaps://ldap.example.com');
  assert.equal(r.configMap.LDAP_ENABLED, 'true');
  assert.equal(r.configMap.UI_CONFIG_DISABLED, 'true');
  assert.deepEqual(sync.envFrom, [{ configMapRef: { name: r.one('ConfigMap').metadata.name } }]);

  // The bind password: a Secret mounted as a file, named by LDAP_BIND_PASSWORD_FILE; never in the ConfigMap.
  const s = env(sync);
  assert.deepEqual(secretBehind(r, sync, s.LDAP_BIND_PASSWORD_FILE ?? ''), { secret: 'ldap-bind', key: 'password' });
  assert.ok(!('LDAP_BIND_PASSWORD' in r.configMap) && !('LDAP_BIND_PASSWORD' in s));

  // SQLite: the same file, on the same claim, mounted at Pocket ID's /app/data in both containers.
  assert.equal(p.DB_CONNECTION_STRING, '/app/data/pocket-id.db');
  assert.equal(r.configMap.DB_CONNECTION_STRING, p.DB_CONNECTION_STRING);
  for (const c of [pocketId, sync]) assert.ok(c.volumeMounts.some((m) => m.name === 'data' && m.mountPath === '/app/data' && !m.readOnly), c.name);
  const pvc = r.one('PersistentVolumeClaim');
  assert.equal(r.volume('data').persistentVolumeClaim?.claimName, pvc.metadata.name);
  assert.equal(pvc.metadata.annotations?.['helm.sh/resource-policy'], 'keep');

  // Probes: the daemon's liveness and (sidecar) readiness on /healthz, on its metrics port, never
  // /readyz: a failing sync must not take Pocket ID out of its Service. Pocket ID's on its /healthz.
  assert.deepEqual(sync.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
  assert.deepEqual(sync.readinessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
  assert.equal(sync.startupProbe, undefined);
  assert.deepEqual(sync.ports, [{ name: 'metrics', containerPort: 9474, protocol: 'TCP' }]);
  assert.equal(r.configMap.LDAP_SYNC_HTTP_PORT, '9474');
  for (const probe of [pocketId.startupProbe, pocketId.livenessProbe, pocketId.readinessProbe]) assert.deepEqual(probe?.httpGet, { path: '/healthz', port: 'http' });
  assert.deepEqual(pocketId.ports, [{ name: 'http', containerPort: 1411, protocol: 'TCP' }]);

  // Security: non-root 1000:1000 with fsGroup 1000; read-only root, no privilege escalation, no capabilities.
  assert.deepEqual(r.pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
  for (const c of [pocketId, sync]) {
    assert.deepEqual(c.securityContext, { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, c.name);
    assert.ok(c.volumeMounts.some((m) => m.mountPath === '/tmp'), `${c.name} has no writable /tmp`);
  }
  assert.equal(r.pod.automountServiceAccountToken, false);
  assert.equal(r.pod.enableServiceLinks, false);
  // Kubernetes' grace period covers LDAP_SYNC_SHUTDOWN_TIMEOUT.
  assert.equal(r.pod.terminationGracePeriodSeconds, Number(r.configMap.LDAP_SYNC_SHUTDOWN_TIMEOUT) + 10);
  assert.equal((r.deployment.spec as { strategy: { type: string } }).strategy.type, 'Recreate');

  // Services: Pocket ID's (http only) and the daemon's metrics on its own ClusterIP Service; Ingress
  // to http only; no ServiceMonitor, no chart Secret.
  assert.deepEqual(r.servicePorts('rel-pocket-id-ldap-sync').map((x) => `${x.name}:${x.port}->${x.targetPort}`), ['http:80->http']);
  assert.deepEqual(r.servicePorts('rel-pocket-id-ldap-sync-metrics').map((x) => `${x.name}:${x.port}->${x.targetPort}`), ['metrics:9474->metrics']);
  assert.equal((r.named('Service', 'rel-pocket-id-ldap-sync-metrics').spec as { type: string }).type, 'ClusterIP');
  const ingress = JSON.stringify(r.one('Ingress').spec);
  assert.match(ingress, /"host":"id\.example\.com"/);
  assert.match(ingress, /"port":\{"name":"http"\}/);
  assert.equal(r.all('ServiceMonitor').length, 0);
  assert.equal(r.all('Secret').length, 0);
});

test('unlocked mode: Pocket ID gets LDAP_ENABLED=false and no LDAP_URL; inline secrets become one Secret', async () => {
  const r = await render(['unlocked.yaml']);
  const p = env(r.container('pocket-id'));
  assert.equal(p.LDAP_ENABLED, 'false');
  assert.ok(!('LDAP_URL' in p));
  assert.equal(p.UI_CONFIG_DISABLED, 'true');
  const secret = r.one('Secret');
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  assert.deepEqual(decoded, { 'encryption-key': 'change-me-to-32-random-characters', 'ldap-bind-password': 'change-me' });
  assert.deepEqual(secretBehind(r, r.container('ldap-sync'), env(r.container('ldap-sync')).LDAP_BIND_PASSWORD_FILE ?? ''), { secret: secret.metadata.name, key: 'ldap-bind-password' });
  assert.deepEqual(secretBehind(r, r.container('pocket-id'), p.ENCRYPTION_KEY_FILE ?? ''), { secret: secret.metadata.name, key: 'encryption-key' });
  // persistence.enabled=false: an emptyDir, no claim.
  assert.ok(r.volume('data').emptyDir !== undefined);
  assert.equal(r.all('PersistentVolumeClaim').length, 0);
});

test('--set lockMode=unlocked over the locked example changes only the Pocket ID lock environment and the config checksum stays', async () => {
  const locked = await render(['sqlite-sidecar.yaml']);
  const unlocked = await render(['sqlite-sidecar.yaml'], ['lockMode=unlocked']);
  assert.deepEqual(unlocked.configMap, locked.configMap);
  const annotations = (r: Rendered) => (r.deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
  assert.equal(annotations(unlocked)['checksum/config'], annotations(locked)['checksum/config']);
  assert.equal(env(unlocked.container('pocket-id')).LDAP_ENABLED, 'false');
  // A setting change rolls the pod.
  const changed = await render(['sqlite-sidecar.yaml'], ['sync.schedule=@every 30m']);
  assert.notEqual(annotations(changed)['checksum/config'], annotations(locked)['checksum/config']);
});

test('sidecar on PostgreSQL: both containers read the connection string from one Secret file; the volume stays for uploads', async () => {
  const r = await render(['postgres-sidecar.yaml']);
  const pocketId = r.container('pocket-id');
  const sync = r.container('ldap-sync');
  const file = env(sync).DB_CONNECTION_STRING_FILE ?? '';
  assert.equal(env(pocketId).DB_CONNECTION_STRING_FILE, file);
  assert.deepEqual(secretBehind(r, sync, file), { secret: 'pocket-id', key: 'db-connection-string' });
  assert.deepEqual(secretBehind(r, pocketId, file), { secret: 'pocket-id', key: 'db-connection-string' });
  assert.ok(!('DB_CONNECTION_STRING' in r.configMap) && !('DB_CONNECTION_STRING' in env(pocketId)));
  assert.equal(r.all('PersistentVolumeClaim').length, 1);
  for (const c of [pocketId, sync]) assert.ok(c.volumeMounts.some((m) => m.mountPath === '/app/data'), c.name);
  // A private CA from a Secret, as LDAP_TLS_CA_FILE.
  const ca = env(sync).LDAP_TLS_CA_FILE ?? '';
  assert.deepEqual(secretBehind(r, sync, ca), { secret: 'openldap-ca', key: 'ca.crt' });
  assert.equal(r.configMap.LDAP_START_TLS, 'true');
});

test('daemon-only on PostgreSQL: only the daemon, no volume, metrics Service and ServiceMonitor', async () => {
  const r = await render(['postgres-daemon-only.yaml']);
  assert.deepEqual(r.pod.containers.map((c) => c.name), ['ldap-sync']);
  const sync = r.container('ldap-sync');
  assert.deepEqual(secretBehind(r, sync, env(sync).DB_CONNECTION_STRING_FILE ?? ''), { secret: 'pocket-id-db', key: 'connection-string' });
  assert.deepEqual(secretBehind(r, sync, env(sync).LDAP_BIND_PASSWORD_FILE ?? ''), { secret: 'ad-bind', key: 'password' });
  const ca = sync.volumeMounts.find((m) => (env(sync).LDAP_TLS_CA_FILE ?? '').startsWith(m.mountPath + '/'));
  assert.equal(r.volume(ca?.name ?? '').configMap?.name, 'corp-ca');
  assert.equal(r.all('PersistentVolumeClaim').length, 0);
  assert.ok(!r.pod.volumes.some((v) => v.name === 'data'));
  assert.ok(!sync.volumeMounts.some((m) => m.mountPath === '/app/data'));
  // Without a Pocket ID in the pod, UI_CONFIG_DISABLED mirrors daemon.uiConfigDisabled.
  assert.equal(r.configMap.UI_CONFIG_DISABLED, 'true');
  // No Pocket ID Service; the metrics Service; readiness on /readyz (no Pocket ID shares the pod).
  const service = r.one('Service');
  assert.equal(service.metadata.name, 'rel-pocket-id-ldap-sync-metrics');
  assert.deepEqual(r.servicePorts(service.metadata.name).map((x) => x.name), ['metrics']);
  assert.deepEqual(sync.readinessProbe?.httpGet, { path: '/readyz', port: 'metrics' });
  assert.deepEqual(sync.livenessProbe?.httpGet, { path: '/healthz', port: 'metrics' });
  const monitor = r.one('ServiceMonitor');
  const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
  for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(service.metadata.labels?.[k], v, k);
  assert.deepEqual(spec.endpoints.map((e) => `${e.port}${e.path}`), ['metrics/metrics']);
  assert.equal(monitor.metadata.labels?.release, 'prometheus');
  assert.equal(r.all('Ingress').length, 0);
});
