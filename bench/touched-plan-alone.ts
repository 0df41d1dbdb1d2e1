/**
 * An incremental run's plan measured alone (no server): `node --expose-gc
 * dist/bench/touched-plan-alone.js [--workload M|L] [--runs N] [--profile FILE] [--heap FILE]`.
 *
 * What src/run/touched-state.ts does after the read of a 1 % run, on the
 * inputs of bench/plan-alone.ts: the last committed plan of the directory
 * (its book of users and planned members), then the bench's 1 % change
 * (bench/lib/model.ts mutate) as the kept copy has it after a run without the
 * id scan (removed users still kept, the groups without them; unchanged
 * entries the very same objects), the touched users' rows selected by key,
 * stagePlan, membershipNeeds, and finish over the memberships it names. The
 * reads by key are made before the clock starts (in the run they are I/O);
 * each run gets a fresh copy of the book (a plan patches it in place). Prints
 * the CPU and wall median of each step and a digest of the plan, which two
 * versions of the plan must print alike.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpuUsage } from 'node:process';
import { entryKey, type KeptUser } from '../src/sync/kept-directory.js';
import { membershipNeeds } from '../src/sync/membership-scope.js';
import { plan, stagePlan } from '../src/sync/plan.js';
import { screenGroups } from '../src/sync/plan-groups.js';
import type { PlannedMembers } from '../src/sync/planned-members.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../src/sync/snapshot.js';
import { adminChanges, TouchedSelection } from '../src/sync/touched-users.js';
import { UserBook, type CurrentState, type CurrentUser, type SyncPlan, type UserKeys } from '../src/sync/types.js';
import { generate, mutate, WORKLOADS, type WorkloadName } from './lib/model.js';
import { BENCH_PLAN_OPTIONS, planDigest, seededIds, snapshotOf, stateAfterSync } from './lib/plan-inputs.js';

const same = (a: DirectoryUser, b: DirectoryUser) =>
  a.username === b.username && a.email === b.email && a.displayName === b.displayName && a.firstName === b.firstName && a.lastName === b.lastName;

/** The kept copy after the 1 % change: `before`'s objects wherever nothing changed. */
function keptAfter(before: DirectorySnapshot, after: DirectorySnapshot): DirectorySnapshot {
  const byId = new Map(after.users.map((u) => [u.ldapId, u]));
  const users = before.users.map((u) => {
    const next = byId.get(u.ldapId);
    return next && !same(u, next) ? next : u;
  });
  const index = new Map(users.map((u, e) => [u.ldapId, e]));
  const idOf = new Map(after.users.map((u) => [u.username, u.ldapId]));
  const groups = after.groups.map((group, g) => {
    const old = before.groups[g] as DirectoryGroup;
    const entries = group.memberUsernames.map((name) => index.get(idOf.get(name) as string) as number);
    const unchanged = entries.length === old.memberUsernames.length && entries.every((e, k) => users[e] === before.users[old.memberEntries?.[k] as number]);
    return unchanged ? old : { ...group, memberUsernames: entries.map((e) => (users[e] as DirectoryUser).username), memberEntries: entries };
  });
  return { ...before, users, groups };
}

/** The rows a database returns for `keys` (usernames case-insensitively). */
function readByKey(state: CurrentState, keys: UserKeys): CurrentUser[] {
  const ids = new Set(keys.ldapIds);
  const names = new Set(keys.usernames.map((n) => n.toLowerCase()));
  const emails = new Set(keys.emails);
  return state.users.filter((u) => (u.ldapId !== null && ids.has(u.ldapId)) || names.has(u.username.toLowerCase()) || (u.email !== null && emails.has(u.email)) || (keys.admins && u.isAdmin && u.ldapId !== null));
}

const copyBook = (b: UserBook) =>
  new UserBook({ ids: [...b.final.ids], indexByUsername: new Map(b.final.indexByUsername), others: new Set(b.final.others) }, b.admins, b.skippedKeys, b.claimSkips, b.entryRows);

interface Inputs {
  snapshot: DirectorySnapshot;
  lean: CurrentState;
  state: CurrentState;
  touched: { entries: DirectoryUser[]; dns: ReadonlySet<string> };
  book: UserBook;
  previous: PlannedMembers;
}

