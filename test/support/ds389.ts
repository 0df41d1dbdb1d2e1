/**
 * A throwaway 389 Directory Server for integration tests, without systemd.
 *
 * lib389's dscreate always asks systemctl to start the instance unless its
 * defaults.inf says with_systemd = 0; it reads that file from $PREFIX, so a
 * copy with that one line changed makes it run ns-slapd directly. Then:
 *   dscreate from-file          the instance (config in /etc/dirsrv/slapd-NAME: 389 keeps its
 *                               instances in system paths, not in a directory of our choosing)
 *   dse.ldif edits              listen on 127.0.0.1 only; memberOf / referential integrity on
 *   ns-slapd ldif2db            the test data, imported offline (no entryUUID yet: see fixupEntryUuids)
 *   ns-slapd -D … -i …          the server, on a free high port
 * Everything is killed and removed when the test process exits. Needs root
 * and the Debian package 389-ds-base (scripts/install-test-deps.sh).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { freePort } from './ports.js';
import { onProcessExit } from './throwaway.js';

export const DS_BASE = 'dc=example,dc=com';
const ADMIN_DN = 'cn=Directory Manager';
const ADMIN_PASSWORD = 'Admin_Password1';
const READY_TIMEOUT_MS = 30_000;

export interface Ds389Instance {
  name: string;
  url: string;
  baseDn: typeof DS_BASE;
  adminDn: string;
  adminPassword: string;
  /** Milliseconds: dscreate, the offline import, the start until the first bind, and all of it. */
  timings: { createMs: number; importMs: number; startMs: number; totalMs: number };
  /** A Directory Manager connection for the duration of `work`. */
  admin<T>(work: (client: Client) => Promise<T>): Promise<T>;
  /** Runs a cn=tasks,cn=config task (e.g. "entryuuid task") and waits for its exit code 0. */
  runTask(task: string, attributes: Record<string, string>): Promise<void>;
  /** `dsidm` against this instance as Directory Manager (role lock, ...). */
  dsidm(args: string[]): Promise<string>;
  /** Kill the server and remove every file of the instance. */
  remove(): Promise<void>;
}

