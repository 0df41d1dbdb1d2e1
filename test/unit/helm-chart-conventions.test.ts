// The chart's conventions (helm create / Bitnami), rendered by the real Helm: labels and
// annotations on every object and the pod, extra volumes, mounts, envFrom, init and extra
// containers, Pocket ID's probes, per-container security contexts, the ServiceAccount, the
// NetworkPolicy, the `helm test` pod, the image digest, Chart.yaml's metadata, memory defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { CHART, type Container, env, render, runHelm, setUpHelm, tearDownHelm } from '../support/helm.js';

before(setUpHelm);
after(tearDownHelm);

test('the full standard label set and commonLabels/commonAnnotations on every object and on the pod', async () => {
  const r = await render(['sqlite-sidecar.yaml'], ['commonLabels.team=identity', 'commonAnnotations.owner=ops', 'networkPolicy.enabled=true', 'serviceAccount.create=true', 'metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true', 'metrics.grafanaDashboard.enabled=true', 'podLabels.extra=one', 'podAnnotations.note=x']);
  const standard = ['helm.sh/chart', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/part-of'];
  const kinds = new Set(r.objects.map((o) => o.kind));
  for (const kind of ['Deployment', 'Service', 'ConfigMap', 'PersistentVolumeClaim', 'Ingress', 'NetworkPolicy', 'ServiceAccount', 'ServiceMonitor', 'PrometheusRule', 'Pod']) assert.ok(kinds.has(kind), kind);
  for (const o of r.objects) {
    for (const label of standard) assert.ok(o.metadata.labels?.[label], `${o.kind} ${o.metadata.name}: no ${label}`);
    assert.equal(o.metadata.labels?.team, 'identity', `${o.kind}: commonLabels`);
    assert.equal(o.metadata.annotations?.owner, 'ops', `${o.kind}: commonAnnotations`);
  }
  const pod = r.podTemplate.metadata;
  for (const label of standard) assert.ok(pod.labels[label], `pod: no ${label}`);
  assert.equal(pod.labels.team, 'identity');
  assert.equal(pod.labels.extra, 'one');
  assert.equal(pod.annotations.owner, 'ops');
  assert.equal(pod.annotations.note, 'x');
  assert.match(pod.annotations['checksum/config'] ?? '', /^[0-9a-f]{64}$/);
  // The PVC keeps its own annotation next to the common ones.
  assert.equal(r.one('PersistentVolumeClaim').metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  // The selector stays the two stable labels (a Deployment's selector cannot change on upgrade).
  assert.deepEqual(Object.keys((r.deployment.spec as { selector: { matchLabels: object } }).selector.matchLabels).sort(), ['app.kubernetes.io/instance', 'app.kubernetes.io/name']);
});

test('extraVolumes, extraVolumeMounts and extraEnvFrom for both containers; initContainers and extraContainers', async () => {
  const r = await render(['sqlite-sidecar.yaml'], [], [
    'extraVolumes=[{"name":"smtp","secret":{"secretName":"smtp"}},{"name":"litestream","configMap":{"name":"ls"}}]',
    'pocketId.extraVolumeMounts=[{"name":"smtp","mountPath":"/run/secrets/smtp","readOnly":true}]',
    'daemon.extraVolumeMounts=[{"name":"litestream","mountPath":"/etc/litestream"}]',
    'pocketId.extraEnvFrom=[{"secretRef":{"name":"pocket-id-extra"}}]',
    'daemon.extraEnvFrom=[{"configMapRef":{"name":"sync-extra"}}]',
    'initContainers=[{"name":"restore","image":"litestream/litestream:0.3.13","args":["restore"]}]',
    'extraContainers=[{"name":"replicate","image":"litestream/litestream:0.3.13","args":["replicate"]}]',
  ]);
  assert.deepEqual(r.pod.volumes.slice(-2).map((v) => v.name), ['smtp', 'litestream']);
  const mountsOf = (c: Container) => c.volumeMounts.map((m) => `${m.name}:${m.mountPath}`);
  assert.ok(mountsOf(r.container('pocket-id')).includes('smtp:/run/secrets/smtp'));
  assert.ok(!mountsOf(r.container('pocket-id')).includes('litestream:/etc/litestream'));
  assert.ok(mountsOf(r.container('ldap-sync')).includes('litestream:/etc/litestream'));
  assert.deepEqual(r.container('pocket-id').envFrom, [{ secretRef: { name: 'pocket-id-extra' } }]);
  // The daemon's ConfigMap first, then the operator's (a later envFrom wins on duplicates; env beats both).
  assert.deepEqual(r.container('ldap-sync').envFrom, [{ configMapRef: { name: 'rel-pocket-id-ldap-sync' } }, { configMapRef: { name: 'sync-extra' } }]);
  assert.deepEqual(r.pod.initContainers?.map((c) => c.name), ['restore']);
  assert.deepEqual(r.pod.containers.map((c) => c.name), ['pocket-id', 'ldap-sync', 'replicate']);
});

test('Pocket ID\'s startup, liveness and readiness probes are configurable and can be turned off', async () => {
  const r = await render(['sqlite-sidecar.yaml'], ['pocketId.startupProbe.failureThreshold=90', 'pocketId.livenessProbe.periodSeconds=30', 'pocketId.readinessProbe.enabled=false']);
  const p = r.container('pocket-id');
  assert.deepEqual({ ...p.startupProbe, httpGet: undefined }, { httpGet: undefined, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 90 });
  assert.equal(p.livenessProbe?.periodSeconds, 30);
  assert.equal(p.readinessProbe, undefined);
});

test('per-container security contexts are merged over the shared one', async () => {
  const r = await render(['sqlite-sidecar.yaml'], ['daemon.securityContext.runAsUser=2000', 'pocketId.securityContext.readOnlyRootFilesystem=false']);
  assert.equal(r.container('ldap-sync').securityContext.runAsUser, 2000);
  assert.equal(r.container('ldap-sync').securityContext.readOnlyRootFilesystem, true);
  assert.equal(r.container('pocket-id').securityContext.readOnlyRootFilesystem, false);
  assert.equal(r.container('pocket-id').securityContext.runAsUser, undefined);
  assert.deepEqual(r.container('pocket-id').securityContext.capabilities, { drop: ['ALL'] });
});

test('ServiceAccount: none by default ("default"), or created with its name, annotations and no token', async () => {
  const none = await render(['sqlite-sidecar.yaml']);
  assert.equal(none.all('ServiceAccount').length, 0);
  assert.equal(none.pod.serviceAccountName, 'default');
  const made = await render(['sqlite-sidecar.yaml'], ['serviceAccount.create=true', 'serviceAccount.annotations.a=b']);
  const sa = made.one('ServiceAccount');
  assert.equal(sa.metadata.name, 'rel-pocket-id-ldap-sync');
  assert.equal(sa.metadata.annotations?.a, 'b');
  assert.equal(sa.automountServiceAccountToken, false);
  assert.equal(made.pod.serviceAccountName, sa.metadata.name);
  assert.equal(made.pod.automountServiceAccountToken, false);
  assert.equal((await render(['sqlite-sidecar.yaml'], ['serviceAccount.name=existing'])).pod.serviceAccountName, 'existing');
});

interface Rule {
  ports: { port: number; protocol: string }[];
  from?: Record<string, unknown>[];
  to?: Record<string, unknown>[];
}

test('NetworkPolicy: off by default; egress only to DNS, the directory\'s port and PostgreSQL\'s; metrics from monitoring and the test pod', async () => {
  assert.equal((await render(['sqlite-sidecar.yaml'])).all('NetworkPolicy').length, 0);
  const spec = async (file: string, sets: string[] = [], setJson: string[] = []) => (await render([file], ['networkPolicy.enabled=true', ...sets], setJson)).one('NetworkPolicy').spec as { podSelector: { matchLabels: Record<string, string> }; ingress: Rule[]; egress: Rule[] };
  const ports = (rules: Rule[]) => rules.map((r) => r.ports.map((p) => `${p.port}/${p.protocol}`).join(','));

  const sqlite = await spec('sqlite-sidecar.yaml');
  assert.deepEqual(ports(sqlite.ingress), ['1411/TCP', '9474/TCP']);
  assert.deepEqual(ports(sqlite.egress), ['53/UDP,53/TCP', '636/TCP']);
  assert.deepEqual(sqlite.ingress[1]?.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }, { podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'rel', 'app.kubernetes.io/component': 'test' } } }]);
  assert.equal(sqlite.egress[1]?.to, undefined);

  const daemonOnly = await spec('postgres-daemon-only.yaml', ['networkPolicy.databasePort=6432'], ['networkPolicy.databasePeers=[{"ipBlock":{"cidr":"10.0.5.0/24"}}]', 'networkPolicy.directoryPeers=[{"ipBlock":{"cidr":"10.0.1.10/32"}}]']);
  assert.deepEqual(ports(daemonOnly.ingress), ['9474/TCP']);
  assert.deepEqual(ports(daemonOnly.egress), ['53/UDP,53/TCP', '636/TCP', '6432/TCP']);
  assert.deepEqual(daemonOnly.egress[1]?.to, [{ ipBlock: { cidr: '10.0.1.10/32' } }]);
  assert.deepEqual(daemonOnly.egress[2]?.to, [{ ipBlock: { cidr: '10.0.5.0/24' } }]);

  // The directory's port comes from ldap.url: explicit, or 389 for ldap://.
  assert.deepEqual(ports((await spec('unlocked.yaml')).egress), ['53/UDP,53/TCP', '3890/TCP']);
  assert.deepEqual(ports((await spec('postgres-sidecar.yaml', [], ['networkPolicy.extraEgress=[{"ports":[{"port":587,"protocol":"TCP"}]}]'])).egress), ['53/UDP,53/TCP', '389/TCP', '5432/TCP', '587/TCP']);
  const pocketIdFrom = await spec('sqlite-sidecar.yaml', [], ['networkPolicy.pocketIdFrom=[{"namespaceSelector":{"matchLabels":{"name":"ingress-nginx"}}}]']);
  assert.deepEqual(pocketIdFrom.ingress[0]?.from, [{ namespaceSelector: { matchLabels: { name: 'ingress-nginx' } } }]);
  // Where the scrapers and DNS are, as the cluster has them (Helm merges maps: the default label is
  // removed with null).
  const placed = await spec('sqlite-sidecar.yaml', [], ['networkPolicy.metricsNamespaceSelector={"matchLabels":{"kubernetes.io/metadata.name":null,"team":"observability"}}', 'networkPolicy.dnsPeers=[{"ipBlock":{"cidr":"10.96.0.10/32"}}]']);
  assert.deepEqual(placed.ingress[1]?.from?.[0], { namespaceSelector: { matchLabels: { team: 'observability' } } });
  assert.deepEqual(placed.egress[0]?.to, [{ ipBlock: { cidr: '10.96.0.10/32' } }]);
  assert.equal((await spec('sqlite-sidecar.yaml', [], ['networkPolicy.dnsPeers=[]'])).egress[0]?.to, undefined, 'no DNS peers: any address on port 53');
});

