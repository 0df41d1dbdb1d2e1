import { rmSync } from 'node:fs';

/**
 * Runs `cleanup` (synchronously) when the process exits, and on SIGINT,
 * SIGTERM or SIGHUP; after a signal the process then dies of it as it would
 * have without us, unless someone else handles it. Throwaway servers use it
 * so that no slapd or PostgreSQL outlives the test process.
 */
export function onProcessExit(cleanup: () => void): void {
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Deletes a throwaway directory, unless TEST_KEEP_TMP=1 keeps it for debugging. */
export function removeThrowawayDir(dir: string): void {
  if (!process.env.TEST_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
}

/**
 * The throwaway servers of one kind that this process started. When the
 * process exits (or dies of a signal) each one still registered is stopped
 * with `stopSync` and its directory deleted.
 */
export class ThrowawayRegistry<T extends { dir: string }> {
  private readonly entries = new Set<T>();
  private cleanupInstalled = false;

  constructor(private readonly stopSync: (entry: T) => void) {}

  add(entry: T): void {
    if (!this.cleanupInstalled) {
      this.cleanupInstalled = true;
      onProcessExit(() => this.stopAllSync());
    }
    this.entries.add(entry);
  }

  has(entry: T): boolean {
    return this.entries.has(entry);
  }

  /** Forgets a server that is stopped (or never started) and deletes its directory. */
  remove(entry: T): void {
    this.entries.delete(entry);
    removeThrowawayDir(entry.dir);
  }

  get all(): T[] {
    return [...this.entries];
  }

  private stopAllSync(): void {
    for (const entry of this.entries) {
      try {
        this.stopSync(entry);
      } catch {
        /* best effort: it may be gone already */
      }
      removeThrowawayDir(entry.dir);
    }
    this.entries.clear();
  }
}
