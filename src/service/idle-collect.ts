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

/** Collects all garbage now when Node exposes gc(); returns the milliseconds it took, or null without --expose-gc. */
export function collectAfterRun(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const started = performance.now();
  gc();
  return performance.now() - started;
}
