/**
 * Throwaway OpenLDAP slapd instances for integration tests.
 *
 * Each instance lives in its own mkdtemp directory under os.tmpdir():
 *   config.ldif -> `slapadd -n0` -> slapd.d/ (cn=config, back_mdb, olcDbNoSync)
 *   data.ldif   -> `slapadd -q`  -> data/
 *   slapd runs in the foreground (`-d none`) as our child, logging to slapd.log,
 *   listening on 127.0.0.1 only (ldap, optional ldaps) plus an ldapi socket in the directory.
 *
 * Limits: non-root binds (the reader, anonymous) get
 *   size.soft=N size.hard=N size.pr=noEstimate size.prtotal=unlimited
 * so a plain search over more than N entries fails with sizeLimitExceeded (4) while paged
 * searches of any page size return everything. The rootDN ignores all limits.
 *
 * Every slapd started here is killed when the test process exits (normally or on SIGINT/SIGTERM/SIGHUP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
import { ADMIN_DN, ADMIN_PASSWORD, BASE_DN, configLdif, findBin, makeCerts } from './slapd-config.js';
import { projectRoot, readLogTail, runTool, ThrowawayRegistry } from './throwaway.js';
import { freePort } from './ports.js';

export interface StartSlapdOptions {
  /** LDIF text loaded with `slapadd -q`; default: the fixture test/fixtures/directory.ldif. */
  ldif?: string;
  /** Size limit for non-root binds (reader, anonymous); default 5. */
  sizeLimit?: number;
  /** Also listen on ldaps and enable StartTLS, with a throwaway CA (see caFile). */
  tls?: boolean;
}

export interface SlapdInstance {
  /** ldap://127.0.0.1:PORT */
  url: string;
  /** ldaps://127.0.0.1:PORT (only with tls) */
  ldapsUrl?: string;
  /** Path of the PEM of the throwaway CA (only with tls). */
  caFile?: string;
  /** ldapi:// URL of the instance's Unix socket; root can manage cn=config through it with SASL EXTERNAL. */
  ldapiUrl: string;
  baseDn: 'dc=example,dc=com';
  adminDn: 'cn=admin,dc=example,dc=com';
  adminPassword: string;
  readerDn: 'cn=reader,dc=example,dc=com';
  readerPassword: string;
  /** The instance's temp directory (slapd.log, slapd.d/, data/, certs). */
  dir: string;
  /** PID of the running slapd (of the last one started, after stop/kill). */
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). Keeps the directory and data. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. Keeps the directory and data. */
  kill(): Promise<void>;
  /** Start again on the same ports and data after stop()/kill(). */
  start(): Promise<void>;
}
const READER_DN = 'cn=reader,dc=example,dc=com' as const;
const READER_PASSWORD = 'readerpw';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

export const DEFAULT_LDIF_PATH = path.join(projectRoot(), 'test', 'fixtures', 'directory.ldif');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// process-wide registry and exit cleanup

interface Live {
  child: ChildProcess | undefined;
  dir: string;
}
/** slapd processes of this process; at exit they are killed (SIGKILL). */
const live = new ThrowawayRegistry<Live>((l) => {
  if (l.child && l.child.exitCode === null && l.child.signalCode === null && l.child.pid) process.kill(l.child.pid, 'SIGKILL');
});

