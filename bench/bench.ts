/**
 * `npm run bench [-- --workload M|L|M,L] [--db postgres|sqlite|both] [--scenarios dry-run,initial,no-change,1pct,floor,inc-…]
 *                    [--page-size 500] [--size-limit 1000] [--changes auto|modify|reload] [--floor-runs 3]
 *                    [--repeat 1] [--profile] [--pg-explain MS] [--keep] [--claims] [--inc-runs N]`
 *
 * For each workload: generates the directory (streamed to an LDIF file), loads it into a throwaway slapd with
 * `slapadd -q` (test/support/slapd.ts), and for each database runs, every run in a fresh child process
 * (run-one.js, so peak RSS is per run):
 *   initial    sync into an empty Pocket ID database
 *   no-change  the same sync again; with --claims (users carry three claim attributes) each run is followed by one
 *              with the claims unset, on the same directory and database, for the claims' share (lib/claim-share.ts)
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
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSlapd } from '../test/support/slapd.js';
import { applyChanges, planChanges } from './lib/changes.js';
import { ChildRunner } from './lib/child-runner.js';
import { claimShares, WITHOUT_CLAIMS } from './lib/claim-share.js';
import { pooledClaimShares } from './lib/claim-share-pooled.js';
import { cloneDatabase, createDatabase, type DbKind } from './lib/databases.js';
import { childScenarios, startIncrementalChild, type IncrementalChild } from './lib/incremental-bench.js';
import { writeLdif } from './lib/ldif.js';
import { generate, liveUserCount, membershipCount, mutate, WORKLOADS, type DirectoryModel, type WorkloadName } from './lib/model.js';
import { parseOptions, type Options, type Scenario } from './lib/options.js';
import { printReport } from './lib/print-report.js';
import type { IncrementalScenario } from './lib/protocol.js';
import { tableRows } from './lib/report-rows.js';
import { checkTargets } from './lib/targets.js';
import type { FloorMeasurement, WorkloadReport } from './lib/workload-report.js';
import { dryRunsOn, expectedCounts, log, measureFloor, syncEnv, syncOnce, type WorkloadRun } from './lib/workload-steps.js';
import { measureWriteFloor } from './lib/write-floor.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DIST = path.resolve(HERE, '..');

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

/** Generates the workload's directory, writes it as LDIF and loads it into a new slapd. */
async function loadDirectory(name: WorkloadName, options: Options, workDir: string, runner: ChildRunner): Promise<WorkloadRun> {
  const workload = WORKLOADS[name];
  log(`workload ${name}: ${workload.users} users, ${workload.groups} groups, ~${workload.memberships} memberships`);
  let t = performance.now();
  const model = generate(workload);
  const generateMs = performance.now() - t;
  const ldif = path.join(workDir, `${name}.ldif`);
  t = performance.now();
  const ldifBytes = await writeLdif(model, ldif, { claims: options.claims });
  const writeLdifMs = performance.now() - t;
  t = performance.now();
  // startSlapd takes LDIF text: 80 MB for L, read back from the streamed file. The parent's memory is not measured.
  const slapd = await startSlapd({ ldif: readFileSync(ldif, 'utf8'), sizeLimit: options.sizeLimit });
  const slapdLoadMs = performance.now() - t;
  log(`directory: generated in ${(generateMs / 1000).toFixed(2)} s, LDIF ${(ldifBytes / 2 ** 20).toFixed(0)} MiB written in ${(writeLdifMs / 1000).toFixed(2)} s, slapadd -q + slapd up in ${(slapdLoadMs / 1000).toFixed(2)} s (${slapd.url}, reader size limit ${options.sizeLimit})`);
  const report: WorkloadReport = {
    workload: name,
    directory: { users: model.users.length, groups: model.groups.length, memberships: membershipCount(model), ldifBytes, generateMs, writeLdifMs, slapdLoadMs },
    floors: [],
    syncs: [],
    writeFloors: [],
    dryRuns: [],
    incremental: [],
  };
  return { name, options, workDir, slapd, model, report, runner };
}


