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
 * changes the live directory in between. Started with --expose-gc: at the end
 * the heap the memory holds is measured as the heap used with it minus without it.
 */
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { installDriverProbe } from './driver-probe.js';
import { measureSync } from './measure-sync.js';
import { AFTER_CHANGES, type IncrementalRun, type IncrementalRunResult, type IncrementalScenario, type RunSpec } from './protocol.js';

/** Tells the parent this child waits for the directory to change, and resolves when it has. */
function waitForChanges(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send?.({ ready: true });
  });
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the incremental child needs node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The options of one incremental run. Until runSync takes a `memory` (the
 * incremental lane's API), every run here is a full one: the plumbing is then
 * measured full against full, and syncMode says so.
 */
function runOptions(_memory: object, _scenario: IncrementalScenario | 'prime'): Record<string, unknown> {
  return {};
}

export async function incrementalChild(spec: RunSpec): Promise<IncrementalRunResult> {
  const driver = installDriverProbe();
  const config = loadConfig(spec.env);
  const log = createLogger({ level: 'warn', json: false, stream: process.stderr });
  let memory: object | undefined = {};
  const prime = await measureSync(`${spec.label}-prime`, config, log, driver, runOptions(memory, 'prime'));
  const runs: IncrementalRun[] = [];
  let waited = false;
  for (const scenario of spec.incremental ?? []) {
    if (AFTER_CHANGES.includes(scenario) && !waited) {
      await waitForChanges();
      waited = true;
    }
    const result = await measureSync(`${spec.label}-${scenario}`, config, log, driver, runOptions(memory, scenario));
    runs.push({ scenario, result, rssAfterKiB: Math.round(process.memoryUsage().rss / 1024) });
  }
  const withMemory = heapAfterGc();
  memory = undefined;
  const keptHeapBytes = withMemory - heapAfterGc();
  return { mode: 'incremental', label: spec.label, prime, runs, keptHeapBytes, maxRssKiB: process.resourceUsage().maxRSS };
}