function inputs(workload: WorkloadName): Inputs {
  const model = generate(WORKLOADS[workload]);
  const first = snapshotOf(model);
  const state = stateAfterSync(first);
  const last = plan(first, state, BENCH_PLAN_OPTIONS, seededIds(2));
  const snapshot = keptAfter(first, snapshotOf(mutate(model).model));
  const kept = new Map<string, KeptUser>(snapshot.users.map((user) => [entryKey(user.ldapId, user.dn), { user, version: '', pictureDigest: '', hasAccountFlag: false }]));
  const changed = snapshot.users.filter((u, e) => u !== first.users[e]).map((u) => entryKey(u.ldapId, u.dn));
  const book = last.userBook as UserBook;
  const admins = screenGroups(snapshot.groups, [], BENCH_PLAN_OPTIONS, []).adminUsernames;
  const selection = new TouchedSelection(kept, { changes: { changed, removed: [] }, skippedKeys: book.skippedKeys, adminNames: adminChanges(book.admins, admins) });
  const rows: CurrentUser[] = [];
  for (let keys = selection.keys(); keys; keys = selection.keys()) rows.push(...selection.take(readByKey(state, keys)));
  const lean: CurrentState = { users: rows, groups: state.groups, memberships: new Map(), userScope: { ldapUsers: state.users.length - 1 } };
  return { snapshot, lean, state, touched: { entries: selection.inOrder(snapshot.users), dns: new Set() }, book, previous: last.groupMembers as PlannedMembers };
}

/** The memberships the database would return for `needs` (readMembershipsOf). */
function membershipsFor(state: CurrentState, needs: { userIds: string[]; groupIds: string[] }) {
  const scope = new Set(needs.userIds);
  const groups = new Set(needs.groupIds);
  if (groups.size > 0) state.memberships.forEach((joined, id) => joined.split(',').some((g) => groups.has(g)) && scope.add(id));
  const memberships = new Map<string, string>();
  for (const id of scope) if (state.memberships.has(id)) memberships.set(id, state.memberships.get(id) as string);
  return { memberships, scope };
}

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = cpuUsage(since);
  return (used.user + used.system) / 1000;
};

function timeOnce(i: Inputs): { stage: number; needs: number; finish: number; wall: number; plan: SyncPlan } {
  const book = copyBook(i.book);
  collect();
  const t0 = performance.now();
  let cpu = cpuUsage();
  const staged = stagePlan(i.snapshot, i.lean, BENCH_PLAN_OPTIONS, seededIds(3), { ...i.touched, book });
  const stage = cpuMs(cpu);
  cpu = cpuUsage();
  const needs = membershipNeeds(staged, i.previous);
  const needsMs = cpuMs(cpu);
  const t1 = performance.now();
  const { memberships, scope } = membershipsFor(i.state, needs);
  cpu = cpuUsage();
  const t2 = performance.now();
  const result = staged.finish(memberships, scope, needs.rows);
  const finish = cpuMs(cpu);
  const wall = performance.now() - t2 + (t1 - t0);
  return { stage, needs: needsMs, finish, wall, plan: result };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const i = inputs(arg('--workload') === 'M' ? 'M' : 'L');
  const runs = Number(arg('--runs') ?? 9);
  const file = arg('--profile');
  const heap = arg('--heap');
  const session = file || heap ? new Session() : undefined;
  session?.connect();
  if (session && file) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  if (session && heap) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const results = Array.from({ length: runs }, () => timeOnce(i));
  if (session && file) writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile));
  if (session && heap) writeFileSync(heap, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
  const median = (pick: (r: (typeof results)[0]) => number) => {
    const sorted = [...results.map(pick)].sort((a, b) => a - b);
    return `${sorted[Math.floor(runs / 2)]?.toFixed(1)} (min ${sorted[0]?.toFixed(1)})`;
  };
  const p = results[0]?.plan as SyncPlan;
  console.log(`${i.touched.entries.length} users planned; ${runs} runs, CPU ms median: stage ${median((r) => r.stage)}, needs ${median((r) => r.needs)}, finish ${median((r) => r.finish)}, all ${median((r) => r.stage + r.needs + r.finish)}; wall ${median((r) => r.wall)}`);
  const { userBook: _book, groupMembers: _members, ...shown } = p;
  console.log(`digest ${planDigest(shown as SyncPlan)} (users ~${p.users.update.length}, members +${p.memberships.add.length} -${p.memberships.remove.length}, skips ${p.skips.length}, groups unchanged ${p.groups.unchanged})`);
}

await main();
