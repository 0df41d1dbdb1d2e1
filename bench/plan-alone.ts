/**
 * plan() measured alone: `npm run bench:plan [-- --workload M|L] [--runs N] [--check]`.
 *
 * Builds the snapshot of a benchmark directory and the database state after
 * its initial sync once (bench/lib/plan-inputs.ts, no server), then times the
 * no-change plan `--runs` times (default 7) after a full garbage collection
 * each, and prints the median and the range of its CPU time (this process:
 * the plan runs on one thread, but the collector's helper threads count too)
 * and wall time. Wall times on a shared machine are noisy; CPU time much less.
 *
 * `--claims` times the claims' part of the no-change plan instead (planClaims
 * alone, with the bench's claims: bench/lib/claim-inputs.ts, two string claims
 * and an array claim on every user, 300,000 stored rows at L).
 *
 * `--profile FILE` writes a CPU profile of the timed runs alone (the inputs'
 * construction left out), for bench/lib/profile.ts or Chrome's DevTools.
 *
 * The state's rows come in id order, as both databases hand them over after
 * the sync inserted them (`--rows directory`: in the directory's order, as
 * this harness had them until 30 November; a plan that relies on that order
 * looks faster there than it is).
 *
 * `--check` also prints a digest of the plans of six cases: no change, the
 * bench's "1 %" change (bench/lib/model.ts mutate), the same without the
 * member entries a full read records (DirectoryGroup.memberEntries), and an
 * initial sync, against rows in directory order (the digests recorded before);
 * then no change and the 1 % change against rows in id order. Two
 * versions of the plan that print the same digests produce the same plans
 * (new ids come from a seeded generator).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpuUsage } from 'node:process';
import { plan } from '../src/sync/plan.js';
import { planClaims } from '../src/sync/plan-claims.js';
import type { DirectorySnapshot } from '../src/sync/snapshot.js';
import type { CurrentState } from '../src/sync/types.js';
import { addClaims, benchClaimMappings, storedClaimsAfterSync } from './lib/claim-inputs.js';
import { generate, mutate, WORKLOADS, type DirectoryModel, type WorkloadName } from './lib/model.js';
import { BENCH_PLAN_OPTIONS, EMPTY_STATE, planDigest, seededIds, snapshotOf, stateAfterSync } from './lib/plan-inputs.js';

interface Options {
  workload: WorkloadName;
  runs: number;
  check: boolean;
  rowOrder: 'id' | 'directory';
  claims: boolean;
  profile?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { workload: 'L', runs: 7, check: false, rowOrder: 'id', claims: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--workload') options.workload = argv[++i] === 'M' ? 'M' : 'L';
    else if (arg === '--runs') options.runs = Math.max(1, Number(argv[++i]));
    else if (arg === '--check') options.check = true;
    else if (arg === '--rows') options.rowOrder = argv[++i] === 'directory' ? 'directory' : 'id';
    else if (arg === '--profile') options.profile = argv[++i];
    else if (arg === '--claims') options.claims = true;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** `work`'s CPU and wall ms, after a full collection; `check` throws when its result is not what a no-change plan gives. */
function timed<T>(work: () => T, check: (result: T) => void): { cpuMs: number; wallMs: number } {
  collect();
  const cpu = cpuUsage();
  const started = performance.now();
  const result = work();
  const wallMs = performance.now() - started;
  const used = cpuUsage(cpu);
  check(result);
  return { cpuMs: (used.user + used.system) / 1000, wallMs };
}

function timePlan(snapshot: DirectorySnapshot, state: CurrentState): { cpuMs: number; wallMs: number } {
  return timed(
    () => plan(snapshot, state, BENCH_PLAN_OPTIONS, seededIds(2)),
    (result) => {
      if (result.users.unchanged === 0) throw new Error('the no-change plan kept no user unchanged');
    },
  );
}

/** Runs `work` under the CPU profiler when `file` is given, and writes the profile there. */
async function profiled<T>(file: string | undefined, work: () => T): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const result = work();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  return result;
}

