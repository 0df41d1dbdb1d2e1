// The measured steps of one workload: the read floor, one sync in a child with the Pocket ID-like writer beside
// it, the dry runs through the real CLI. bench.ts puts them in order.
import os from 'node:os';
import type { SlapdInstance } from '../../test/support/slapd.js';
import type { ChildRunner } from './child-runner.js';
import { WITHOUT_CLAIMS } from './claim-share.js';
import { countRows, type DbCounts, type DbKind } from './databases.js';
import { runDryRun } from './dry-run.js';
import { BENCH_USER_CLAIMS } from './ldif.js';
import { liveUserCount, membershipCount, type DirectoryModel, type WorkloadName } from './model.js';
import type { Options } from './options.js';
import { startPocketIdWriter } from './pocket-id-writer.js';
import type { ProfileSummary } from './profile.js';
import type { FloorRunResult, RunSpec, SyncRunResult } from './protocol.js';
import { benchDirectoryEnv } from './sync-env.js';
import { median, type FloorMeasurement, type SyncMeasurement, type WorkloadReport } from './workload-report.js';

/** One workload being measured: the directory's server (replaced when the 1 % change reloads it) and the report. */
export interface WorkloadRun {
  name: WorkloadName;
  options: Options;
  workDir: string;
  slapd: SlapdInstance;
  model: DirectoryModel;
  report: WorkloadReport;
  runner: ChildRunner;
}

export function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

export function syncEnv(slapd: SlapdInstance, connectionString: string, pageSize: number, claims: boolean): Record<string, string> {
  return {
    ...benchDirectoryEnv(slapd, connectionString),
    LDAP_SYNC_PAGE_SIZE: String(pageSize),
    LOG_LEVEL: 'warn',
    ...(claims ? { LDAP_SYNC_USER_CLAIMS: BENCH_USER_CLAIMS } : {}),
  };
}

/** The bare read (median of --floor-runs after a warm-up). */
export async function measureFloor(run: WorkloadRun, label: string): Promise<FloorMeasurement> {
  const { options, workDir } = run;
  const spec = { mode: 'floor' as const, label, env: syncEnv(run.slapd, '', options.pageSize, options.claims) };
  const warmUp = (await run.runner.run<FloorRunResult>({ ...spec, label: `${label}-warmup` }, workDir, false)).result;
  const runs: FloorRunResult[] = [];
  const loads: [number, number][] = [];
  let profile: ProfileSummary | undefined;
  for (let i = 0; i < options.floorRuns; i++) {
    const outcome = await run.runner.run<FloorRunResult>(spec, workDir, options.profile && i === 0);
    runs.push(outcome.result);
    loads.push(outcome.load);
    profile ??= outcome.profile;
  }
  const measurement: FloorMeasurement = { label, medianMs: median(runs.map((r) => r.wallMs)), runs, loads, warmUp };
  if (profile) measurement.profile = profile;
  log(`${label}: median ${(measurement.medianMs / 1000).toFixed(2)} s over ${runs.length} runs (${runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')}), ${runs[0]?.entries.users} users, ${runs[0]?.entries.groups} groups, ${runs[0]?.memberValues} member values, ${runs[0]?.pages} pages`);
  return measurement;
}

export function expectedCounts(model: DirectoryModel, everCreated: number): DbCounts {
  return { users: everCreated, activeUsers: liveUserCount(model), groups: model.groups.length, memberships: membershipCount(model) };
}

/** One sync in a child, with the Pocket ID-like writer beside it; the database is counted against `expected` after. */
export async function syncOnce(run: WorkloadRun, database: DbKind, scenario: SyncMeasurement['scenario'], repetition: number, connectionString: string, floor: FloorMeasurement | undefined, expected: DbCounts): Promise<void> {
  const { name, options } = run;
  const label = `${name}-${database}-${scenario}${options.repeat > 1 ? `-${repetition}` : ''}`;
  const claims = options.claims && scenario !== WITHOUT_CLAIMS;
  const spec: Omit<RunSpec, 'out'> = { mode: 'sync', label, env: syncEnv(run.slapd, connectionString, options.pageSize, claims) };
  if (database === 'postgres' && options.pgExplainMs !== null) spec.explainMs = options.pgExplainMs;
  const writer = await startPocketIdWriter(database, connectionString);
  const outcome = await run.runner.run<SyncRunResult>(spec, run.workDir, options.profile).catch(async (error: unknown) => {
    await writer.stop();
    throw error;
  });
  const writerStats = await writer.stop();
  const dbAfter = await countRows(database, connectionString);
  const r = outcome.result;
  const verified = JSON.stringify(dbAfter) === JSON.stringify(expected) && r.summary.skips === 0;
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
  run.report.syncs.push(m);
  log(`${label}: ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, load ${outcome.load[0].toFixed(1)}), peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, ${r.rowsWritten} rows, driver changed ${r.driver.rowsChanged} rows; database ${verified ? 'matches the directory' : `MISMATCH: ${JSON.stringify(dbAfter)} expected ${JSON.stringify(expected)}, ${r.summary.skips} skips`}; ${r.driver.transactions.count} write transaction(s), longest ${((r.driver.transaction?.holdMs ?? 0) / 1000).toFixed(2)} s; Pocket ID-like writer: ${writerStats.writes} writes, ${writerStats.failed} failed, longest ${(writerStats.maxWaitMs / 1000).toFixed(2)} s${writerStats.firstError ? ` (${writerStats.firstError})` : ''}`);
  if (outcome.stderr.trim() !== '') log(`${label} stderr (last lines):\n${outcome.stderr.trim().split('\n').slice(-5).join('\n')}`);
}

/** `sync --dry-run`, as text and as JSON, through the real CLI. */
export async function dryRunsOn(run: WorkloadRun, database: DbKind, connectionString: string): Promise<void> {
  const { name, options } = run;
  for (const format of ['text', 'json'] as const) {
    const label = `${name}-${database}-dry-run-${format}`;
    const r = await runDryRun(run.runner.snapshotDir, syncEnv(run.slapd, connectionString, options.pageSize, options.claims), format, run.workDir, label, () => os.loadavg()[0] ?? 0);
    run.report.dryRuns.push({ database, ...r });
    log(`${label}: exit ${r.exitCode}, ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s, load ${r.load[0].toFixed(1)}), peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, stdout ${r.stdoutBytes} bytes${format === 'json' ? `, ${r.counts ? `parsed: ${JSON.stringify(r.counts)}` : `DOES NOT PARSE: ${r.parseError}`}` : ''}`);
    if (r.stderrTail !== '') log(`${label} stderr (last lines):\n${r.stderrTail}`);
  }
}
