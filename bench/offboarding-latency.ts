/**
 * Offboarding latency: `npm run bench:offboarding [-- --db postgres|sqlite|both] [--trials N] [--workload M|L]`.
 *
 * The real daemon (`node dist/src/cli/main.js run`, a child process) syncs workload M (10,000 users,
 * bench/lib/model.ts) from a throwaway slapd into a Pocket ID database that also holds OAuth2 sessions
 * written as Pocket ID writes them (a refresh and an access token for every user). A trial disables one
 * user in the directory with `ldapmodify` (nsAccountLock: TRUE, LDAP_SYNC_DISABLED_ACCOUNTS=true) and
 * measures, from the moment ldapmodify returned, the time until
 *   (a) users.disabled is true for that user, and
 *   (b) that user's refresh tokens are inactive,
 * by polling the database every 20 ms. Three ways of getting there:
 *   schedule  LDAP_SYNC_SCHEDULE=@every 1m, the disable at a random point of the minute
 *   SIGUSR1   LDAP_SYNC_SCHEDULE=@every 1h, SIGUSR1 to the daemon right after ldapmodify
 *   POST      the same with POST /sync and a bearer token
 * Prints a table and writes bench/results/offboarding-<timestamp>.json.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { benchDirectoryEnv } from './lib/sync-env.js';
import { startDaemon, type DaemonProcess } from '../test/support/daemon-process.js';
import { addNsAccountLockSchema } from '../test/support/ns-account-lock.js';
import { freePort } from '../test/support/ports.js';
import { startSlapd, type SlapdInstance } from '../test/support/slapd.js';
import { createDatabase, type DbKind } from './lib/databases.js';
import { writeLdif } from './lib/ldif.js';
import { generate, userDn, WORKLOADS, type DirectoryModel, type WorkloadName } from './lib/model.js';
import { openProbe, type SessionProbe } from './lib/session-probe.js';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..', '..');
const TOKEN = randomBytes(24).toString('hex');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Mode = 'schedule' | 'SIGUSR1' | 'POST';

interface Trial {
  mode: Mode;
  username: string;
  /** ms from ldapmodify returning to users.disabled = true, and to the refresh tokens inactive. */
  disabledMs: number;
  revokedMs: number;
  /** Where in the schedule's minute the disable fell (schedule mode). */
  waitedMs?: number;
  /** The run that did it, as its job line says. */
  runDuration?: string;
  sessionsRevoked?: number;
}

interface Options {
  dbs: DbKind[];
  trials: number;
  workload: WorkloadName;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { dbs: ['postgres', 'sqlite'], trials: 3, workload: 'M' };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i] ?? '';
    if (argv[i] === '--db') {
      const db = value();
      options.dbs = db === 'both' ? ['postgres', 'sqlite'] : [db as DbKind];
    } else if (argv[i] === '--trials') options.trials = Number(value());
    else if (argv[i] === '--workload') options.workload = value() as WorkloadName;
    else throw new Error(`unknown option ${argv[i]}; usage: npm run bench:offboarding -- [--db postgres|sqlite|both] [--trials N] [--workload M|L]`);
  }
  return options;
}

