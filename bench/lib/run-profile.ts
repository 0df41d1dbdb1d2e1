/**
 * One incremental run alone under the V8 profilers, for diagnosis (bench/README.md, "Incremental runs"):
 * with BENCH_INC_PROFILE=<dir>, each scenario named in BENCH_INC_PROFILE_SCENARIOS (default inc-1pct)
 * writes <label>-<scenario>.cpuprofile (sampled every 0.5 ms), .heapprofile (allocations, also of objects
 * collected since) and .gc.json (collections by kind: 1 scavenge, 4 mark-compact; count and ms) into <dir>.
 * A --cpu-prof of the whole child would mix in the full run that fills the memory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

/** Collections while `work` runs, by kind. */
async function collections<T>(work: () => Promise<T>): Promise<{ result: T; byKind: Record<string, { n: number; ms: number }> }> {
  const byKind: Record<string, { n: number; ms: number }> = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = String((entry as unknown as { detail: { kind: number } }).detail.kind);
      const seen = (byKind[kind] ??= { n: 0, ms: 0 });
      seen.n += 1;
      seen.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const result = await work();
  await new Promise((resolve) => setImmediate(resolve));
  observer.disconnect();
  return { result, byKind };
}

export async function profiledRun<T>(label: string, scenario: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env['BENCH_INC_PROFILE'];
  const wanted = (process.env['BENCH_INC_PROFILE_SCENARIOS'] ?? 'inc-1pct').split(',');
  if (!dir || !wanted.includes(scenario)) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const sampling = { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  await session.post('HeapProfiler.startSampling', sampling as never);
  const { result, byKind } = await collections(work);
  const { profile: heap } = await session.post('HeapProfiler.stopSampling');
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  // Made here: a directory missing would lose the profile after the run was measured.
  mkdirSync(dir, { recursive: true });
  const file = (ext: string) => path.join(dir, `${label}-${scenario}.${ext}`);
  writeFileSync(file('cpuprofile'), JSON.stringify(profile));
  writeFileSync(file('heapprofile'), JSON.stringify(heap));
  writeFileSync(file('gc.json'), JSON.stringify(byKind));
  return result;
}
