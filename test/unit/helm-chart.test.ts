// The Helm chart rendered by the real Helm (test/support/helm.ts): `helm lint --strict` and
// `helm template` for every example, the pod each mode gives (containers, probes, secret mounts,
// the lock-mode environment, security contexts), the daemon's configuration as rendered accepted by
// the daemon's own loader, and the mistakes the chart must refuse. The chart's guards and its
// conventions (extra volumes, labels, NetworkPolicy, ...) are in helm-chart-guards.test.ts and
// helm-chart-conventions.test.ts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { SETTINGS } from '../../src/config/settings.js';
import { CHART, EXAMPLES, LOCKED_URL, Rendered, env, examples, render, renderFails, runHelm, scratchDir, secretBehind, setUpHelm, tearDownHelm } from '../support/helm.js';

before(setUpHelm);
after(tearDownHelm);

// ------------------------------------------------------------------------------------------------

test('helm is the real one', async () => {
  const r = await runHelm(['version', '--template', '{{.Version}}']);
  assert.equal(r.stdout, 'v4.1.4');
});

for (const file of examples) {
  test(`helm lint --strict with examples/${file}`, async () => {
    const r = await runHelm(['lint', '--strict', CHART, '-f', path.join(EXAMPLES, file)]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  });
}

test('helm template with no values names every value that is missing, at once', async () => {
  const r = await runHelm(['template', 'rel', CHART]);
  assert.notEqual(r.code, 0);
  for (const missing of [
    'pocketId.appUrl',
    'pocketId.encryptionKey',
    'ldap.url: required',
    'ldap.bindDn: required',
    'ldap.base: required',
    'ldap.bindPassword',
    'ldap.attributes.userUniqueIdentifier: required',
    'ldap.attributes.userUsername: required',
    'ldap.attributes.groupUniqueIdentifier: required',
    'ldap.attributes.groupName: required',
    'ldap.attributes.userEmail: required while ldap.requireUserEmail is true',
  ]) {
    assert.ok(r.stderr.includes(`  - ${missing}`), `${missing} not in:\n${r.stderr}`);
  }
});

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

test('daemon.triggerToken: off by default; existingSecret or value is mounted as a file named by LDAP_SYNC_TRIGGER_TOKEN_FILE', async () => {
  const off = await render(['sqlite-sidecar.yaml']);
  const offEnv = env(off.container('ldap-sync'));
  assert.ok(!('LDAP_SYNC_TRIGGER_TOKEN_FILE' in offEnv) && !('LDAP_SYNC_TRIGGER_TOKEN' in offEnv) && !('LDAP_SYNC_TRIGGER_TOKEN' in off.configMap));
  assert.ok(!off.pod.volumes.some((v) => v.name === 'sync-trigger-token'));

  const existing = await render(['sqlite-sidecar.yaml'], ['daemon.triggerToken.existingSecret=ldap-sync-trigger', 'daemon.triggerToken.key=bearer']);
  const sync = existing.container('ldap-sync');
  assert.deepEqual(secretBehind(existing, sync, env(sync).LDAP_SYNC_TRIGGER_TOKEN_FILE ?? ''), { secret: 'ldap-sync-trigger', key: 'bearer' });
  assert.equal(existing.all('Secret').length, 0);
  // The bind password's mount is untouched beside it.
  assert.deepEqual(secretBehind(existing, sync, env(sync).LDAP_BIND_PASSWORD_FILE ?? ''), { secret: 'ldap-bind', key: 'password' });

  const inline = await render(['sqlite-sidecar.yaml'], ['daemon.triggerToken.value=a-token-of-32-characters-or-so!!']);
  const inlineSync = inline.container('ldap-sync');
  const secret = inline.one('Secret');
  assert.equal(Buffer.from(secret.data?.['sync-trigger-token'] ?? '', 'base64').toString('utf8'), 'a-token-of-32-characters-or-so!!');
  assert.deepEqual(secretBehind(inline, inlineSync, env(inlineSync).LDAP_SYNC_TRIGGER_TOKEN_FILE ?? ''), { secret: secret.metadata.name, key: 'sync-trigger-token' });
  assert.ok(!JSON.stringify(inline.configMap).includes('a-token-of-32'));
  // Changing the token rolls the pod (the chart Secret's checksum).
  const other = await render(['sqlite-sidecar.yaml'], ['daemon.triggerToken.value=another-token-of-32-characters!!']);
  const checksum = (r: Rendered) => (r.deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['checksum/secret'];
  assert.notEqual(checksum(inline), checksum(other));

  // The rendered environment is one the daemon's own loader accepts, with the token read from the file.
  const dir = scratchDir();
  const file = path.join(dir, 'sync-trigger-token');
  writeFileSync(file, 'a-token-of-32-characters-or-so!!\n');
  const config = loadConfig({ ...inline.configMap, LDAP_BIND_PASSWORD: 'x', LDAP_SYNC_TRIGGER_TOKEN_FILE: file });
  assert.equal(config.service.triggerToken, 'a-token-of-32-characters-or-so!!');

  // The schema refuses a token shorter than the daemon takes.
  assert.match(await renderFails(['sqlite-sidecar.yaml'], ['daemon.triggerToken.value=short']), /triggerToken/);
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

test('the daemon accepts every rendered configuration: each variable is one it reads, and loadConfig() finds no problem', async () => {
  const names = new Set<string>(SETTINGS.map((s) => s.name));
  const pocketIdNames = new Set<string>([...SETTINGS.filter((s) => s.pocketId).map((s) => s.name), 'APP_URL', 'ENCRYPTION_KEY_FILE']);
  const files: Record<string, string> = {
    LDAP_BIND_PASSWORD_FILE: 'secret\n',
    DB_CONNECTION_STRING_FILE: 'postgres://pocketid:pw@db:5432/pocketid\n',
    LDAP_TLS_CA_FILE: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  };
  for (const file of examples) {
    const r = await render([file]);
    const sync = r.container('ldap-sync');
    const daemonEnv: Record<string, string> = { ...r.configMap };
    for (const e of sync.env ?? []) daemonEnv[e.name] = e.value ?? '';
    for (const name of Object.keys(daemonEnv)) assert.ok(names.has(name), `${file}: the daemon reads no ${name}`);
    // The mounted files, here as temporary files with the Secret's content.
    for (const [name, content] of Object.entries(files)) {
      if (daemonEnv[name] === undefined) continue;
      const local = path.join(scratchDir(), `${file}-${name}`);
      writeFileSync(local, content);
      daemonEnv[name] = local;
    }
    assert.doesNotThrow(() => loadConfig(daemonEnv), `${file}: the daemon refuses its configuration`);
    const config = loadConfig(daemonEnv);
    assert.equal(config.enabled, true);
    assert.equal(config.service.httpPort, 9474);
    if (r.pod.containers.some((c) => c.name === 'pocket-id')) {
      const extra = new Set(['TRUST_PROXY']);
      for (const e of r.container('pocket-id').env ?? []) assert.ok(pocketIdNames.has(e.name) || extra.has(e.name), `${file}: Pocket ID reads no ${e.name}`);
    }
  }
});

test('the locked LDAP_URL names a Unix socket that does not exist, so nothing can answer on it', async () => {
  const url = new URL(LOCKED_URL);
  assert.equal(url.protocol, 'ldapi:');
  const socketPath = decodeURIComponent(url.host);
  assert.equal(socketPath, '/nonexistent/pocket-id-ldap-sync-owns-ldap');
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const socket = net.connect(socketPath);
    socket.on('connect', () => resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' })));
    socket.on('error', resolve);
  });
  assert.equal(error.code, 'ENOENT');
});

test('the chart refuses contradictions the schema cannot see, and values the schema refuses', async () => {
  const cases: { sets: string[]; files?: string[]; expect: RegExp }[] = [
    { files: ['sqlite-sidecar.yaml'], sets: ['mode=daemon-only'], expect: /persistence\.existingClaim: daemon-only mode with SQLite needs the claim/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['mode=daemon-only', 'persistence.existingClaim=pocket-id-data'], expect: /persistence\.pocketIdPodLabels: daemon-only mode with SQLite shares Pocket ID's database file/ },
    { files: ['postgres-daemon-only.yaml'], sets: ['ldap.attributes.userProfilePicture=jpegPhoto'], expect: /persistence\.existingClaim: pictures with FILE_BACKEND=filesystem/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['ldap.attributes.userProfilePicture=jpegPhoto', 'pocketId.fileBackend=s3'], expect: /pocketId\.fileBackend: s3 cannot hold/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['ldap.startTls=true'], expect: /ldap\.startTls: only for ldap:\/\/ URLs/ },
    { files: ['postgres-sidecar.yaml'], sets: ['ldap.tlsCa.configMap=also'], expect: /ldap\.tlsCa: set secret or configMap, not both/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['database.type=postgres'], expect: /database\.postgres: set existingSecret/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['lockMode=open'], expect: /lockMode/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['ldap.pageSize=20000'], expect: /pageSize/ },
    { files: ['sqlite-sidecar.yaml'], sets: ['ldap.bindPasword=x'], expect: /bindPasword/ },
  ];
  for (const c of cases) {
    const r = await runHelm(['template', 'rel', CHART, ...(c.files ?? []).flatMap((f) => ['-f', path.join(EXAMPLES, f)]), ...c.sets.flatMap((s) => ['--set', s])]);
    assert.notEqual(r.code, 0, `accepted: ${c.sets.join(' ')}`);
    assert.match(r.stderr, c.expect, c.sets.join(' '));
  }
  // daemon-only with SQLite on an existing claim is fine, and mounts it.
  const ok = await render(['sqlite-sidecar.yaml'], ['mode=daemon-only', 'persistence.existingClaim=pocket-id-data', 'persistence.pocketIdPodLabels.app=pocket-id']);
  assert.equal(ok.volume('data').persistentVolumeClaim?.claimName, 'pocket-id-data');
  assert.deepEqual(ok.pod.containers.map((c) => c.name), ['ldap-sync']);
  assert.equal(ok.all('PersistentVolumeClaim').length, 0);
});

test('NOTES.txt: the one-time admin link command in sidecar mode, the settings for your Pocket ID in daemon-only mode', async () => {
  const sidecar = await runHelm(['install', 'rel', CHART, '--dry-run=client', '--namespace', 'ids', '-f', path.join(EXAMPLES, 'sqlite-sidecar.yaml')]);
  assert.equal(sidecar.code, 0, sidecar.stderr);
  const notes = sidecar.stdout.slice(sidecar.stdout.indexOf('NOTES:'));
  assert.match(notes, /kubectl exec -n ids deploy\/rel-pocket-id-ldap-sync -c pocket-id -- \/app\/pocket-id one-time-access-token <username>/);
  assert.match(notes, /Lock mode: locked/);
  assert.match(notes, /logs one error an hour/);
  const daemonOnly = await runHelm(['install', 'rel', CHART, '--dry-run=client', '-f', path.join(EXAMPLES, 'postgres-daemon-only.yaml')]);
  assert.equal(daemonOnly.code, 0, daemonOnly.stderr);
  const notes2 = daemonOnly.stdout.slice(daemonOnly.stdout.indexOf('NOTES:'));
  assert.match(notes2, /UI_CONFIG_DISABLED=true\n\s+LDAP_ENABLED=true\n\s+LDAP_URL=ldapi:\/\/%2Fnonexistent%2Fpocket-id-ldap-sync-owns-ldap/);
  assert.doesNotMatch(notes2, /one-time-access-token/);
});

test('daemon.extraEnv comes after envFrom, so it can override a ConfigMap setting (the idle install of the switching recipe)', async () => {
  const args = ['template', 'rel', CHART, '-f', path.join(EXAMPLES, 'sqlite-sidecar.yaml'), '--set-json', 'daemon.extraEnv=[{"name":"LDAP_ENABLED","value":"false"}]'];
  const result = await runHelm(args);
  assert.equal(result.code, 0, result.stderr);
  const r = Rendered.parse(result.stdout);
  assert.equal(r.configMap.LDAP_ENABLED, 'true');
  assert.equal(env(r.container('ldap-sync')).LDAP_ENABLED, 'false');
  // Kubernetes gives env precedence over envFrom; the daemon then idles and /readyz says "disabled".
  const daemonEnv: Record<string, string> = { ...r.configMap, LDAP_ENABLED: 'false' };
  assert.equal(loadConfig(daemonEnv).enabled, false);
});