export interface StartDs389Options {
  /** Plugins to turn on before the first start. */
  plugins?: ('memberof' | 'referint')[];
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

/** Every path 389 writes for instance NAME (from its defaults.inf), for the cleanup. */
function instancePaths(name: string): string[] {
  const slapd = `slapd-${name}`;
  return [
    `/etc/dirsrv/${slapd}`,
    `/var/lib/dirsrv/${slapd}`,
    `/var/log/dirsrv/${slapd}`,
    `/run/lock/dirsrv/${slapd}`,
    `/run/dirsrv/${slapd}.pid`,
    `/run/dirsrv/${slapd}.stats`,
    `/run/${slapd}.socket`,
    `/dev/shm/sem.${slapd}.stats`,
    `/dev/shm/${slapd}`,
  ];
}

function pidOf(name: string): number | undefined {
  try {
    const pid = Number(readFileSync(`/run/dirsrv/slapd-${name}.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Synchronous, for process exit: SIGKILL and delete. */
function destroySync(name: string, prefixDir: string): void {
  const pid = pidOf(name);
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const p of [...instancePaths(name), prefixDir]) rmSync(p, { recursive: true, force: true });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`389-ds: timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function withSettings(dse: string, name: string, port: number, plugins: StartDs389Options['plugins']): string {
  let text = dse.replace(/^nsslapd-port: (\d+)$/m, `nsslapd-port: ${port}\nnsslapd-listenhost: 127.0.0.1`);
  const enable = (pluginCn: string) => {
    const start = text.search(new RegExp(`^dn: cn=${pluginCn},cn=plugins,cn=config$`, 'mi'));
    if (start < 0) throw new Error(`389-ds: no plugin entry cn=${pluginCn} in dse.ldif of ${name}`);
    const end = text.indexOf('\n\n', start);
    const entry = text.slice(start, end).replace(/^nsslapd-pluginEnabled: off$/im, 'nsslapd-pluginEnabled: on');
    text = text.slice(0, start) + entry + text.slice(end);
  };
  if (plugins?.includes('memberof')) enable('MemberOf Plugin');
  if (plugins?.includes('referint')) enable('referential integrity postoperation');
  return text;
}

let counter = 0;

/** dscreate with a defaults.inf that says with_systemd = 0, so lib389 runs ns-slapd itself. */
async function createInstance(name: string, prefixDir: string, port: number): Promise<void> {
  const infDir = path.join(prefixDir, 'share', 'dirsrv', 'inf');
  mkdirSync(infDir, { recursive: true });
  const defaults = readFileSync('/usr/share/dirsrv/inf/defaults.inf', 'utf8').replace(/^with_systemd = 1$/m, 'with_systemd = 0');
  writeFileSync(path.join(infDir, 'defaults.inf'), defaults);
  const inf = path.join(prefixDir, 'instance.inf');
  writeFileSync(
    inf,
    ['[general]', 'full_machine_name = localhost', 'start = False', '[slapd]', `instance_name = ${name}`, `port = ${port}`, `secure_port = ${await freePort()}`,
      `root_password = ${ADMIN_PASSWORD}`, 'self_sign_cert = False', '[backend-userroot]', 'sample_entries = no', `suffix = ${DS_BASE}`, 'create_suffix_entry = False', ''].join('\n'),
  );
  await run('/usr/sbin/dscreate', ['from-file', inf], { ...process.env, PREFIX: prefixDir });
}

/** The data, imported offline (as the dirsrv user: the file must be readable by it). */
async function importOffline(name: string, ldif: string): Promise<void> {
  const dataFile = `/var/lib/dirsrv/slapd-${name}/ldif/test-data.ldif`;
  writeFileSync(dataFile, ldif);
  chmodSync(dataFile, 0o644);
  await run('/usr/sbin/ns-slapd', ['ldif2db', '-D', `/etc/dirsrv/slapd-${name}`, '-n', 'userRoot', '-i', dataFile]);
}

/** ns-slapd daemonises; ready once Directory Manager can bind. */
async function startServer(name: string, url: string): Promise<void> {
  await run('/usr/sbin/ns-slapd', ['-D', `/etc/dirsrv/slapd-${name}`, '-i', `/run/dirsrv/slapd-${name}.pid`]);
  await waitFor('the first bind', async () => {
    const client = new Client({ url, timeout: 2000, connectTimeout: 2000 });
    try {
      await client.bind(ADMIN_DN, ADMIN_PASSWORD);
      return true;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }, READY_TIMEOUT_MS);
}

function handle(name: string, prefixDir: string, url: string, timings: Ds389Instance['timings']): Ds389Instance {
  const admin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ url, timeout: 30_000 });
    await client.bind(ADMIN_DN, ADMIN_PASSWORD);
    try {
      return await work(client);
    } finally {
      await client.unbind();
    }
  };
  let tasks = 0;
  return {
    name,
    url,
    baseDn: DS_BASE,
    adminDn: ADMIN_DN,
    adminPassword: ADMIN_PASSWORD,
    timings,
    admin,
    async runTask(task, attributes) {
      const dn = `cn=test-${++tasks},cn=${task},cn=tasks,cn=config`;
      await admin((client) => client.add(dn, { objectClass: ['top', 'extensibleObject'], cn: `test-${tasks}`, ...attributes }));
      const code = await waitFor(`task ${dn}`, () =>
        admin(async (client) => {
          const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['nsTaskExitCode'] });
          const exit = searchEntries[0]?.nsTaskExitCode;
          return exit === undefined || (Array.isArray(exit) && exit.length === 0) ? undefined : String(exit);
        }), 120_000);
      if (code !== '0') throw new Error(`389-ds task ${dn} exited with ${code}`);
    },
    dsidm(args) {
      return run('/usr/sbin/dsidm', ['-b', DS_BASE, url, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD, ...args]);
    },
    async remove() {
      const pid = pidOf(name);
      if (pid !== undefined) {
        process.kill(pid, 'SIGKILL');
        await waitFor('the server to exit', async () => (alive(pid) ? undefined : true), 10_000);
      }
      destroySync(name, prefixDir);
    },
  };
}

/** Creates an instance with `ldif` (the whole suffix, dc=example,dc=com included) and starts it. */
export async function startDs389(ldif: string, options: StartDs389Options = {}): Promise<Ds389Instance | { skip: string }> {
  if (process.getuid?.() !== 0) return { skip: '389-ds instances need root (system paths, the dirsrv user)' };
  for (const binary of ['/usr/sbin/dscreate', '/usr/sbin/ns-slapd', '/usr/sbin/dsidm']) {
    if (!existsSync(binary)) throw new Error(`${binary} not found: run scripts/install-test-deps.sh (389-ds-base)`);
  }
  const started = performance.now();
  const name = `pils${process.pid}n${++counter}`;
  const prefixDir = mkdtempSync(path.join(os.tmpdir(), 'ds389-'));
  onProcessExit(() => destroySync(name, prefixDir));
  const port = await freePort();
  await createInstance(name, prefixDir, port);
  const createMs = performance.now() - started;
  const dsePath = `/etc/dirsrv/slapd-${name}/dse.ldif`;
  writeFileSync(dsePath, withSettings(readFileSync(dsePath, 'utf8'), name, port, options.plugins));
  const importStarted = performance.now();
  await importOffline(name, ldif);
  const importMs = performance.now() - importStarted;
  const startStarted = performance.now();
  const url = `ldap://127.0.0.1:${port}`;
  await startServer(name, url);
  const startMs = performance.now() - startStarted;
  return handle(name, prefixDir, url, { createMs, importMs, startMs, totalMs: performance.now() - started });
}
