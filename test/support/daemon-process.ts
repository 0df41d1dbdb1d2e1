// The daemon (or any CLI command) as an operator runs it: `node dist/src/cli/main.js run` as a child
// process, observed only through its output, its exit status and its HTTP port.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');

export interface DaemonProcess {
  child: ChildProcess;
  /** stdout and stderr interleaved as they arrived. */
  output(): string;
  exited: Promise<number | null>;
  /** Waits until the output after `from` matches `pattern` `count` times; returns the matches. */
  waitFor(pattern: RegExp, options?: { from?: number; count?: number; timeoutMs?: number }): Promise<RegExpMatchArray[]>;
  /** SIGTERM and the exit status. */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startDaemon(env: Record<string, string>, args: string[] = ['run']): DaemonProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let all = '';
  child.stdout!.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  // 'close', not 'exit': it comes after stdout and stderr are drained, so output() is complete.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => all,
    exited,
    async waitFor(pattern, { from = 0, count = 1, timeoutMs = 20_000 } = {}) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matches = [...all.slice(from).matchAll(global)];
        if (matches.length >= count) return matches;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${count} × ${pattern} in:\n${all}`);
        if (child.exitCode !== null) assert.fail(`the daemon exited (${child.exitCode}) before ${pattern} in:\n${all}`);
        await sleep(25);
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