test('`helm test` pod: the image\'s health check against the metrics Service; allowed in by the NetworkPolicy; can be turned off', async () => {
  const r = await render(['sqlite-sidecar.yaml'], ['networkPolicy.enabled=true']);
  const pod = r.one('Pod');
  assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
  assert.equal(pod.metadata.labels?.['app.kubernetes.io/component'], 'test');
  const spec = pod.spec as { containers: Container[]; restartPolicy: string };
  assert.equal(spec.restartPolicy, 'Never');
  const c = spec.containers[0]!;
  assert.equal(c.image, r.container('ldap-sync').image);
  assert.deepEqual(c.command, ['node', '/opt/pocket-id-ldap-sync/dist/src/cli/healthcheck.js']);
  assert.deepEqual(env(c), { LDAP_SYNC_HTTP_ADDRESS: 'rel-pocket-id-ldap-sync-metrics.ids.svc', LDAP_SYNC_HTTP_PORT: '9474' });
  // The Node check, not the HEALTHCHECK's bash script (the template says why): a file the image ships.
  const dockerfile = readFileSync(path.join(CHART, '..', '..', 'Dockerfile'), 'utf8');
  assert.match(dockerfile, /^WORKDIR \/opt\/pocket-id-ldap-sync\n(?:.*\n)*?COPY --from=build \/build\/dist \.\/dist$/m);
  assert.equal((await render(['sqlite-sidecar.yaml'], ['tests.enabled=false'])).all('Pod').length, 0);
});