/** Stop every slapd started by this process and delete their directories. */
export async function stopAllSlapd(): Promise<void> {
  await Promise.all(
    live.all.map(async (l) => {
      if (l.child) await terminate(l.child, 'SIGTERM');
      live.remove(l);
    }),
  );
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    // This timer is ref'd: it keeps the event loop alive while we wait for an unref'd child.
    const t = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(t);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function terminate(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (!isRunning(child)) return;
  child.kill(signal);
  if (await waitExit(child, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  if (!(await waitExit(child, STOP_TIMEOUT_MS))) throw new Error(`slapd pid ${child.pid} did not exit`);
}

function pidFromFile(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ url, connectTimeout: 1000, timeout: 2000 });
  try {
    await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['namingContexts'] });
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// one instance

/** slapd.d/ from the cn=config LDIF, then the data with `slapadd -q`, into a fresh `dir`. */
async function prepareDirectory(dir: string, opts: StartSlapdOptions, sizeLimit: number, slapadd: string): Promise<void> {
  mkdirSync(path.join(dir, 'slapd.d'));
  mkdirSync(path.join(dir, 'data'));
  const tls = opts.tls ? await makeCerts(dir) : undefined;
  const configFile = path.join(dir, 'config.ldif');
  writeFileSync(configFile, configLdif({ dir, sizeLimit, tls }));
  await runTool(slapadd, ['-n0', '-F', path.join(dir, 'slapd.d'), '-l', configFile]);
  let dataFile = DEFAULT_LDIF_PATH;
  if (opts.ldif !== undefined) {
    dataFile = path.join(dir, 'data.ldif');
    writeFileSync(dataFile, opts.ldif);
  }
  await runTool(slapadd, ['-q', '-F', path.join(dir, 'slapd.d'), '-b', BASE_DN, '-l', dataFile]);
}

type Launched = { ok: true } | { ok: false; portInUse: boolean; message: string };

/** Spawns slapd for `entry` listening on `urls` (the first one ldap://) and waits until it answers there. */
async function launch(entry: Live, slapd: string, urls: string[]): Promise<Launched> {
  const { dir } = entry;
  const logFile = path.join(dir, 'slapd.log');
  const pidFile = path.join(dir, 'slapd.pid');
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // -d none: stay in the foreground (our child: we know its PID and can wait for it) and log only
    // startup, shutdown and errors to slapd.log (-d 0 would log nothing at all).
    child = spawn(slapd, ['-d', 'none', '-F', path.join(dir, 'slapd.d'), '-h', urls.join(' ')], {
      stdio: ['ignore', logFd, logFd],
      cwd: dir,
    });
  } finally {
    closeSync(logFd);
  }
  child.unref(); // never keep the test process alive; the exit handler kills it
  entry.child = child;
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  const url = urls[0]!.replace(/\/$/, '');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) return { ok: false, portInUse: false, message: spawnError.message };
    if (!isRunning(child)) {
      const log = readFileSync(logFile, 'utf8').slice(logStart);
      return {
        ok: false,
        portInUse: /Address already in use|errno=98/.test(log),
        message: `slapd exited (code ${child.exitCode}, signal ${child.signalCode})`,
      };
    }
    // slapd writes its pid file only after binding its listeners: with it, a server that answers on
    // the port is ours and not some other process that took the port meanwhile.
    if (pidFromFile(pidFile) === child.pid && (await answers(url))) return { ok: true };
    await sleep(25);
  }
  await terminate(child, 'SIGKILL');
  return { ok: false, portInUse: false, message: `slapd did not answer on ${url} within ${READY_TIMEOUT_MS} ms` };
}

export async function startSlapd(opts: StartSlapdOptions = {}): Promise<SlapdInstance> {
  const slapd = findBin('slapd');
  const slapadd = findBin('slapadd');
  const sizeLimit = opts.sizeLimit ?? 5;
  if (!Number.isInteger(sizeLimit) || sizeLimit < 1) throw new Error(`sizeLimit must be a positive integer, got ${sizeLimit}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'slapd-'));
  const entry: Live = { child: undefined, dir };
  live.add(entry);
  try {
    await prepareDirectory(dir, opts, sizeLimit, slapadd);
  } catch (err) {
    live.remove(entry);
    throw err;
  }

  const ldapiUrl = 'ldapi://' + encodeURIComponent(path.join(dir, 'ldapi'));
  let port = 0;
  let tlsPort = 0;
  const urls = () => [`ldap://127.0.0.1:${port}/`, ...(opts.tls ? [`ldaps://127.0.0.1:${tlsPort}/`] : []), ldapiUrl + '/'];
  const failure = (message: string): Error =>
    new Error(`startSlapd: ${message}; dir ${dir}\n--- slapd.log ---\n${readLogTail(path.join(dir, 'slapd.log'))}`);

  // First start: pick ports, retry with new ones if another process grabbed them meanwhile.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    if (opts.tls) tlsPort = await freePort();
    const r = await launch(entry, slapd, urls());
    if (r.ok) break;
    if (!r.portInUse || attempt >= 5) {
      const err = failure(r.message);
      live.remove(entry);
      throw err;
    }
  }

  return {
    url: `ldap://127.0.0.1:${port}`,
    ...(opts.tls
      ? { ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`, caFile: path.join(dir, 'ca.crt') }
      : {}),
    ldapiUrl,
    baseDn: BASE_DN,
    adminDn: ADMIN_DN,
    adminPassword: ADMIN_PASSWORD,
    readerDn: READER_DN,
    readerPassword: READER_PASSWORD,
    dir,
    get pid(): number {
      return entry.child?.pid ?? 0;
    },
    async stop() {
      if (entry.child) await terminate(entry.child, 'SIGTERM');
    },
    async kill() {
      if (entry.child) await terminate(entry.child, 'SIGKILL');
    },
    async start() {
      if (entry.child && isRunning(entry.child)) throw new Error(`slapd in ${dir} is already running (pid ${entry.child.pid})`);
      if (!live.has(entry)) throw new Error(`slapd in ${dir} was removed by stopAllSlapd()`);
      const r = await launch(entry, slapd, urls());
      if (!r.ok) throw failure(r.message);
    },
  };
}
