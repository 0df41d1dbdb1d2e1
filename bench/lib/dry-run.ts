/**
 * `sync --dry-run` and `sync --dry-run --json` through the real CLI (dist/src/cli/main.js in the bench's copy of
 * dist/), on the database the initial sync is about to fill: the initial plan, the largest a dry run prints.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SyncRunResult } from './protocol.js';

/** Exit statuses a dry run may end with (src/cli/main.ts): 0, or 6 when a guard would refuse the real run. */
export const DRY_RUN_OK_STATUSES = [0, 6];

/** The counts of a plan, as the JSON report and the real run's plan both give them. */
export type PlanCounts = Pick<
  SyncRunResult['summary'],
  | 'usersCreated'
  | 'usersUpdated'
  | 'usersDisabled'
  | 'usersDeleted'
  | 'groupsCreated'
  | 'groupsUpdated'
  | 'groupsDeleted'
  | 'membershipsAdded'
  | 'membershipsRemoved'
>;

export interface DryRunResult {
  format: 'text' | 'json';
  exitCode: number | null;
  /** spawn → exit, module loading included. */
  wallMs: number;
  cpuMs: number;
  maxRssKiB: number;
  stdoutBytes: number;
  /** json only: the plan's counts read back from the output; null when it did not parse. */
  counts: PlanCounts | null;
  parseError: string | null;
  stderrTail: string;
  load: [number, number];
}

interface PlanLike {
  users: { create: unknown[]; update: unknown[]; disable: unknown[]; delete: unknown[] };
  groups: { create: unknown[]; update: unknown[]; delete: unknown[] };
  memberships: { add: unknown[]; remove: unknown[] };
}

export function planCounts(plan: PlanLike): PlanCounts {
  return {
    usersCreated: plan.users.create.length,
    usersUpdated: plan.users.update.length,
    usersDisabled: plan.users.disable.length,
    usersDeleted: plan.users.delete.length,
    groupsCreated: plan.groups.create.length,
    groupsUpdated: plan.groups.update.length,
    groupsDeleted: plan.groups.delete.length,
    membershipsAdded: plan.memberships.add.length,
    membershipsRemoved: plan.memberships.remove.length,
  };
}

function readCounts(file: string): { counts: PlanCounts | null; parseError: string | null } {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { plan: PlanLike };
    return { counts: planCounts(parsed.plan), parseError: null };
  } catch (error) {
    return { counts: null, parseError: error instanceof Error ? error.message : String(error) };
  }
}

/** One `sync --dry-run [--json]` in a child; its stdout goes to a file in workDir. */
export async function runDryRun(distDir: string, env: Record<string, string>, format: 'text' | 'json', workDir: string, label: string, loadavg: () => number): Promise<DryRunResult> {
  const stdoutFile = path.join(workDir, `${label}.${format === 'json' ? 'json' : 'txt'}`);
  const usageFile = path.join(workDir, `${label}.usage.json`);
  const fd = openSync(stdoutFile, 'w');
  const args = ['--import', path.join(distDir, 'bench', 'lib', 'exit-usage.js'), path.join(distDir, 'src', 'cli', 'main.js'), 'sync', '--dry-run', ...(format === 'json' ? ['--json'] : [])];
  const started = performance.now();
  const loadBefore = loadavg();
  const child = spawn(process.execPath, args, { stdio: ['ignore', fd, 'pipe'], env: { PATH: process.env.PATH ?? '', ...env, BENCH_USAGE_OUT: usageFile } });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  const wallMs = performance.now() - started;
  closeSync(fd);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpuMs: number; maxRssKiB: number };
  const parsed = format === 'json' ? readCounts(stdoutFile) : { counts: null, parseError: null };
  return { format, exitCode, wallMs, ...usage, stdoutBytes: statSync(stdoutFile).size, ...parsed, stderrTail: stderr.trim().split('\n').slice(-5).join('\n'), load: [loadBefore, loadavg()] };
}
