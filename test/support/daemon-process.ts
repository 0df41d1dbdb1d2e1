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
  stdout(): string;
  stderr(): string;
  /** Resolves once the process exited and its output is drained. */
  exited: Promise<number | null>;
  /** Waits until the output after `from` matches `pattern` `count` times; returns the matches. */
  waitFor(pattern: RegExp, options?: { from?: number; count?: number; timeoutMs?: number }): Promise<RegExpMatchArray[]>;
  /** Sends the signal (SIGTERM by default) and returns the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A command run to its end: exit status and what it printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved. */
  all: string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
/** The whole output of every process of this test file that has ended: for scans such as "no secret was ever printed". */
const finished: string[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `cwd`: the working directory (default: this process's), against which relative paths in `env` resolve. */
export function startDaemon(env: Record<string, string>, args: string[] = ['run'], { cwd }: { cwd?: string } = {}): DaemonProcess {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let all = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    all += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    all += chunk.toString('utf8');
  });
  // 'close', not 'exit': it comes after stdout and stderr are drained, so output() is complete.
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      live.delete(child);
      finished.push(all);
      resolve(code);
    }),
  );
  return {
    child,
    output: () => all,
    stdout: () => stdout,
    stderr: () => stderr,
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
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs a command to its end (killed after `timeoutMs`), in `cwd` if given. */
export async function runCommand(args: string[], env: Record<string, string>, { timeoutMs = 30_000, cwd }: { timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  const command = startDaemon(env, args, { cwd });
  const timer = setTimeout(() => command.child.kill('SIGKILL'), timeoutMs);
  const code = await command.exited;
  clearTimeout(timer);
  return { code, stdout: command.stdout(), stderr: command.stderr(), all: command.output() };
}

/** The output of every process this test file started that has ended, in the order they ended. */
export function finishedOutputs(): readonly string[] {
  return finished;
}