/** One child at a time, each on its own clone of the synced database; those with a 1 % scenario stay, primed, until the change. */
async function startIncremental(run: WorkloadRun, database: DbKind, synced: string, wanted: IncrementalScenario[][]): Promise<IncrementalChild[]> {
  const children: IncrementalChild[] = [];
  for (const [i, scenarios] of wanted.entries()) {
    const target = await cloneDatabase(database, synced, run.workDir);
    const env = { ...syncEnv(run.slapd, target, run.options.pageSize, run.options.claims), LDAP_SYNC_INCREMENTAL: 'true' };
    const label = `${run.name}-${database}-incremental-${i + 1}`;
    children.push(await startIncrementalChild(run.runner.runOne, { mode: 'incremental', label, env, incremental: scenarios }, run.workDir, run.name, database));
    log(`${label}: primed (${scenarios.join(', ')})`);
  }
  return children;
}

/**
 * One database: the initial sync (always: it prepares the database for the others; each repetition into a new
 * empty database, the last one kept), the write floor, the no-change re-syncs (with --claims each followed by one
 * without them). Returns the synced database.
 */
async function syncDatabase(run: WorkloadRun, database: DbKind, floor: FloorMeasurement | undefined): Promise<string> {
  const { options, model } = run;
  let connectionString = '';
  for (let rep = 1; rep <= options.repeat; rep++) {
    connectionString = await createDatabase(database, run.workDir);
    if (rep === 1 && options.scenarios.has('dry-run')) await dryRunsOn(run, database, connectionString);
    await syncOnce(run, database, 'initial', rep, connectionString, floor, expectedCounts(model, model.users.length));
  }
  const writeFloor = await measureWriteFloor(database, connectionString, run.workDir);
  run.report.writeFloors.push({ database, ...writeFloor });
  log(`${run.name}-${database} write floor: ${(writeFloor.ms / 1000).toFixed(2)} s for ${JSON.stringify(writeFloor.rows)}`);
  if (options.scenarios.has('no-change')) {
    const expected = expectedCounts(model, model.users.length);
    for (let rep = 1; rep <= options.repeat; rep++) {
      await syncOnce(run, database, 'no-change', rep, connectionString, floor, expected);
      // By turns, the claims' baseline (lib/claim-share.ts); no x floor: the floor read the claims' attributes.
      if (options.claims) await syncOnce(run, database, WITHOUT_CLAIMS, rep, connectionString, undefined, expected);
    }
  }
  return connectionString;
}

/**
 * Changes 1 % of the directory. Measured on the project's 2-core machine: M modify 0.3 s vs reload 0.5 s; L modify
 * 11.6 s (3,154 group modifies rewriting entries of up to 40,000 values) vs reload 7.6 s (generate + LDIF + slapadd -q
 * + start). The directory content is the same either way (entryUUIDs are fixed in the LDIF). Primed incremental
 * children read the same server again: only a change of the live directory does for them.
 */
async function changeOnePercent(run: WorkloadRun, liveOnly: boolean): Promise<DirectoryModel> {
  const { model: model1, counts } = mutate(run.model);
  const t = performance.now();
  const { options } = run;
  const method = liveOnly ? 'modify' : options.changes === 'auto' ? (WORKLOADS[run.name].memberships >= 500_000 ? 'reload' : 'modify') : options.changes;
  const after = { usersAfter: liveUserCount(model1), membershipsAfter: membershipCount(model1) };
  if (method === 'modify') {
    const { phases, ops } = planChanges(run.model, model1);
    await applyChanges(run.slapd.url, run.slapd.adminDn, run.slapd.adminPassword, phases);
    const ms = performance.now() - t;
    run.report.changes = { method: 'modify', ms, counts, ops, ...after };
    log(`1 % changes applied with ldapts as the rootDN in ${(ms / 1000).toFixed(2)} s: ${JSON.stringify(counts)}; operations ${JSON.stringify(ops)}`);
    return model1;
  }
  const ldif1 = path.join(run.workDir, `${run.name}-changed.ldif`);
  await writeLdif(model1, ldif1, { claims: options.claims });
  const old = run.slapd;
  run.slapd = await startSlapd({ ldif: readFileSync(ldif1, 'utf8'), sizeLimit: options.sizeLimit });
  await old.stop();
  const ms = performance.now() - t;
  run.report.changes = { method: 'reload', ms, counts, ...after };
  log(`1 % changes applied by regenerating and reloading a new slapd in ${(ms / 1000).toFixed(2)} s: ${JSON.stringify(counts)}`);
  return model1;
}