test('image: the published image at appVersion by default, a tag, or a digest', async () => {
  const values = YAML.parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as { image: { repository: string } };
  const chart = YAML.parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
  const image = async (sets: string[]) => (await render(['sqlite-sidecar.yaml'], sets)).container('ldap-sync').image;
  assert.equal(await image([]), `${values.image.repository}:${chart.appVersion}`);
  assert.equal(await image(['image.tag=1.2.3']), `${values.image.repository}:1.2.3`);
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.equal(await image([`image.digest=${digest}`, 'image.tag=1.2.3']), `${values.image.repository}@${digest}`);
  assert.equal((await render(['sqlite-sidecar.yaml'], ['priorityClassName=high'])).pod.priorityClassName, 'high');
});

test('Chart.yaml carries home, sources, icon, maintainers and kubeVersion; helm lint has nothing to say about them', async () => {
  const chart = YAML.parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  for (const key of ['home', 'sources', 'icon', 'maintainers', 'kubeVersion']) assert.ok(chart[key], key);
  const lint = await runHelm(['lint', '--strict', CHART, '-f', path.join(CHART, 'examples', 'sqlite-sidecar.yaml')]);
  assert.equal(lint.code, 0, lint.stdout);
  assert.doesNotMatch(lint.stdout, /\[(INFO|WARNING)\]/);
});

test('helm lint --strict is clean on the defaults with only the required values set', async () => {
  const required = ['pocketId.appUrl=https://id.example.com', 'pocketId.encryptionKey.existingSecret=pocket-id', 'ldap.url=ldaps://ldap.example.com', 'ldap.bindDn=cn=sync\\,dc=example\\,dc=com', 'ldap.bindPassword.existingSecret=ldap', 'ldap.base=dc=example\\,dc=com', 'ldap.attributes.userUniqueIdentifier=entryUUID', 'ldap.attributes.userUsername=uid', 'ldap.attributes.userEmail=mail', 'ldap.attributes.groupUniqueIdentifier=entryUUID', 'ldap.attributes.groupName=cn'];
  const lint = await runHelm(['lint', '--strict', CHART, ...required.flatMap((s) => ['--set', s])]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  assert.doesNotMatch(lint.stdout, /\[(INFO|WARNING|ERROR)\]/);
});

test('the daemon\'s memory: a limit that holds a 100,000-user sync, a request that holds 10,000', async () => {
  const sync = (await render(['sqlite-sidecar.yaml'])).container('ldap-sync');
  assert.deepEqual(sync.resources, { requests: { cpu: '10m', memory: '192Mi' }, limits: { memory: '1Gi' } });
});
