// The chart's probes against the real daemon: the sidecar example rendered by the real Helm, the
// built CLI started (`run`) with a wrong bind password, and with the directory down (a slapd of
// test/support/slapd.ts, stopped). Every daemon probe of the rendered pod answers success, the way
// the kubelet asks it (HTTP GET on the path and port the probe names; 200-399 is success), while
// /readyz says 503: a failing sync never takes Pocket ID out of its Service.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { type Container, type Probe, render, setUpHelm, tearDownHelm } from '../support/helm.js';
import { freePort } from '../support/ports.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
const children = new Set<ChildProcess>();

before(setUpHelm);
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllSlapd();
  tearDownHelm();
});

function get(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

/** The daemon's probes in the rendered pod, each as the path and the port number the kubelet would ask. */
function probesOf(sync: Container): { kind: string; path: string; port: number }[] {
  const ports = new Map((sync.ports ?? []).map((p) => [p.name, p.containerPort]));
  const all: [string, Probe | undefined][] = [['startupProbe', sync.startupProbe], ['livenessProbe', sync.livenessProbe], ['readinessProbe', sync.readinessProbe]];
  return all.flatMap(([kind, probe]) => {
    if (probe === undefined) return [];
    const port = ports.get(probe.httpGet.port) ?? Number(probe.httpGet.port);
    return [{ kind, path: probe.httpGet.path, port }];
  });
}

/** `run` with the rendered ConfigMap's HTTP port, until its first run has failed. */
async function failingDaemon(env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MAIN, 'run'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!/ERR Job failed name=SyncLdap/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) assert.fail(`the first run did not fail:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    stop: async () => {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      children.delete(child);
    },
  };
}

let slapd: SlapdInstance;
let db: TestDatabase;
before(async () => {
  slapd = await startSlapd();
  db = await createTestDatabase('sqlite');
});
after(async () => {
  await db?.close();
});

for (const failure of ['a wrong bind password', 'the directory down'] as const) {
  test(`sidecar example, ${failure}: every rendered daemon probe succeeds while /readyz is 503`, async () => {
    const port = await freePort();
    const r = await render(['sqlite-sidecar.yaml'], [`metrics.port=${port}`]);
    const sync = r.container('ldap-sync');
    const probes = probesOf(sync);
    assert.deepEqual(probes.map((p) => p.kind), ['livenessProbe', 'readinessProbe']);
    for (const p of probes) assert.equal(p.port, port);

    const overrides: Record<string, string> = { LDAP_SYNC_HTTP_PORT: r.configMap.LDAP_SYNC_HTTP_PORT ?? '', LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1', UI_CONFIG_DISABLED: 'true', LDAP_SYNC_RETRY_DELAY: '3600' };
    if (failure === 'a wrong bind password') overrides.LDAP_BIND_PASSWORD = 'wrong-password';
    else await slapd.stop();
    try {
      const daemon = await failingDaemon(testEnv(slapd, db, overrides));
      try {
        for (const p of probes) {
          const status = await get(p.port, p.path);
          assert.ok(status >= 200 && status < 400, `${p.kind} ${p.path}: ${status}`);
        }
        assert.equal(await get(port, '/readyz'), 503);
      } finally {
        await daemon.stop();
      }
    } finally {
      if (failure === 'the directory down') await slapd.start();
    }
  });
}

test('daemon-only example: its readiness probe is /readyz, so the same failure makes that pod unready', async () => {
  const port = await freePort();
  const r = await render(['postgres-daemon-only.yaml'], [`metrics.port=${port}`]);
  const readiness = probesOf(r.container('ldap-sync')).find((p) => p.kind === 'readinessProbe');
  assert.deepEqual(readiness, { kind: 'readinessProbe', path: '/readyz', port });
  const daemon = await failingDaemon(testEnv(slapd, db, { LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1', UI_CONFIG_DISABLED: 'true', LDAP_SYNC_RETRY_DELAY: '3600', LDAP_BIND_PASSWORD: 'wrong-password' }));
  try {
    assert.equal(await get(readiness.port, readiness.path), 503);
  } finally {
    await daemon.stop();
  }
});
