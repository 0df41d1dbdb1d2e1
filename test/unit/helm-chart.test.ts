// The Helm chart rendered by the real Helm (test/support/helm.ts): `helm lint --strict` and
// `helm template` for every example, the trigger token's mounts, the daemon's configuration as
// rendered accepted by the daemon's own loader, the mistakes the chart must refuse, NOTES.txt. The
// pod each mode gives is in helm-chart-modes.test.ts; the chart's guards and its conventions
// (extra volumes, labels, NetworkPolicy, ...) in helm-chart-guards.test.ts and
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
