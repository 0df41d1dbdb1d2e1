// The Helm chart rendered by the real Helm (scripts/fetch-helm.sh: helm v4.1.4 from an npm package;
// no Kubernetes cluster is involved), and the Kubernetes objects as far as the chart tests read them.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export const ROOT = path.join(import.meta.dirname, '..', '..', '..');
export const CHART = path.join(ROOT, 'helm', 'pocket-id-ldap-sync');
export const EXAMPLES = path.join(CHART, 'examples');
export const LOCKED_URL = 'ldapi://%2Fnonexistent%2Fpocket-id-ldap-sync-owns-ldap';
export const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

let helm = '';
let scratch = '';

/** Fetches (once, cached) the real helm binary and makes a scratch HOME for it; call from before(). */
export function setUpHelm(): void {
  helm = execFileSync('bash', [path.join(ROOT, 'scripts', 'fetch-helm.sh')], { encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop() ?? '';
  scratch = mkdtempSync(path.join(tmpdir(), 'helm-chart-test-'));
}

/** Removes the scratch HOME; call from after(). */
export function tearDownHelm(): void {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
}

/** A scratch directory that lives as long as the test file. */
export function scratchDir(): string {
  return scratch;
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runHelm(args: string[]): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(helm, args, { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: scratch, HELM_CACHE_HOME: scratch, HELM_CONFIG_HOME: scratch, HELM_DATA_HOME: scratch } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
export interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
export interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: Record<string, unknown>[];
  ports?: { name: string; containerPort: number; protocol?: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: Mount[];
}
export interface Volume {
  name: string;
  secret?: { secretName: string; items: { key: string; path: string }[] };
  configMap?: { name: string; items: { key: string; path: string }[] };
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: unknown;
}
export interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: Volume[];
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  automountServiceAccountToken: boolean;
  enableServiceLinks: boolean;
  serviceAccountName?: string;
  priorityClassName?: string;
  affinity?: Record<string, unknown>;
}
export interface ServicePort {
  name: string;
  port: number;
  targetPort: string;
}

export class Rendered {
  constructor(readonly objects: K8sObject[]) {}

  static parse(text: string): Rendered {
    return new Rendered(YAML.parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter((o) => o !== null));
  }

  all(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  one(kind: string): K8sObject {
    const found = this.all(kind);
    assert.equal(found.length, 1, `${found.length} × ${kind}`);
    return found[0]!;
  }

  named(kind: string, name: string): K8sObject {
    const found = this.all(kind).find((o) => o.metadata.name === name);
    assert.ok(found, `no ${kind} ${name}`);
    return found;
  }

  get deployment(): K8sObject {
    return this.one('Deployment');
  }

  get podTemplate(): { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } {
    return (this.deployment.spec as { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec } }).template;
  }

  get pod(): PodSpec {
    return this.podTemplate.spec;
  }

  container(name: string): Container {
    const found = this.pod.containers.find((c) => c.name === name);
    assert.ok(found, `no container ${name}`);
    return found;
  }

  volume(name: string): Volume {
    const found = this.pod.volumes.find((v) => v.name === name);
    assert.ok(found, `no volume ${name}`);
    return found;
  }

  get configMap(): Record<string, string> {
    return this.one('ConfigMap').data ?? {};
  }

  servicePorts(name: string): ServicePort[] {
    return (this.named('Service', name).spec as { ports: ServicePort[] }).ports;
  }
}

export function env(container: Container): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
}

/** The Secret (name, key) a file the container reads comes from: the mount that holds it, and the volume's item. */
export function secretBehind(r: Rendered, container: Container, file: string): { secret: string; key: string } {
  const mount = container.volumeMounts.find((m) => file.startsWith(m.mountPath + '/'));
  assert.ok(mount, `${container.name}: nothing mounted at ${file}`);
  assert.equal(mount.readOnly, true, `${mount.name} is not read-only`);
  const volume = r.volume(mount.name);
  assert.ok(volume.secret, `${mount.name} is not a Secret`);
  const item = volume.secret.items.find((i) => path.join(mount.mountPath, i.path) === file);
  assert.ok(item, `${volume.secret.secretName} has no item at ${file}`);
  return { secret: volume.secret.secretName, key: item.key };
}

/** `helm template rel CHART -n ids -f examples/<file>... --set ... --set-json ...`; must succeed. */
export async function render(valueFiles: string[], sets: string[] = [], setJson: string[] = []): Promise<Rendered> {
  const args = ['template', 'rel', CHART, '--namespace', 'ids', ...valueFiles.flatMap((f) => ['-f', path.join(EXAMPLES, f)]), ...sets.flatMap((s) => ['--set', s]), ...setJson.flatMap((s) => ['--set-json', s])];
  const r = await runHelm(args);
  assert.equal(r.code, 0, `helm ${args.join(' ')}:\n${r.stderr}`);
  return Rendered.parse(r.stdout);
}

/** The same render, which must fail; returns helm's error text. */
export async function renderFails(valueFiles: string[], sets: string[] = [], setJson: string[] = []): Promise<string> {
  const args = ['template', 'rel', CHART, ...valueFiles.flatMap((f) => ['-f', path.join(EXAMPLES, f)]), ...sets.flatMap((s) => ['--set', s]), ...setJson.flatMap((s) => ['--set-json', s])];
  const r = await runHelm(args);
  assert.notEqual(r.code, 0, `accepted: ${[...sets, ...setJson].join(' ')}`);
  return r.stderr;
}
