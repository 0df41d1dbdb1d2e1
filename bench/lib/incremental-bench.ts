/**
 * The parent's side of the incremental scenarios (the child is
 * incremental-child.ts): per database, children on clones of the synced
 * database, started one after another so that no two measure at once; the
 * ones with a 1 % scenario wait, primed, until the parent has changed the
 * directory and lets them go, again one at a time. Then the table rows
 * ("x floor" against the floor of the directory each run read) and the
 * issue's targets.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AFTER_CHANGES, type IdleCollection, type IncrementalRun, type IncrementalRunResult, type IncrementalScenario, type RunSpec } from './protocol.js';
import { rowsDetail, type TableRow, type TargetCheck } from './report.js';

export const INCREMENTAL_SCENARIOS: readonly IncrementalScenario[] = ['inc-no-change', 'inc-no-change-scan', 'inc-1pct', 'inc-1pct-scan'];

export interface IncrementalMeasurement {
  workload: string;
  database: string;
  result: IncrementalRunResult;
  /** 1-minute load average when the child started and when it ended. */
  load: [number, number];
}

export interface IncrementalChild {
  /** Whether it waits for the 1 % change. */
  waiting: boolean;
  /** Lets a waiting child go on; resolves with its result once it has exited. */
  finish(): Promise<IncrementalMeasurement>;
}

/**
 * The children one database needs: one for every scenario it can share, another for inc-1pct-scan (each 1 % run
 * consumes the change). `runs`: how often each no-change scenario runs in a row (--inc-runs), the first run after
 * the full one being the one that may still pay for what the full run left behind.
 */
export function childScenarios(requested: ReadonlySet<string>, runs = 1): IncrementalScenario[][] {
  const wanted = INCREMENTAL_SCENARIOS.filter((s) => requested.has(s));
  const main = wanted.filter((s) => s !== 'inc-1pct-scan').flatMap((s) => (AFTER_CHANGES.includes(s) ? [s] : Array.from({ length: runs }, () => s)));
  return [main, wanted.filter((s) => s === 'inc-1pct-scan')].filter((list) => list.length > 0);
}

