// Every measured run is a fresh child process (run-one.js from the private copy of dist/), so peak RSS and CPU are
// per run; with --profile under node --cpu-prof.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import type { RunResult, RunSpec } from './protocol.js';

export interface ChildOutcome<R extends RunResult> {
  result: R;
  /** spawn → exit, module loading included. */
  processMs: number;
  /** 1-minute load average of the machine when the child started and when it ended. */
  load: [number, number];
  stderr: string;
  profile?: ProfileSummary;
}


export class ChildRunner {
  private counter = 0;

  /** runOne: run-one.js in the copy of dist/; snapshotDir: that copy (the dry runs' real CLI runs from it). */
  constructor(
    readonly runOne: string,
    readonly snapshotDir: string,
    private readonly profileDir: string,
    private readonly root: string,
  ) {}

  async run<R extends RunResult>(spec: Omit<RunSpec, 'out'>, workDir: string, profile: boolean): Promise<ChildOutcome<R>> {
    this.counter += 1;
    const out = path.join(workDir, `run-${this.counter}.json`);
    const profileName = `${String(this.counter).padStart(2, '0')}-${spec.label.replace(/[^A-Za-z0-9_.-]+/g, '_')}.cpuprofile`;
    const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${this.profileDir}`, `--cpu-prof-name=${profileName}`] : [];
    const started = performance.now();
    const loadBefore = os.loadavg()[0] ?? 0;
    const child = spawn(process.execPath, [...nodeArgs, this.runOne, JSON.stringify({ ...spec, out })], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-20_000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    const processMs = performance.now() - started;
    if (code !== 0) throw new Error(`${spec.label}: child exited with ${code}\n${stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as R;
    const outcome: ChildOutcome<R> = { result, processMs, load: [loadBefore, os.loadavg()[0] ?? 0], stderr };
    if (profile) outcome.profile = summarizeProfile(path.join(this.profileDir, profileName), this.root);
    return outcome;
  }
}
