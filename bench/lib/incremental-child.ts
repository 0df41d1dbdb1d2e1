/**
 * The incremental scenarios in one child process, as the daemon runs them:
 * one `memory` for all runs. First a full run fills it (reported apart, never
 * as an incremental figure), then each scenario is one measured run:
 *   inc-no-change       nothing changed, no deletion scan
 *   inc-no-change-scan  nothing changed, with the id-only deletion scan
 *   inc-1pct            after the parent changed 1 % of the directory, no scan
 *   inc-1pct-scan       the same with the scan (in its own child: the change is consumed by one run)
 * Before the first scenario of AFTER_CHANGES the child tells the parent it is
 * ready ({ ready: true } over IPC) and waits for { go: true }: the parent
 * changes the live directory in between. Started with --expose-gc: after each run
 * the child collects the run's garbage as the daemon does (idle-collect.ts), and at
 * the end the heap the memory holds is measured as the heap used with it minus without it.
 * After each scenario run, the searches it made are made again by a bare
 * client: the floor of its own reads (read-floor.ts).
 */
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { installDriverProbe } from './driver-probe.js';
import { measureSync } from './measure-sync.js';
import { installSearchRecorder, measureReadFloor, recordSearches } from './read-floor.js';
import { profiledRun } from './run-profile.js';
import type { SyncOptions } from '../../src/run/run-sync.js';
import { createSyncMemory, type SyncMemory } from '../../src/run/sync-memory.js';
import { collectAfterRun, restoreRunGrowth } from '../../src/service/idle-collect.js';
import { AFTER_CHANGES, SCANS, type IdleCollection, type IncrementalRun, type IncrementalRunResult, type IncrementalScenario, type RunSpec } from './protocol.js';

/** Tells the parent this child waits for the directory to change, and resolves when it has. */
function waitForChanges(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ ready: true });
  });
}

function memoryAfterGc(): { heap: number; buffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the incremental child needs node --expose-gc');
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed, buffers: arrayBuffers };
}

/** The prime run fills the memory (its first run is full); each scenario then scans for deletions or not, as named. */
function runOptions(memory: SyncMemory, scenario: IncrementalScenario | 'prime'): SyncOptions {
  // As the daemon's job does: a full read restores V8's own heap growth, which the idle collection raised (idle-collect.ts).
  const beforeFullRead = restoreRunGrowth;
  return scenario === 'prime' ? { memory, beforeFullRead } : { memory, beforeFullRead, deletionScan: SCANS(scenario) ? 'always' : 'never' };
}

/** The daemon's collection between runs, with what it cost: the report shows it beside the next run. */
function timedCollection(): IdleCollection | undefined {
  const cpuBefore = process.cpuUsage();
  const wallMs = collectAfterRun();
  if (wallMs === null) return undefined;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** The prime run, then the scenarios in order, all with `memory`. */
async function runAll(spec: RunSpec, memory: SyncMemory): Promise<Pick<IncrementalRunResult, 'prime' | 'runs'>> {
  const driver = installDriverProbe();
  installSearchRecorder();
  const config = loadConfig(spec.env);
  const log = createLogger({ level: 'warn', json: false, stream: process.stderr });
  const prime = await measureSync(`${spec.label}-prime`, config, log, driver, runOptions(memory, 'prime'));
  // As the daemon does after each run, outside the run (src/service/idle-collect.ts): the child runs with --expose-gc.
  let collected = timedCollection();
  const runs: IncrementalRun[] = [];
  let waited = false;
  for (const scenario of spec.incremental ?? []) {
    if (AFTER_CHANGES.includes(scenario) && !waited) {
      await waitForChanges();
      waited = true;
    }
    const { value: result, searches } = await recordSearches(() =>
      profiledRun(spec.label, scenario, () => measureSync(`${spec.label}-${scenario}`, config, log, driver, runOptions(memory, scenario))),
    );
    const rssAfterKiB = Math.round(process.memoryUsage().rss / 1024);
    const collectedBefore = collected;
    collected = timedCollection();
    const readFloor = await measureReadFloor({ url: config.ldap.url, dn: config.ldap.bindDn, password: config.ldap.bindPassword }, searches);
    runs.push({ scenario, result, rssAfterKiB, readFloor, ...(collectedBefore ? { collectedBefore } : {}) });
  }
  return { prime, runs };
}

export async function incrementalChild(spec: RunSpec): Promise<IncrementalRunResult> {
  let memory: SyncMemory | undefined = createSyncMemory();
  const { prime, runs } = await runAll(spec, memory);
  const withMemory = memoryAfterGc();
  memory = undefined;
  const without = memoryAfterGc();
  const kept = { keptHeapBytes: withMemory.heap - without.heap, keptBufferBytes: withMemory.buffers - without.buffers };
  return { mode: 'incremental', label: spec.label, prime, runs, ...kept, maxRssKiB: process.resourceUsage().maxRSS };
}