/** After the change: the waiting incremental children, the floor again, and the 1 % re-syncs (soft delete: removed users stay, disabled). */
async function afterOnePercent(run: WorkloadRun, databases: Map<DbKind, string>, waiting: IncrementalChild[]): Promise<void> {
  const { name, options, report } = run;
  const model0 = run.model;
  const model1 = await changeOnePercent(run, waiting.length > 0);
  for (const child of waiting) report.incremental.push(await child.finish());
  let floor1: FloorMeasurement | undefined;
  if (options.scenarios.has('floor')) {
    floor1 = await measureFloor(run, `${name}-floor-after-1pct`);
    report.floors.push(floor1);
  }
  if (!options.scenarios.has('1pct')) return;
  for (const [database, synced] of databases) {
    for (let rep = 1; rep <= options.repeat; rep++) {
      // Every repetition starts from the same synced database; the last one runs on it, the others on clones.
      const target = rep < options.repeat ? await cloneDatabase(database, synced, run.workDir) : synced;
      await syncOnce(run, database, '1pct', rep, target, floor1, expectedCounts(model1, model0.users.length));
    }
  }
}

async function benchWorkload(name: WorkloadName, options: Options, workDir: string, runner: ChildRunner): Promise<WorkloadReport> {
  const run = await loadDirectory(name, options, workDir, runner);
  const { report } = run;
  const incrementalWanted = childScenarios(options.scenarios, options.incRuns);
  const wantSyncs = incrementalWanted.length > 0 || (['dry-run', 'initial', 'no-change', '1pct'] as Scenario[]).some((sc) => options.scenarios.has(sc));
  let floor0: FloorMeasurement | undefined;
  if (options.scenarios.has('floor')) {
    floor0 = await measureFloor(run, `${name}-floor`);
    report.floors.push(floor0);
  }
  const databases = new Map<DbKind, string>();
  const children: IncrementalChild[] = [];
  if (wantSyncs) {
    for (const database of options.dbs) {
      const synced = await syncDatabase(run, database, floor0);
      databases.set(database, synced);
      children.push(...(await startIncremental(run, database, synced, incrementalWanted)));
    }
  }
  const waiting = children.filter((c) => c.waiting);
  if (options.scenarios.has('1pct') || waiting.length > 0) await afterOnePercent(run, databases, waiting);
  for (const child of children.filter((c) => !c.waiting)) report.incremental.push(await child.finish());
  await run.slapd.stop();
  return report;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'pocket-id-bench-'));
  const profileDir = path.join(resultsDir, `${stamp}-profiles`);
  const code = codeVersion();
  const snapshot = snapshotDist(stamp);
  const runner = new ChildRunner(path.join(snapshot, 'bench', 'run-one.js'), snapshot, profileDir, ROOT);
  if (code.dirtySrc.length > 0) log(`measuring ${code.commit.slice(0, 10)} with uncommitted changes under src/: ${code.dirtySrc.join(', ')}`);
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  log(`options ${JSON.stringify({ ...options, scenarios: [...options.scenarios] })}; work dir ${workDir}`);

  const reports: WorkloadReport[] = [];
  try {
    for (const workload of options.workloads) reports.push(await benchWorkload(workload, options, workDir, runner));
  } finally {
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
    // With --profile the copy stays: its source maps turn the profiles' positions into .ts lines.
    if (!options.profile) rmSync(snapshot, { recursive: true, force: true });
  }

  const rows = tableRows(reports);
  const checks = checkTargets(reports, options);
  printReport(reports, options, rows, checks);
  const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '', memoryGiB: os.totalmem() / 2 ** 30, platform: `${os.type()} ${os.release()}` };
  const claimShare = reports.flatMap(claimShares);
  const claimSharePooled = pooledClaimShares(reports);
  const results = { startedAt: stamp, machine, options: { ...options, scenarios: [...options.scenarios] }, code, table: rows, targets: checks, claimShare, claimSharePooled, workloads: reports };
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(results, null, 1));
  console.log(`\nresults: ${path.relative(process.cwd(), file)}${options.profile ? `\nprofiles: ${path.relative(process.cwd(), profileDir)}` : ''}`);
}

await main();
// The slapd and PostgreSQL helpers stop their servers from their process 'exit' handlers.
process.exit(0);
