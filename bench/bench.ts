/**
 * `npm run bench [-- --workload M|L|M,L] [--db postgres|sqlite|both] [--scenarios dry-run,initial,no-change,1pct,floor,inc-…]
 *                    [--page-size 500] [--size-limit 1000] [--changes auto|modify|reload] [--floor-runs 3]
 *                    [--repeat 1] [--profile] [--pg-explain MS] [--keep]`
 *
 * For each workload: generates the directory (streamed to an LDIF file), loads it into a throwaway slapd with
 * `slapadd -q` (test/support/slapd.ts), and for each database runs, every run in a fresh child process
 * (run-one.js, so peak RSS is per run):
 *   initial    sync into an empty Pocket ID database
 *   no-change  the same sync again
 *   1pct       a sync after 1 % of the users changed: applied to the live directory with ldapts as the rootDN
 *              (modify), or by regenerating and loading a new slapd (reload); auto takes the faster one
 *   floor      the same paged searches with bare ldapts, results discarded (median of --floor-runs after a
 *              warm-up), once on the original directory and once on the changed one
 *   dry-run    before the initial sync: `sync --dry-run` and `sync --dry-run --json` through the real CLI on the
 *              empty database (exit status, stdout size, the JSON parsed and its counts against the real run)
 *   inc-no-change, inc-no-change-scan, inc-1pct, inc-1pct-scan (only when named in --scenarios)
 *              incremental runs (LDAP_SYNC_INCREMENTAL=true) in one child per database after a full run there that
 *              fills the memory (lib/incremental-child.ts, lib/incremental-bench.ts); the 1 % ones after the same
 *              change as 1pct, applied to the live directory
 * Prints a table and the issue's targets, and writes everything to bench/results/<timestamp>.json.
 * With --profile every child runs under `node --cpu-prof` and the top self-time functions are printed; with
 * --pg-explain MS the PostgreSQL syncs load auto_explain and print the plans (with foreign-key trigger times) of
 * statements slower than MS. Both slow the runs down: use them for diagnosis, not for the table.
 * See bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSlapd, type SlapdInstance } from '../test/support/slapd.js';
import { applyChanges, planChanges, type ChangeOps } from './lib/changes.js';
import { cloneDatabase, countRows, createDatabase, type DbCounts, type DbKind } from './lib/databases.js';
import { BENCH_USER_CLAIMS, writeLdif } from './lib/ldif.js';
import { generate, liveUserCount, membershipCount, mutate, WORKLOADS, type ChangeCounts, type DirectoryModel, type WorkloadName } from './lib/model.js';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile.js';
import type { FloorRunResult, IncrementalScenario, RunResult, RunSpec, SyncRunResult } from './lib/protocol.js';
import { formatChecks, formatTable, rowsDetail, type TableRow, type TargetCheck } from './lib/report.js';
import { startPocketIdWriter, type WriterStats } from './lib/pocket-id-writer.js';
import { measureWriteFloor, type WriteFloor } from './lib/write-floor.js';
import { childScenarios, incrementalChecks, incrementalRows, INCREMENTAL_SCENARIOS, startIncrementalChild, type Floors, type IncrementalChild, type IncrementalMeasurement } from './lib/incremental-bench.js';
import { DRY_RUN_OK_STATUSES, runDryRun, type DryRunResult, type PlanCounts } from './lib/dry-run.js';
import { benchDirectoryEnv } from './lib/sync-env.js';

type Scenario = 'dry-run' | 'initial' | 'no-change' | '1pct' | 'floor' | IncrementalScenario;
/** Without --scenarios: every scenario but the incremental ones. */
const DEFAULT_SCENARIOS: Scenario[] = ['dry-run', 'initial', 'no-change', '1pct', 'floor'];
const SCENARIOS: Scenario[] = [...DEFAULT_SCENARIOS, ...INCREMENTAL_SCENARIOS];