function report(name: string, runs: { cpuMs: number; wallMs: number }[]): void {
  const cpu = runs.map((r) => r.cpuMs);
  const wall = runs.map((r) => r.wallMs);
  console.log(`${name}, ${runs.length} runs: CPU median ${seconds(median(cpu))} s (${seconds(Math.min(...cpu))}-${seconds(Math.max(...cpu))}), wall median ${seconds(median(wall))} s (${seconds(Math.min(...wall))}-${seconds(Math.max(...wall))})`);
}

/**
 * The claims' part of the no-change plan alone (planClaims after the rest of the plan), after a full
 * collection each time. The first run is shown apart: a sync runs it once, before it is optimised.
 */
async function timeClaims(model: DirectoryModel, snapshot: DirectorySnapshot, state: CurrentState, options: Options): Promise<void> {
  const claims = benchClaimMappings();
  addClaims(model, snapshot, claims);
  const current = { ...state, claims: storedClaimsAfterSync(snapshot, claims) };
  const planned = plan(snapshot, state, BENCH_PLAN_OPTIONS, seededIds(2));
  // What screening hands planClaims: each entry's row among the LDAP rows (src/sync/screen-entries.ts).
  const ldapRow = new Map(state.users.filter((u) => u.ldapId !== null).map((u, k) => [u.ldapId, k]));
  const rowOfEntry = { users: Int32Array.from(snapshot.users, (u) => ldapRow.get(u.ldapId) ?? -1), groups: new Int32Array(snapshot.groups.length).fill(-1) };
  const runs = await profiled(options.profile, () =>
    Array.from({ length: options.runs }, () =>
      timed(
        () => planClaims(snapshot, current, planned, claims, seededIds(3), rowOfEntry),
        (result) => {
          const { create, update, delete: removed } = result.claims.users;
          if (create.length + update.length + removed.length + result.skips.length > 0) throw new Error('the no-change plan changes claims');
        },
      ),
    ),
  );
  console.log(`planClaims, first run: CPU ${runs[0]?.cpuMs.toFixed(0)} ms, wall ${runs[0]?.wallMs.toFixed(0)} ms`);
  if (runs.length > 1) report('planClaims, the runs after it', runs.slice(1));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with node --expose-gc for a collection before each run)');
  const model = generate(WORKLOADS[options.workload]);
  const snapshot = snapshotOf(model);
  const state = stateAfterSync(snapshot);
  const inDirectoryOrder = stateAfterSync(snapshot, 'directory');
  const timed = options.rowOrder === 'id' ? state : inDirectoryOrder;
  console.log(`workload ${options.workload}: ${snapshot.users.length} users, ${snapshot.groups.length} groups, ${state.memberships.size} users with memberships, rows in ${options.rowOrder} order`);
  if (options.claims) {
    await timeClaims(model, snapshot, timed, options);
    return;
  }
  const runs = await profiled(options.profile, () => Array.from({ length: options.runs }, () => timePlan(snapshot, timed)));
  report('no-change plan', runs);
  if (!options.check) return;
  const mutated = mutate(model).model;
  const cases: [string, DirectorySnapshot, CurrentState][] = [
    ['no-change', snapshot, inDirectoryOrder],
    ['1pct', snapshotOf(mutated), inDirectoryOrder],
    ['1pct without member entries', snapshotOf(mutated, false), inDirectoryOrder],
    ['initial', snapshot, EMPTY_STATE],
    ['no-change, rows in id order', snapshot, state],
    ['1pct, rows in id order', snapshotOf(mutated), state],
  ];
  for (const [name, directory, current] of cases) {
    const result = plan(directory, current, BENCH_PLAN_OPTIONS, seededIds(3));
    const counts = `users +${result.users.create.length} ~${result.users.update.length} -${result.users.disable.length + result.users.delete.length}, members +${result.memberships.add.length} -${result.memberships.remove.length}, skips ${result.skips.length}`;
    console.log(`digest ${name}: ${planDigest(result)} (${counts})`);
  }
}

await main();