/** Starts a child and resolves once it is primed and waiting for the change, or has finished. */
export async function startIncrementalChild(runOne: string, spec: Omit<RunSpec, 'out'>, workDir: string, workload: string, database: string): Promise<IncrementalChild> {
  const out = path.join(workDir, `${spec.label}.json`);
  const loadBefore = os.loadavg()[0] ?? 0;
  const child = spawn(process.execPath, ['--expose-gc', runOne, JSON.stringify({ ...spec, out })], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const ready = new Promise<boolean>((resolve) => child.once('message', () => resolve(true)));
  const waiting = await Promise.race([ready, exited.then(() => false)]);
  return {
    waiting,
    finish: async () => {
      if (waiting) child.send({ go: true });
      const code = await exited;
      if (code !== 0) throw new Error(`${spec.label}: child exited with ${code}\n${stderr}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as IncrementalRunResult;
      return { workload, database, result, load: [loadBefore, os.loadavg()[0] ?? 0] };
    },
  };
}

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Floors (ms) of the directory before and after the 1 % change, for "x floor". */
export interface Floors {
  before?: number;
  after?: number;
}

const floorFor = (scenario: IncrementalScenario, floors: Floors) => (AFTER_CHANGES.includes(scenario) ? floors.after : floors.before);

/** The row under a scenario's: its own searches made again by a bare client, and the run's wall time over that. */
function readFloorRow(m: IncrementalMeasurement, name: string, run: IncrementalRun): TableRow {
  const { readFloor: f, result: r } = run;
  return {
    workload: m.workload, database: m.database, scenario: `${name}: its searches, bare`, wallMs: f.medianMs, cpuMs: f.cpuMs, maxRssKiB: Number.NaN,
    rowsDetail: `the run's ${f.searches} searches (${f.entries} entries) with bare ldapts, median of 3; the run took ${(r.wallMs / f.medianMs).toFixed(2)}x this`,
  };
}

/** The idle collection before a run, which its figures leave out (src/service/idle-collect.ts). */
function idleNote(collected: IdleCollection | undefined): string {
  if (!collected) return '';
  return `; before it, outside its figures, the daemon's idle collection took ${collected.wallMs.toFixed(0)} ms (CPU ${collected.cpuMs.toFixed(0)} ms)`;
}

export function incrementalRows(measurements: IncrementalMeasurement[], floors: Floors): TableRow[] {
  const rows: TableRow[] = [];
  for (const m of measurements) {
    const { prime } = m.result;
    rows.push({
      workload: m.workload, database: m.database, scenario: 'inc-prime (full)', wallMs: prime.wallMs, cpuMs: prime.cpuMs, maxRssKiB: m.result.maxRssKiB,
      readMs: prime.readMs, planMs: prime.planMs, applyMs: prime.applyMs, rowsWritten: prime.rowsWritten,
      rowsDetail: `fills the memory (not an incremental figure); the memory then holds ${MiB(m.result.keptHeapBytes)} of heap and ${MiB(m.result.keptBufferBytes ?? 0)} of buffers`,
    });
    const seen = new Map<string, number>();
    const repeated = (scenario: string) => m.result.runs.filter((run) => run.scenario === scenario).length > 1;
    for (const run of m.result.runs) {
      const { scenario, result: r, rssAfterKiB } = run;
      const floor = floorFor(scenario, floors);
      seen.set(scenario, (seen.get(scenario) ?? 0) + 1);
      const name = repeated(scenario) ? `${scenario} #${seen.get(scenario)}` : scenario;
      const mode = r.syncMode === 'incremental' ? 'incremental' : `${r.syncMode} run${r.fullReason ? ` (${r.fullReason})` : ''}`;
      rows.push({
        workload: m.workload, database: m.database, scenario: name, wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssKiB: rssAfterKiB,
        readMs: r.readMs, planMs: r.planMs, applyMs: r.applyMs, rowsWritten: r.rowsWritten,
        ...(floor === undefined ? {} : { ratio: r.wallMs / floor }),
        rowsDetail: `${mode}; read whole ${r.entriesRead.users} users, ${r.entriesRead.groups} groups, ${r.entriesRead.total} entries in all; ${rowsDetail(r)}${idleNote(run.collectedBefore)}`,
      });
      rows.push(readFloorRow(m, name, run));
    }
  }
  return rows;
}

/** The issue's targets on L: no-change ≤ 0.25× floor without a scan, ≤ 0.75× with one, 1 % ≤ 0.5× without. */
const TARGETS: Partial<Record<IncrementalScenario, number>> = { 'inc-no-change': 0.25, 'inc-no-change-scan': 0.75, 'inc-1pct': 0.5 };

export function incrementalChecks(measurements: IncrementalMeasurement[], floors: Floors): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const m of measurements) {
    // A repeated scenario is judged by its last run: what the daemon pays from then on.
    const last = m.result.runs.filter((run, i, all) => !all.slice(i + 1).some((later) => later.scenario === run.scenario));
    for (const { scenario, result: r, readFloor, collectedBefore } of last) {
      const floor = floorFor(scenario, floors);
      checks.push({ workload: m.workload, target: `${m.database} ${scenario} ran incrementally`, measured: `${r.syncMode}${r.fullReason ? ` (${r.fullReason})` : ''}`, pass: r.syncMode === 'incremental' });
      const limit = TARGETS[scenario];
      if (limit !== undefined && floor !== undefined) {
        const ratio = r.wallMs / floor;
        const own = `its own searches bare ${(readFloor.medianMs / 1000).toFixed(2)} s = ${(readFloor.medianMs / floor).toFixed(2)}x the floor, the run ${(r.wallMs / readFloor.medianMs).toFixed(2)}x them`;
        checks.push({ workload: m.workload, target: `${m.database} ${scenario} <= ${limit}x floor`, measured: `${ratio.toFixed(2)}x (${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s; ${own}${idleNote(collectedBefore)})`, pass: ratio <= limit });
      }
    }
    const kept = m.result.keptHeapBytes + (m.result.keptBufferBytes ?? 0);
    const measured = `${MiB(kept)} (heap ${MiB(m.result.keptHeapBytes)}, buffers ${MiB(m.result.keptBufferBytes ?? 0)})`;
    checks.push({ workload: m.workload, target: `${m.database} memory kept between runs, heap and buffers (L target <= 200 MiB)`, measured, pass: kept <= 200 * 2 ** 20 });
  }
  return checks;
}
