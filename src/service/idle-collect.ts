import { setFlagsFromString } from 'node:v8';

// A run leaves garbage in the old generation: the entries and member values
// of a full read (about 120 MiB at 100,000 users), the kept group arrays an
// incremental run replaced. V8 collects it only when the heap next reaches its
// limit, which is during the next run: in the benchmark's 1 % run a
// mark-compact of the full run's garbage took about 115 ms of this thread
// (docs/incremental-history.md, "1 December, afternoon"). Idle until the next
// scheduled run, the daemon collects it right after each run instead, so the
// next run, an offboarding among its changes, starts with only what is kept.
// It needs Node's --expose-gc, which the image passes (Dockerfile); without
// it nothing is done and V8 collects as before.
//
// The limit V8 sets at that collection comes from how fast the program
// allocated lately, and an idle daemon allocates nothing: the limit left so
// little room that the next 1 % run crossed it and marked three times mid-run
// (docs/incremental-history.md, "V8's heap growth after the idle collection").
// So from this collection on (and at V8's memory reducer's, a few seconds
// later) the heap may grow to twice what survived, through the incremental
// runs that follow; as a full read starts, the growth the process started
// with is back (V8's own factor, unless node was given the flag). A full run
// writes many rows, and a fixed factor during the initial sync made SQLite's
// write locks longer (ffbcaf0); the initial sync comes before any idle
// collection. Restored as every run starts instead, the 1 % run still marked
// mid-run (docs/incremental-history.md, "kept through incremental runs only").
// heap_growing_percent is read at each collection
// (deps/v8/src/heap/heap-controller.cc in nodejs/node, GrowingFactor); 0, its
// default, means V8's own factor.
const IDLE_GROWTH = '--heap-growing-percent=100';
const STARTUP_GROWTH = `--heap-growing-percent=${startupGrowthPercent(process.execArgv)}`;

let idleGrowthSet = false;

/** The --heap-growing-percent node was started with (V8 takes the last), 0 without one. */
export function startupGrowthPercent(execArgv: readonly string[]): number {
  let percent = 0;
  for (const arg of execArgv) {
    const match = /^--heap[-_]growing[-_]percent=(\d+)$/.exec(arg);
    if (match) percent = Number(match[1]);
  }
  return percent;
}

/** Collects all garbage now when Node exposes gc(); returns the milliseconds it took, or null without --expose-gc. */
export function collectAfterRun(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  setFlagsFromString(IDLE_GROWTH);
  idleGrowthSet = true;
  const started = performance.now();
  gc();
  return performance.now() - started;
}

/** Called as a full read starts: its collections size the heap by the startup growth again. */
export function restoreRunGrowth(): void {
  if (!idleGrowthSet) return;
  setFlagsFromString(STARTUP_GROWTH);
  idleGrowthSet = false;
}