/** The disable as a directory admin does it, with the OpenLDAP client tools. */
async function ldapDisable(slapd: SlapdInstance, dn: string): Promise<void> {
  const ldif = `dn: ${dn}\nchangetype: modify\nadd: objectClass\nobjectClass: extensibleObject\n-\nadd: nsAccountLock\nnsAccountLock: TRUE\n`;
  const child = run('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword]);
  child.child.stdin?.end(ldif);
  await child;
}

function daemonEnv(slapd: SlapdInstance, connectionString: string, schedule: string, port: number): Record<string, string> {
  return {
    ...benchDirectoryEnv(slapd, connectionString),
    LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
    LDAP_SYNC_SCHEDULE: schedule,
    LDAP_SYNC_HTTP_PORT: String(port),
    LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1',
    LDAP_SYNC_TRIGGER_TOKEN: TOKEN,
    UI_CONFIG_DISABLED: 'true',
  };
}

async function until(probe: SessionProbe, username: string, started: number): Promise<{ disabledMs: number; revokedMs: number }> {
  let disabledMs: number | undefined;
  let revokedMs: number | undefined;
  for (;;) {
    const state = await probe.state(username);
    const elapsed = performance.now() - started;
    if (disabledMs === undefined && state.disabled) disabledMs = elapsed;
    if (revokedMs === undefined && state.activeRefreshTokens === 0) revokedMs = elapsed;
    if (disabledMs !== undefined && revokedMs !== undefined) return { disabledMs, revokedMs };
    if (elapsed > 180_000) throw new Error(`${username}: not offboarded after 180 s`);
    await sleep(20);
  }
}

/** The job line of the run that offboarded the user: its duration and revocation count. */
async function jobLine(daemon: DaemonProcess, from: number): Promise<{ runDuration?: string; sessionsRevoked?: number }> {
  const [match] = await daemon.waitFor(/INF Job run successfully name=SyncLdap jobID=\S+ duration=(\S+) .*usersDisabled=1 .*sessionsRevoked=(\d+)/, { from, timeoutMs: 180_000 });
  return { runDuration: match?.[1], sessionsRevoked: Number(match?.[2]) };
}

async function phase(mode: Mode, slapd: SlapdInstance, connectionString: string, probe: SessionProbe, victims: string[], model: DirectoryModel): Promise<Trial[]> {
  const port = await freePort();
  const daemon = startDaemon(daemonEnv(slapd, connectionString, mode === 'schedule' ? '@every 1m' : '@every 1h', port));
  const trials: Trial[] = [];
  try {
    await daemon.waitFor(/INF Job run successfully/, { timeoutMs: 300_000 });
    for (const username of victims) {
      const user = model.users.find((u) => u?.uid === username)!;
      let waitedMs: number | undefined;
      if (mode === 'schedule') {
        waitedMs = Math.floor(Math.random() * 60_000);
        await sleep(waitedMs);
      }
      const from = daemon.output().length;
      await ldapDisable(slapd, userDn(user));
      const started = performance.now();
      if (mode === 'SIGUSR1') daemon.child.kill('SIGUSR1');
      if (mode === 'POST') {
        const response = await fetch(`http://127.0.0.1:${port}/sync`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        if (response.status !== 202) throw new Error(`POST /sync answered ${response.status}`);
      }
      const times = await until(probe, username, started);
      const trial: Trial = { mode, username, ...times, ...(await jobLine(daemon, from)) };
      if (waitedMs !== undefined) trial.waitedMs = waitedMs;
      trials.push(trial);
      console.error(`  ${mode.padEnd(8)} ${username}: disabled after ${(times.disabledMs / 1000).toFixed(2)} s, tokens revoked after ${(times.revokedMs / 1000).toFixed(2)} s (run ${trial.runDuration})`);
    }
  } finally {
    await daemon.stop();
  }
  return trials;
}

function table(results: Record<string, Trial[]>): string {
  const lines = ['database  mode      trials  disabled: mean / max s  tokens revoked: mean / max s  run duration (job line)'];
  for (const [db, trials] of Object.entries(results)) {
    for (const mode of ['schedule', 'SIGUSR1', 'POST'] as Mode[]) {
      const of = trials.filter((t) => t.mode === mode);
      if (of.length === 0) continue;
      const stat = (pick: (t: Trial) => number) => {
        const values = of.map(pick);
        return `${(values.reduce((a, b) => a + b, 0) / values.length / 1000).toFixed(2)} / ${(Math.max(...values) / 1000).toFixed(2)}`;
      };
      lines.push(`${db.padEnd(9)} ${mode.padEnd(9)} ${String(of.length).padEnd(7)} ${stat((t) => t.disabledMs).padEnd(23)} ${stat((t) => t.revokedMs).padEnd(29)} ${of.map((t) => t.runDuration).join(', ')}`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const workDir = mkdtempSync(path.join(tmpdir(), 'offboarding-bench-'));
  const model = generate(WORKLOADS[options.workload]);
  const ldif = path.join(workDir, 'directory.ldif');
  await writeLdif(model, ldif);
  const slapd = await startSlapd({ ldif: readFileSync(ldif, 'utf8'), sizeLimit: 1000 });
  const results: Record<string, Trial[]> = {};
  try {
    await addNsAccountLockSchema(slapd);
    const live = model.users.filter((u) => u !== undefined).map((u) => u.uid);
    let next = 0;
    for (const kind of options.dbs) {
      const connectionString = await createDatabase(kind, workDir);
      console.error(`${kind}: ${live.length} users, sessions for each, ${options.trials} trials per mode`);
      results[kind] = [];
      let probe: SessionProbe | undefined;
      for (const mode of ['schedule', 'SIGUSR1', 'POST'] as Mode[]) {
        const victims = live.slice(next, next + options.trials);
        next += options.trials;
        if (!probe) {
          // The first daemon creates the users; the sessions are written once they exist.
          probe = await openProbe(kind, connectionString);
          const seed = startDaemon(daemonEnv(slapd, connectionString, '@every 1h', await freePort()));
          await seed.waitFor(/INF Job run successfully/, { timeoutMs: 300_000 });
          await seed.stop();
          console.error(`  ${await probe.seedSessions()} session rows written`);
        }
        results[kind].push(...(await phase(mode, slapd, connectionString, probe, victims, model)));
      }
      await probe?.close();
    }
  } finally {
    await slapd.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  console.log(table(results));
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `offboarding-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ workload: options.workload, results }, null, 1));
  console.log(`\nwritten to ${path.relative(ROOT, file)}`);
}

await main();