interface Options {
  workloads: WorkloadName[];
  dbs: DbKind[];
  scenarios: Set<Scenario>;
  pageSize: number;
  sizeLimit: number;
  /** auto: modify on M, reload on L (the faster one on each, measured: see README of bench/). */
  changes: 'auto' | 'modify' | 'reload';
  floorRuns: number;
  /** Runs per sync scenario, each from the same starting database (a fresh one, or a clone); the median is reported. */
  repeat: number;
  profile: boolean;
  /** PostgreSQL syncs load auto_explain and report plans of statements slower than this (ms). */
  pgExplainMs: number | null;
  keep: boolean;
  /** --claims: every user carries three more attributes, synced as two string claims and one array claim. */
  claims: boolean;
  /** --inc-runs: how often each incremental no-change scenario runs in a row in its child. */
  incRuns: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DIST = path.resolve(HERE, '..');
/** Set by main(): run-one.js inside a private copy of dist/ (see snapshotDist). */
let runOne = path.join(HERE, 'run-one.js');
/** Set by main(): the private copy of dist/ (the real CLI of the dry-run step runs from it). */
let snapshotDir = DIST;

/**
 * Others rebuild dist/ while a long bench runs; children started later would
 * load a different (or half-written) sync. So the children run from a copy of
 * dist/src and dist/bench taken at start, inside dist/ so that node_modules
 * still resolves. Returns the copy's directory.
 */
function snapshotDist(stamp: string): string {
  const dir = path.join(DIST, `.bench-${stamp}`);
  for (const part of ['src', 'bench']) cpSync(path.join(DIST, part), path.join(dir, part), { recursive: true });
  return dir;
}

/** Which code was measured: the commit and any uncommitted change under src/. */
function codeVersion(): { commit: string; dirtySrc: string[] } {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return { commit: git(['rev-parse', 'HEAD']), dirtySrc: git(['status', '--porcelain', '--', 'src']).split('\n').filter((l) => l !== '') };
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- [--workload M|L|M,L] [--db postgres|sqlite|both] [--scenarios ${SCENARIOS.join(',')}] [--page-size N] [--size-limit N] [--changes auto|modify|reload] [--floor-runs N] [--repeat N] [--profile] [--pg-explain MS] [--keep] [--claims] [--inc-runs N]`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    workloads: ['M'],
    dbs: ['postgres', 'sqlite'],
    scenarios: new Set(DEFAULT_SCENARIOS),
    pageSize: Number(process.env.LDAP_SYNC_PAGE_SIZE ?? 500),
    sizeLimit: 1000,
    changes: 'auto',
    floorRuns: 3,
    repeat: 1,
    profile: false,
    pgExplainMs: null,
    keep: false,
    claims: false,
    incRuns: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? usage(`${name} needs a value`);
    switch (name) {
      case '--workload':
        options.workloads = value().split(',').map((w) => {
          const upper = w.trim().toUpperCase();
          if (upper !== 'M' && upper !== 'L') usage(`unknown workload ${w}`);
          return upper;
        });
        break;
      case '--db': {
        const db = value();
        if (db === 'both') options.dbs = ['postgres', 'sqlite'];
        else if (db === 'postgres' || db === 'sqlite') options.dbs = [db];
        else usage(`unknown database ${db}`);
        break;
      }
      case '--scenarios':
        options.scenarios = new Set(value().split(',').map((s) => {
          const scenario = s.trim() as Scenario;
          if (!SCENARIOS.includes(scenario)) usage(`unknown scenario ${s}`);
          return scenario;
        }));
        break;
      case '--page-size':
        options.pageSize = Number(value());
        break;
      case '--size-limit':
        options.sizeLimit = Number(value());
        break;
      case '--changes': {
        const how = value();
        if (how !== 'auto' && how !== 'modify' && how !== 'reload') usage(`--changes is auto, modify or reload, not ${how}`);
        options.changes = how;
        break;
      }
      case '--floor-runs':
        options.floorRuns = Number(value());
        break;
      case '--repeat':
        options.repeat = Number(value());
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--pg-explain':
        options.pgExplainMs = Number(value());
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--claims':
        options.claims = true;
        break;
      case '--inc-runs':
        options.incRuns = Number(value());
        break;
      default:
        usage(`unknown option ${arg}`);
    }
  }
  if (!Number.isInteger(options.pageSize) || options.pageSize < 1) usage('--page-size must be a positive integer');
  if (!Number.isInteger(options.floorRuns) || options.floorRuns < 1) usage('--floor-runs must be a positive integer');
  if (!Number.isInteger(options.repeat) || options.repeat < 1) usage('--repeat must be a positive integer');
  if (!Number.isInteger(options.incRuns) || options.incRuns < 1) usage('--inc-runs must be a positive integer');
  if (options.pgExplainMs !== null && !(options.pgExplainMs >= 0)) usage('--pg-explain needs a number of milliseconds');
  return options;
}

// ---------------------------------------------------------------------------------------------

interface ChildOutcome<R extends RunResult> {
  result: R;
  /** spawn → exit, module loading included. */
  processMs: number;
  /** 1-minute load average of the machine when the child started and when it ended. */
  load: [number, number];
  stderr: string;
  profile?: ProfileSummary;
}

let profileDir = '';
let runCounter = 0;

async function runChild<R extends RunResult>(spec: Omit<RunSpec, 'out'>, workDir: string, profile: boolean): Promise<ChildOutcome<R>> {
  runCounter += 1;
  const out = path.join(workDir, `run-${runCounter}.json`);
  const profileName = `${String(runCounter).padStart(2, '0')}-${spec.label.replace(/[^A-Za-z0-9_.-]+/g, '_')}.cpuprofile`;
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`] : [];
  const started = performance.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  const child = spawn(process.execPath, [...nodeArgs, runOne, JSON.stringify({ ...spec, out })], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const processMs = performance.now() - started;
  if (code !== 0) throw new Error(`${spec.label}: child exited with ${code}\n${stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as R;
  const outcome: ChildOutcome<R> = { result, processMs, load: [loadBefore, os.loadavg()[0] ?? 0], stderr };
  if (profile) outcome.profile = summarizeProfile(path.join(profileDir, profileName), ROOT);
  return outcome;
}

function syncEnv(slapd: SlapdInstance, connectionString: string, pageSize: number, claims: boolean): Record<string, string> {
  return {
    ...benchDirectoryEnv(slapd, connectionString),
    LDAP_SYNC_PAGE_SIZE: String(pageSize),
    LOG_LEVEL: 'warn',
    ...(claims ? { LDAP_SYNC_USER_CLAIMS: BENCH_USER_CLAIMS } : {}),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------------------------

interface FloorMeasurement {
  label: string;
  medianMs: number;
  runs: FloorRunResult[];
  loads: [number, number][];
  warmUp: FloorRunResult;
  profile?: ProfileSummary;
}

interface SyncMeasurement {
  workload: WorkloadName;
  database: DbKind;
  scenario: 'initial' | 'no-change' | '1pct';
  /** 1-based; with --repeat the table shows the run with the median wall time. */
  repetition: number;
  result: SyncRunResult;
  processMs: number;
  load: [number, number];
  ratioToFloor: number | null;
  dbAfter: DbCounts;
  expected: DbCounts;
  verified: boolean;
  warnings: string;
  /** The Pocket ID-like writer that ran beside the sync's child, from its start to its exit. */
  writer: WriterStats;
  profile?: ProfileSummary;
}

interface WorkloadReport {
  workload: WorkloadName;
  directory: { users: number; groups: number; memberships: number; ldifBytes: number; generateMs: number; writeLdifMs: number; slapdLoadMs: number };
  changes?: { method: 'modify' | 'reload'; ms: number; counts: ChangeCounts; ops?: ChangeOps; usersAfter: number; membershipsAfter: number };
  floors: FloorMeasurement[];
  syncs: SyncMeasurement[];
  /** Per database: the rows of the initial sync inserted as directly as the engine allows (lib/write-floor.ts). */
  writeFloors: ({ database: DbKind } & WriteFloor)[];
  /** `sync --dry-run` (text and --json) through the real CLI on the empty database, before the initial sync. */
  dryRuns: ({ database: DbKind } & DryRunResult)[];
  /** The incremental scenarios, per child (lib/incremental-bench.ts). */
  incremental: IncrementalMeasurement[];
}

async function measureFloor(label: string, slapd: SlapdInstance, options: Options, workDir: string): Promise<FloorMeasurement> {
  const spec = { mode: 'floor' as const, label, env: syncEnv(slapd, '', options.pageSize, options.claims) };
  const warmUp = (await runChild<FloorRunResult>({ ...spec, label: `${label}-warmup` }, workDir, false)).result;
  const runs: FloorRunResult[] = [];
  const loads: [number, number][] = [];
  let profile: ProfileSummary | undefined;
  for (let i = 0; i < options.floorRuns; i++) {
    const outcome = await runChild<FloorRunResult>(spec, workDir, options.profile && i === 0);
    runs.push(outcome.result);
    loads.push(outcome.load);
    profile ??= outcome.profile;
  }
  const measurement: FloorMeasurement = { label, medianMs: median(runs.map((r) => r.wallMs)), runs, loads, warmUp };
  if (profile) measurement.profile = profile;
  log(`${label}: median ${(measurement.medianMs / 1000).toFixed(2)} s over ${runs.length} runs (${runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')}), ${runs[0]?.entries.users} users, ${runs[0]?.entries.groups} groups, ${runs[0]?.memberValues} member values, ${runs[0]?.pages} pages`);
  return measurement;
}

function expectedCounts(model: DirectoryModel, everCreated: number): DbCounts {
  return { users: everCreated, activeUsers: liveUserCount(model), groups: model.groups.length, memberships: membershipCount(model) };
}

async function benchWorkload(name: WorkloadName, options: Options, workDir: string): Promise<WorkloadReport> {
  const workload = WORKLOADS[name];
  log(`workload ${name}: ${workload.users} users, ${workload.groups} groups, ~${workload.memberships} memberships`);
  let t = performance.now();
  const model0 = generate(workload);
  const generateMs = performance.now() - t;
  const ldif0 = path.join(workDir, `${name}.ldif`);
  t = performance.now();
  const ldifBytes = await writeLdif(model0, ldif0, { claims: options.claims });
  const writeLdifMs = performance.now() - t;
  t = performance.now();
  // startSlapd takes LDIF text: 80 MB for L, read back from the streamed file. The parent's memory is not measured.
  let slapd = await startSlapd({ ldif: readFileSync(ldif0, 'utf8'), sizeLimit: options.sizeLimit });
  const slapdLoadMs = performance.now() - t;
  log(`directory: generated in ${(generateMs / 1000).toFixed(2)} s, LDIF ${(ldifBytes / 2 ** 20).toFixed(0)} MiB written in ${(writeLdifMs / 1000).toFixed(2)} s, slapadd -q + slapd up in ${(slapdLoadMs / 1000).toFixed(2)} s (${slapd.url}, reader size limit ${options.sizeLimit})`);
  const report: WorkloadReport = {
    workload: name,
    directory: { users: model0.users.length, groups: model0.groups.length, memberships: membershipCount(model0), ldifBytes, generateMs, writeLdifMs, slapdLoadMs },
    floors: [],
    syncs: [],
    writeFloors: [],
    dryRuns: [],
    incremental: [],
  };

  const incrementalWanted = childScenarios(options.scenarios, options.incRuns);
  const wantSyncs = incrementalWanted.length > 0 || (['dry-run', 'initial', 'no-change', '1pct'] as Scenario[]).some((sc) => options.scenarios.has(sc));
  const incrementalChildren: IncrementalChild[] = [];
  // One child at a time, each on its own clone of the synced database; those with a 1 % scenario stay, primed, until the change.
  const startIncremental = async (database: DbKind, synced: string) => {
    for (const [i, scenarios] of incrementalWanted.entries()) {
      const target = await cloneDatabase(database, synced, workDir);
      const env = { ...syncEnv(slapd, target, options.pageSize, options.claims), LDAP_SYNC_INCREMENTAL: 'true' };
      const label = `${name}-${database}-incremental-${i + 1}`;
      incrementalChildren.push(await startIncrementalChild(runOne, { mode: 'incremental', label, env, incremental: scenarios }, workDir, name, database));
      log(`${label}: primed (${scenarios.join(', ')})`);
    }
  };
  let floor0: FloorMeasurement | undefined;
  if (options.scenarios.has('floor')) {
    floor0 = await measureFloor(`${name}-floor`, slapd, options, workDir);
    report.floors.push(floor0);
  }

  const sync = async (database: DbKind, scenario: SyncMeasurement['scenario'], repetition: number, connectionString: string, floor: FloorMeasurement | undefined, expected: DbCounts) => {
    const label = `${name}-${database}-${scenario}${options.repeat > 1 ? `-${repetition}` : ''}`;
    const spec: Omit<RunSpec, 'out'> = { mode: 'sync', label, env: syncEnv(slapd, connectionString, options.pageSize, options.claims) };
    if (database === 'postgres' && options.pgExplainMs !== null) spec.explainMs = options.pgExplainMs;
    const writer = await startPocketIdWriter(database, connectionString);
    const outcome = await runChild<SyncRunResult>(spec, workDir, options.profile).catch(async (error: unknown) => {
      await writer.stop();
      throw error;
    });
    const writerStats = await writer.stop();
    const dbAfter = await countRows(database, connectionString);
    const verified = JSON.stringify(dbAfter) === JSON.stringify(expected) && outcome.result.summary.skips === 0;
    const r = outcome.result;
    const m: SyncMeasurement = {
      workload: name,
      database,
      scenario,
      repetition,
      result: r,
      processMs: outcome.processMs,
      load: outcome.load,
      ratioToFloor: floor ? r.wallMs / floor.medianMs : null,
      dbAfter,
      expected,
      verified,
      warnings: outcome.stderr,
      writer: writerStats,
    };
    if (outcome.profile) m.profile = outcome.profile;
    report.syncs.push(m);
    log(`${label}: ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, load ${outcome.load[0].toFixed(1)}), peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, ${r.rowsWritten} rows, driver changed ${r.driver.rowsChanged} rows; database ${verified ? 'matches the directory' : `MISMATCH: ${JSON.stringify(dbAfter)} expected ${JSON.stringify(expected)}, ${r.summary.skips} skips`}; ${r.driver.transactions.count} write transaction(s), longest ${((r.driver.transaction?.holdMs ?? 0) / 1000).toFixed(2)} s; Pocket ID-like writer: ${writerStats.writes} writes, ${writerStats.failed} failed, longest ${(writerStats.maxWaitMs / 1000).toFixed(2)} s${writerStats.firstError ? ` (${writerStats.firstError})` : ''}`);
    if (outcome.stderr.trim() !== '') log(`${label} stderr (last lines):\n${outcome.stderr.trim().split('\n').slice(-5).join('\n')}`);
  };

  const dryRuns = async (database: DbKind, connectionString: string) => {
    for (const format of ['text', 'json'] as const) {
      const label = `${name}-${database}-dry-run-${format}`;
      const r = await runDryRun(snapshotDir, syncEnv(slapd, connectionString, options.pageSize, options.claims), format, workDir, label, () => os.loadavg()[0] ?? 0);
      report.dryRuns.push({ database, ...r });
      log(`${label}: exit ${r.exitCode}, ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, load ${r.load[0].toFixed(1)}), peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, stdout ${r.stdoutBytes} bytes${format === 'json' ? `, ${r.counts ? `parsed: ${JSON.stringify(r.counts)}` : `DOES NOT PARSE: ${r.parseError}`}` : ''}`);
      if (r.stderrTail !== '') log(`${label} stderr (last lines):\n${r.stderrTail}`);
    }
  };

  const databases = new Map<DbKind, string>();
  if (wantSyncs) {
    for (const database of options.dbs) {
      // The initial sync also prepares the database for the other scenarios, so it always runs; each
      // repetition into a new empty database, the last one is kept.
      let connectionString = '';
      for (let rep = 1; rep <= options.repeat; rep++) {
        connectionString = await createDatabase(database, workDir);
        if (rep === 1 && options.scenarios.has('dry-run')) await dryRuns(database, connectionString);
        await sync(database, 'initial', rep, connectionString, floor0, expectedCounts(model0, model0.users.length));
      }
      databases.set(database, connectionString);
      const writeFloor = await measureWriteFloor(database, connectionString, workDir);
      report.writeFloors.push({ database, ...writeFloor });
      log(`${name}-${database} write floor: ${(writeFloor.ms / 1000).toFixed(2)} s for ${JSON.stringify(writeFloor.rows)}`);
      if (options.scenarios.has('no-change')) {
        for (let rep = 1; rep <= options.repeat; rep++) await sync(database, 'no-change', rep, connectionString, floor0, expectedCounts(model0, model0.users.length));
      }
      await startIncremental(database, connectionString);
    }
  }

  const waiting = incrementalChildren.filter((c) => c.waiting);
  if (options.scenarios.has('1pct') || waiting.length > 0) {
    const { model: model1, counts } = mutate(model0);
    t = performance.now();
    // Measured on the project's 2-core machine: M modify 0.3 s vs reload 0.5 s; L modify 11.6 s (3,154 group
    // modifies rewriting entries of up to 40,000 values) vs reload 7.6 s (generate + LDIF + slapadd -q + start).
    // The directory content is the same either way (entryUUIDs are fixed in the LDIF).
    // Primed incremental children read the same server again: only a change of the live directory does for them.
    const method = waiting.length > 0 ? 'modify' : options.changes === 'auto' ? (workload.memberships >= 500_000 ? 'reload' : 'modify') : options.changes;
    if (method === 'modify') {
      const { phases, ops } = planChanges(model0, model1);
      await applyChanges(slapd.url, slapd.adminDn, slapd.adminPassword, phases);
      const ms = performance.now() - t;
      report.changes = { method: 'modify', ms, counts, ops, usersAfter: liveUserCount(model1), membershipsAfter: membershipCount(model1) };
      log(`1 % changes applied with ldapts as the rootDN in ${(ms / 1000).toFixed(2)} s: ${JSON.stringify(counts)}; operations ${JSON.stringify(ops)}`);
    } else {
      const ldif1 = path.join(workDir, `${name}-changed.ldif`);
      await writeLdif(model1, ldif1, { claims: options.claims });
      const old = slapd;
      slapd = await startSlapd({ ldif: readFileSync(ldif1, 'utf8'), sizeLimit: options.sizeLimit });
      await old.stop();
      const ms = performance.now() - t;
      report.changes = { method: 'reload', ms, counts, usersAfter: liveUserCount(model1), membershipsAfter: membershipCount(model1) };
      log(`1 % changes applied by regenerating and reloading a new slapd in ${(ms / 1000).toFixed(2)} s: ${JSON.stringify(counts)}`);
    }
    for (const child of waiting) report.incremental.push(await child.finish());
    let floor1: FloorMeasurement | undefined;
    if (options.scenarios.has('floor')) {
      floor1 = await measureFloor(`${name}-floor-after-1pct`, slapd, options, workDir);
      report.floors.push(floor1);
    }
    for (const [database, synced] of options.scenarios.has('1pct') ? databases : new Map<DbKind, string>()) {
      for (let rep = 1; rep <= options.repeat; rep++) {
        // Every repetition starts from the same synced database; the last one runs on it, the others on clones.
        const target = rep < options.repeat ? await cloneDatabase(database, synced, workDir) : synced;
        // Soft delete: the removed users stay, disabled.
        await sync(database, '1pct', rep, target, floor1, expectedCounts(model1, model0.users.length));
      }
    }
  }
  for (const child of incrementalChildren.filter((c) => !c.waiting)) report.incremental.push(await child.finish());
  await slapd.stop();
  return report;
}

// ---------------------------------------------------------------------------------------------

function formatBytes(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function syncCounts(r: SyncRunResult): PlanCounts {
  const s = r.summary;
  return {
    usersCreated: s.usersCreated,
    usersUpdated: s.usersUpdated,
    usersDisabled: s.usersDisabled,
    usersDeleted: s.usersDeleted,
    groupsCreated: s.groupsCreated,
    groupsUpdated: s.groupsUpdated,
    groupsDeleted: s.groupsDeleted,
    membershipsAdded: s.membershipsAdded,
    membershipsRemoved: s.membershipsRemoved,
  };
}

/** Largest text report accepted: the text shows a bounded number of rows per section, whatever the plan's size. */
const DRY_RUN_TEXT_LIMIT = 64 * 1024;

function dryRunChecks(report: WorkloadReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const w = report.workload;
  for (const d of report.dryRuns) {
    const what = `${d.database} sync --dry-run${d.format === 'json' ? ' --json' : ''} (initial plan)`;
    checks.push({ workload: w, target: `${what} exits ${DRY_RUN_OK_STATUSES.join(' or ')}`, measured: `exit ${d.exitCode}${d.stderrTail ? ` (${d.stderrTail.split('\n').at(-1)})` : ''}`, pass: DRY_RUN_OK_STATUSES.includes(d.exitCode ?? -1) });
    checks.push({ workload: w, target: `${what} peak RSS < 1 GiB`, measured: `${(d.maxRssKiB / 1024).toFixed(0)} MiB`, pass: d.maxRssKiB < 1024 * 1024 });
    if (d.format === 'text') {
      checks.push({ workload: w, target: `${what} text bounded (< ${DRY_RUN_TEXT_LIMIT / 1024} KiB)`, measured: formatBytes(d.stdoutBytes), pass: d.stdoutBytes < DRY_RUN_TEXT_LIMIT });
      continue;
    }
    const initial = report.syncs.find((m) => m.database === d.database && m.scenario === 'initial' && m.repetition === 1);
    const expected = initial ? syncCounts(initial.result) : null;
    const same = d.counts !== null && expected !== null && JSON.stringify(d.counts) === JSON.stringify(expected);
    checks.push({
      workload: w,
      target: `${what} parses and its counts equal the real initial run's`,
      measured: d.counts === null ? `does not parse (${d.parseError}), ${formatBytes(d.stdoutBytes)}` : `${formatBytes(d.stdoutBytes)}; ${same ? 'same counts' : `dry run ${JSON.stringify(d.counts)} vs real ${JSON.stringify(expected)}`}`,
      pass: same,
    });
  }
  return checks;
}

/** Per database and scenario, the repetition with the median wall time (the lower middle for an even count). */
function representatives(syncs: SyncMeasurement[]): SyncMeasurement[] {
  const groups = new Map<string, SyncMeasurement[]>();
  for (const s of syncs) {
    const key = `${s.database}/${s.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.result.wallMs - b.result.wallMs);
    return sorted[Math.floor((sorted.length - 1) / 2)] as SyncMeasurement;
  });
}

function tableRows(reports: WorkloadReport[]): TableRow[] {
  const rows: TableRow[] = [];
  for (const report of reports) {
    for (const floor of report.floors) {
      const first = floor.runs[0];
      rows.push({
        workload: report.workload,
        database: '-',
        scenario: floor.label.endsWith('after-1pct') ? 'floor (after 1%)' : 'floor',
        wallMs: floor.medianMs,
        cpuMs: median(floor.runs.map((r) => r.cpuMs)),
        maxRssKiB: Math.max(...floor.runs.map((r) => r.maxRssKiB)),
        readMs: floor.medianMs,
        rowsDetail: first ? `${first.entries.users} users, ${first.entries.groups} groups, ${first.memberValues} member values, ${first.pages} pages` : '',
      });
    }
    for (const f of report.writeFloors) {
      rows.push({
        workload: report.workload,
        database: f.database,
        scenario: 'write floor',
        wallMs: f.ms,
        cpuMs: Number.NaN,
        maxRssKiB: Number.NaN,
        applyMs: f.ms,
        rowsWritten: f.rows.users + f.rows.groups + f.rows.memberships,
        rowsDetail: `the initial sync's rows, ${f.database === 'sqlite' ? 'prepared INSERTs' : 'INSERT … SELECT from staged rows'} in primary-key order, one transaction`,
      });
    }
    for (const d of report.dryRuns) {
      rows.push({
        workload: report.workload,
        database: d.database,
        scenario: d.format === 'json' ? 'dry-run --json' : 'dry-run',
        wallMs: d.wallMs,
        cpuMs: d.cpuMs,
        maxRssKiB: d.maxRssKiB,
        rowsDetail: `real CLI, initial plan: exit ${d.exitCode}, stdout ${formatBytes(d.stdoutBytes)}${d.format === 'json' ? (d.counts ? ', parses' : ', DOES NOT PARSE') : ''}`,
      });
    }
    for (const s of representatives(report.syncs)) {
      const r = s.result;
      const row: TableRow = {
        workload: report.workload,
        database: s.database,
        scenario: s.scenario,
        wallMs: r.wallMs,
        cpuMs: r.cpuMs,
        maxRssKiB: r.maxRssKiB,
        readMs: r.readMs,
        planMs: r.planMs,
        applyMs: r.applyMs,
        rowsWritten: r.rowsWritten,
        rowsDetail: rowsDetail(r) + (s.verified ? '' : ' (DB MISMATCH)'),
      };
      if (s.ratioToFloor !== null) row.ratio = s.ratioToFloor;
      if (r.driver.transaction) row.txHoldMs = r.driver.transaction.holdMs;
      row.txCount = r.driver.transactions.count;
      row.writer = s.writer;
      rows.push(row);
    }
    rows.push(...incrementalRows(report.incremental, floorsOf(report)));
  }
  return rows;
}

/** The floor before and after the 1 % change, when measured. */
function floorsOf(report: WorkloadReport): Floors {
  const before = report.floors.find((f) => !f.label.endsWith('after-1pct'))?.medianMs;
  const after = report.floors.find((f) => f.label.endsWith('after-1pct'))?.medianMs;
  return { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
}

/** The issue's targets (stated for L; checked for every workload run, M only as an indication). */
function checkTargets(reports: WorkloadReport[], options: Options): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  for (const report of reports) {
    const w = report.workload;
    checks.push(...dryRunChecks(report));
    checks.push(...incrementalChecks(report.incremental, floorsOf(report)));
    for (const m of representatives(report.syncs)) {
      const r = m.result;
      const db = m.database;
      const tx = r.driver.transaction;
      if (db === 'sqlite') {
        checks.push({ workload: w, target: `sqlite ${m.scenario}: Pocket ID-like writer 0 failed writes`, measured: `${m.writer.failed} of ${m.writer.writes + m.writer.failed}${m.writer.firstError ? ` (${m.writer.firstError})` : ''}`, pass: m.writer.failed === 0 });
        checks.push({ workload: w, target: `sqlite ${m.scenario}: writer's longest wait < 1.5 s`, measured: s(m.writer.maxWaitMs), pass: m.writer.maxWaitMs < 1500 });
        if (tx) checks.push({ workload: w, target: `sqlite ${m.scenario}: longest write-lock hold < 1 s`, measured: `${s(tx.holdMs)} (${r.driver.transactions.count} transactions)`, pass: tx.holdMs < 1000 });
      } else {
        checks.push({ workload: w, target: `postgres ${m.scenario}: writer's longest wait (reported)`, measured: `${s(m.writer.maxWaitMs)}, ${m.writer.failed} failed`, pass: m.writer.failed === 0 });
      }
      const writeFloor = report.writeFloors.find((f) => f.database === db);
      if (m.scenario === 'initial' && writeFloor) {
        const limit = db === 'postgres' ? 1.5 : 2;
        const ratio = r.applyMs / writeFloor.ms;
        checks.push({ workload: w, target: `${db} initial apply <= ${limit}x the engine's floor`, measured: `${ratio.toFixed(2)}x (apply ${s(r.applyMs)}, floor ${s(writeFloor.ms)})`, pass: ratio <= limit });
      }
      if (m.scenario === 'initial') {
        const limit = db === 'postgres' ? 30_000 : 40_000;
        checks.push({ workload: w, target: `${db} initial sync < ${limit / 1000} s`, measured: s(r.wallMs), pass: r.wallMs < limit });
      }
      // Peak RSS: the highest of all repetitions, not only the median run's.
      const rss = Math.max(...report.syncs.filter((o) => o.database === db && o.scenario === m.scenario).map((o) => o.result.maxRssKiB));
      checks.push({ workload: w, target: `${db} ${m.scenario} peak RSS < 1 GiB`, measured: `${(rss / 1024).toFixed(0)} MiB${options.repeat > 1 ? ' (highest of all runs)' : ''}`, pass: rss < 1024 * 1024 });
      if (m.scenario === 'no-change') {
        checks.push({ workload: w, target: `${db} no-change writes 0 rows`, measured: `${r.rowsWritten} planned, ${r.driver.rowsChanged} changed by the driver`, pass: r.rowsWritten === 0 && r.driver.rowsChanged === 0 });
        if (m.ratioToFloor !== null) checks.push({ workload: w, target: `${db} no-change <= 1.5x floor`, measured: `${m.ratioToFloor.toFixed(2)}x`, pass: m.ratioToFloor <= 1.5 });
      }
      if (m.scenario === '1pct') {
        if (m.ratioToFloor !== null) checks.push({ workload: w, target: `${db} 1% re-sync <= 2x floor`, measured: `${m.ratioToFloor.toFixed(2)}x`, pass: m.ratioToFloor <= 2 });
        if (db === 'sqlite' && tx) {
          checks.push({
            workload: w,
            target: 'sqlite 1% longest write transaction: where the time went',
            measured: `${s(tx.holdMs)} (state read ${s(tx.readStateMs)}, write statements ${s(tx.writeStatementsMs)}, commit ${s(tx.commitMs)}; whole run: plan ${s(r.planMs)}, apply ${s(r.applyMs)})`,
            pass: tx.holdMs < 1000,
          });
        }
      }
      if (!m.verified) checks.push({ workload: w, target: `${db} ${m.scenario} database matches the directory`, measured: `${JSON.stringify(m.dbAfter)} vs ${JSON.stringify(m.expected)}, ${r.summary.skips} skips`, pass: false });
    }
  }
  return checks;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'pocket-id-bench-'));
  profileDir = path.join(resultsDir, `${stamp}-profiles`);
  const code = codeVersion();
  const snapshot = snapshotDist(stamp);
  snapshotDir = snapshot;
  runOne = path.join(snapshot, 'bench', 'run-one.js');
  if (code.dirtySrc.length > 0) log(`measuring ${code.commit.slice(0, 10)} with uncommitted changes under src/: ${code.dirtySrc.join(', ')}`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  log(`options ${JSON.stringify({ ...options, scenarios: [...options.scenarios] })}; work dir ${workDir}`);

  const reports: WorkloadReport[] = [];
  try {
    for (const workload of options.workloads) reports.push(await benchWorkload(workload, options, workDir));
  } finally {
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
    // With --profile the copy stays: its source maps turn the profiles' positions into .ts lines.
    if (!options.profile) rmSync(snapshot, { recursive: true, force: true });
  }

  const rows = tableRows(reports);
  const checks = checkTargets(reports, options);
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  const loads = reports.flatMap((r) => [...r.syncs.flatMap((m) => m.load), ...r.floors.flatMap((f) => f.loads.flat()), ...r.incremental.flatMap((m) => m.load)]);
  if (loads.length > 0) {
    console.log(`1-minute load average during the measured runs: ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} CPUs (wall times include waiting for slapd and the database server; CPU s is the sync process alone)`);
    console.log('');
  }
  console.log('Targets (stated for L; for M an indication only):');
  console.log(formatChecks(checks));
  if (options.profile) {
    console.log('');
    console.log('CPU profiles (node --cpu-prof, self time):');
    for (const report of reports) {
      for (const floor of report.floors) if (floor.profile) console.log(`${floor.label}\n${formatProfile(floor.profile)}`);
      for (const m of report.syncs) {
        if (!m.profile) continue;
        console.log(`${m.workload}-${m.database}-${m.scenario}${options.repeat > 1 ? `-${m.repetition}` : ''}\n${formatProfile(m.profile)}`);
        console.log('    slowest statements:');
        for (const st of m.result.driver.slowest.slice(0, 6)) console.log(`      ${st.ms.toFixed(0).padStart(7)} ms ${String(st.rows).padStart(8)} rows  ${st.sql}`);
      }
    }
  }
  if (options.pgExplainMs !== null) {
    console.log('');
    console.log(`PostgreSQL auto_explain (statements over ${options.pgExplainMs} ms, first 3 per run):`);
    for (const report of reports) {
      for (const m of report.syncs) {
        for (const plan of (m.result.explains ?? []).slice(0, 3)) console.log(`${m.workload}-${m.database}-${m.scenario}\n${plan}\n`);
      }
    }
  }
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: stamp,
        machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: os.totalmem() / 2 ** 30, platform: `${os.type()} ${os.release()}` },
        options: { ...options, scenarios: [...options.scenarios] },
        code,
        table: rows,
        targets: checks,
        workloads: reports,
      },
      null,
      1,
    ),
  );
  console.log(`\nresults: ${path.relative(process.cwd(), file)}${options.profile ? `\nprofiles: ${path.relative(process.cwd(), profileDir)}` : ''}`);
}

await main();
// The slapd and PostgreSQL helpers stop their servers from their process 'exit' handlers.
process.exit(0);
