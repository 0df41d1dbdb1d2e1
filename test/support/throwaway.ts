import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The project root: the nearest ancestor of this module that has a package.json. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('project root (package.json) not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Runs a server's tool to completion; its stdout, or an error with its output. */
export function runTool(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stderr}${stdout}`.trimEnd()));
      else resolve(stdout);
    });
  });
}

/** The end of a server's log file, for error messages. */
export function readLogTail(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > 8000 ? '…' + text.slice(-8000) : text;
  } catch {
    return '(no log)';
  }
}
