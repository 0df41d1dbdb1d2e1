// The shipped artifact, without a Docker engine: scripts/production-artifact.sh builds what the
// image holds in /opt/pocket-id-ldap-sync with the Dockerfile's own build script and Node.js version
// (production dependencies only), and these tests run the Dockerfile's ENTRYPOINT, CMD and HEALTHCHECK
// commands with it (paths mapped to the build directory) against slapd and real test databases.
// The first build takes ~60-100 s (better-sqlite3's native compile); later ones reuse the cached
// dependency step, as Docker reuses that layer, when package*.json and the build script are unchanged.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { freePort } from '../support/ports.js';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const DOCKERFILE = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const IMAGE_APP_DIR = '/opt/pocket-id-ldap-sync';

let out = '';
let node = '';
let app = '';
let buildSeconds = 0;
let slapd: SlapdInstance;
const children = new Set<ChildProcess>();

before(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'production-artifact-'));
  const started = Date.now();
  const { stdout } = await run('bash', [path.join(ROOT, 'scripts', 'production-artifact.sh'), out], { timeoutMs: 600_000, env: process.env as Record<string, string> });
  buildSeconds = (Date.now() - started) / 1000;
  node = /^node=(.+)$/m.exec(stdout)?.[1] ?? '';
  app = /^app=(.+)$/m.exec(stdout)?.[1] ?? '';
  assert.ok(existsSync(node) && existsSync(path.join(app, 'dist', 'src', 'cli', 'main.js')), `no artifact:\n${stdout}`);
  slapd = await startSlapd();
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllSlapd();
  if (out !== '') rmSync(out, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: { env: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { env: options.env, cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

// ------------------------------------------------------------------------------------------------
// The Dockerfile, read as data

/** JSON-array (exec form) instructions of the final stage, e.g. ENTRYPOINT ["node", "..."]. */
function execForm(instruction: string): string[] {
  const stages = DOCKERFILE.split(/^FROM /m);
  const last = stages[stages.length - 1] ?? '';
  const joined = last.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith(instruction + ' '));
  assert.ok(line, `no ${instruction} in the final stage`);
  const json = line.slice(line.indexOf('['));
  return JSON.parse(json) as string[];
}

/** An image command run on the artifact: "node" is the image's Node.js, /opt/pocket-id-ldap-sync is the build directory. */
function imageCommand(argv: string[]): { file: string; args: string[] } {
  const mapped = argv.map((arg) => (arg === 'node' ? node : arg.startsWith(IMAGE_APP_DIR + '/') ? path.join(app, arg.slice(IMAGE_APP_DIR.length + 1)) : arg));
  return { file: mapped[0] ?? '', args: mapped.slice(1) };
}

const ENTRYPOINT = () => execForm('ENTRYPOINT');

/** `docker run IMAGE <args>`: the ENTRYPOINT with args (or the default CMD). */
function dockerRun(args: string[], env: Record<string, string>, cwd?: string): Promise<Ran> {
  const { file, args: entry } = imageCommand([...ENTRYPOINT(), ...(args.length > 0 ? args : execForm('CMD'))]);
  return run(file, [...entry], { env: { PATH: process.env.PATH ?? '', ...env }, ...(cwd !== undefined ? { cwd } : {}) });
}


// ------------------------------------------------------------------------------------------------

test('the Dockerfile, the build script and .dockerignore agree on what is built and shipped', () => {
  // Both stages on the same official Node.js LTS image, Debian 12 slim, at the pinned version and
  // pinned by digest.
  const version = /^ARG NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(DOCKERFILE)?.[1];
  assert.ok(version === '22' || version === '20', `NODE_VERSION major ${version}`);
  assert.match(DOCKERFILE, /^ARG NODE_IMAGE=node:\$\{NODE_VERSION\}-bookworm-slim@sha256:[0-9a-f]{64}$/m);
  const froms = [...DOCKERFILE.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(froms, ['${NODE_IMAGE}', '${NODE_IMAGE}']);

  // The build stage copies exactly what production-artifact.sh copies, and runs build-production.sh deps, then app.
  const buildStage = DOCKERFILE.split(/^FROM /m)[1] ?? '';
  const copied = [...buildStage.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(' '));
  const script = readFileSync(path.join(ROOT, 'scripts', 'production-artifact.sh'), 'utf8');
  const context = (/^BUILD_CONTEXT=\((.*)\)$/m.exec(script)?.[1] ?? '').split(' ');
  assert.deepEqual([...copied].sort(), [...context].sort());
  assert.deepEqual([...buildStage.matchAll(/^RUN bash scripts\/build-production\.sh (\w+)$/gm)].map((m) => m[1]), ['deps', 'app']);
  assert.match(buildStage, /apt-get install -y --no-install-recommends python3 make g\+\+/);

  // .dockerignore: an allow-list of exactly that context.
  const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  assert.equal(ignore[0], '*');
  assert.deepEqual(ignore.slice(1).map((l) => l.replace(/^!/, '')).sort(), [...context].sort());

  // The runtime stage: the three parts of the artifact from the build stage, compiled nothing, runs as 1000:1000.
  const runtime = DOCKERFILE.split(/^FROM /m)[2] ?? '';
  assert.deepEqual([...runtime.matchAll(/^COPY --from=build \/build\/(\S+) /gm)].map((m) => m[1]), ['package.json', 'node_modules', 'dist', 'scripts/healthcheck.sh']);
  // It runs no package manager and removes the ones the base image ships; the CLI is on PATH.
  assert.doesNotMatch(runtime.replace(/^RUN rm -rf .*(\n .*)*$/m, '').replace(/^#.*$/gm, ''), /npm|apt-get|node-gyp|yarn|corepack/);
  const removal = /^RUN rm -rf (.*(?:\n .*)*)$/m.exec(runtime)?.[1] ?? '';
  for (const gone of ['/usr/local/lib/node_modules', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack', '/usr/local/bin/yarn', '/usr/local/bin/yarnpkg', '/opt/yarn-v*']) assert.ok(removal.includes(gone), gone);
  assert.match(runtime, /ln -s \/opt\/pocket-id-ldap-sync\/dist\/src\/cli\/main\.js \/usr\/local\/bin\/pocket-id-ldap-sync/);
  for (const label of ['title', 'source', 'licenses', 'version', 'revision']) assert.match(runtime, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), label);
  assert.match(runtime, /^USER 1000:1000$/m);
  assert.match(runtime, /^WORKDIR \/app$/m);
  assert.deepEqual(ENTRYPOINT(), ['node', '--max-old-space-size-percentage=75', '--expose-gc', `${IMAGE_APP_DIR}/dist/src/cli/main.js`]);
  assert.deepEqual(execForm('CMD'), ['run']);
  assert.deepEqual(execForm('HEALTHCHECK'), ['bash', `${IMAGE_APP_DIR}/scripts/healthcheck.sh`]);
  // bash is the base image's (Debian's essential package); the runtime stage removes nothing of it.
  assert.doesNotMatch(removal, /bash|\/bin\/sh/);
  assert.match(runtime, /^HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 \\\n  CMD \[/m);

  // No secret baked in: no ENV or ARG that names one, and no setting of the daemon at all.
  for (const m of DOCKERFILE.matchAll(/^(?:ENV|ARG) (\S+)/gm)) {
    assert.doesNotMatch(m[1] ?? '', /PASSWORD|SECRET|TOKEN|KEY|LDAP_|DB_CONNECTION/i);
  }
});

test('the artifact holds package.json, dist/src and production dependencies only', () => {
  const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(path.join(app, 'node_modules', name, 'package.json')), `missing dependency ${name}`);
  for (const name of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(path.join(app, 'node_modules', name)), `dev dependency ${name} shipped`);
  assert.deepEqual(readdirSync(path.join(app, 'dist')), ['src']);
  // Only the compiled native module is kept from better-sqlite3's build.
  assert.deepEqual(readdirSync(path.join(app, 'node_modules', 'better-sqlite3', 'build', 'Release')), ['better_sqlite3.node']);
  console.log(`# production artifact built in ${buildSeconds.toFixed(1)} s with Node.js ${/^ARG NODE_VERSION=(\S+)$/m.exec(DOCKERFILE)?.[1]}`);
});

test('docker run IMAGE --version and --help: the ENTRYPOINT starts on the image Node.js', async () => {
  const version = await dockerRun(['--version'], {});
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^pocket-id-ldap-sync \d+\.\d+\.\d+\n$/);
  const v = await run(node, ['--version'], { env: {} });
  assert.match(v.stdout, new RegExp(`^v${(/^ARG NODE_VERSION=(\S+)$/m.exec(DOCKERFILE)?.[1] ?? '').replace(/\./g, '\\.')}\n$`));
  const help = await dockerRun(['healthcheck', '--help'], {});
  assert.equal(help.code, 0);
});

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`check and one sync with the artifact on ${kind}`, async () => {
    const db: TestDatabase = await createTestDatabase(kind);
    try {
      const env = testEnv(slapd, db, { UI_CONFIG_DISABLED: 'true' });
      const check = await dockerRun(['check'], env);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      // Each line by name, in order, and each ok (the test directory has an admin group, so the trust line is there).
      const lines = check.stdout.trimEnd().split('\n').map((l) => /^(ok|fail) +([^:]+):/.exec(l)?.slice(1, 3).join(' ') ?? l);
      const names = ['configuration', 'LDAP connect and bind', 'LDAP directory', 'LDAP user search', 'LDAP group search', 'LDAP change marker', 'LDAP page size', 'LDAP attributes the sync trusts', 'database'];
      assert.deepEqual(lines, names.map((name) => `ok ${name}`), check.stdout);

      const sync = await dockerRun(['sync'], env);
      assert.equal(sync.code, 0, sync.stdout + sync.stderr);
      assert.match(sync.stdout, /INF Job run successfully name=SyncLdap jobID=\S+ duration=\S+ mode=full fullReason=incremental-off entriesRead=\d+ usersCreated=\d+/);
      const users = await db.users();
      assert.ok(users.filter((u) => u.ldap_id !== null).length >= 20, `${users.length} users`);
      assert.ok((await db.memberships()).length > 0);
    } finally {
      await db.close();
    }
  });
}

test('WORKDIR /app: with DB_CONNECTION_STRING unset the image uses data/pocket-id.db under it, as Pocket ID does', async () => {
  const db = await createTestDatabase('sqlite');
  const workdir = mkdtempSync(path.join(tmpdir(), 'image-workdir-'));
  try {
    mkdirSync(path.join(workdir, 'data'));
    // The test database file, seen at data/pocket-id.db relative to the working directory.
    symlinkSync(db.connectionString, path.join(workdir, 'data', 'pocket-id.db'));
    const env = testEnv(slapd, db, { UI_CONFIG_DISABLED: 'true' });
    delete (env as Partial<typeof env>).DB_CONNECTION_STRING;
    const sync = await dockerRun(['sync'], env, workdir);
    assert.equal(sync.code, 0, sync.stdout + sync.stderr);
    assert.ok((await db.users()).length >= 20);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
    await db.close();
  }
});

test('the default CMD (run) syncs and the HEALTHCHECK command turns healthy; SIGTERM stops it with 0', async () => {
  const db = await createTestDatabase('sqlite');
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', ...testEnv(slapd, db, { UI_CONFIG_DISABLED: 'true', LDAP_SYNC_HTTP_PORT: String(port) }) };
  const { file, args } = imageCommand([...ENTRYPOINT(), ...execForm('CMD')]);
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const health = imageCommand(execForm('HEALTHCHECK'));
  try {
    const deadline = Date.now() + 20_000;
    let last: Ran | undefined;
    for (;;) {
      last = await run(health.file, health.args, { env });
      if (last.code === 0) break;
      assert.equal(last.code, 1, last.stdout + last.stderr);
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`never healthy: ${last.stdout}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(last.stdout, `ready: http://127.0.0.1:${port}/readyz answered 200\n`);
    assert.match(output, /INF Job run successfully name=SyncLdap/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /INF Stopped signal=SIGTERM/);
  } finally {
    children.delete(child);
    child.kill('SIGKILL');
    await db.close();
  }
});
