// What one daemon keeps between runs for LDAP_SYNC_INCREMENTAL
// (docs/incremental.md): the last snapshot (lean), the watermark, when the
// last full run and the last deletion scan were, and the last plan's skips.
// Nothing of it is written anywhere: a restart begins with a full run.
import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import { parseSchedule, type Schedule } from '../config/schedule.js';
import type { Watermark } from '../ldap/change-markers.js';
import type { KnownUsers } from '../ldap/known-users.js';
import type { KeptDirectory } from '../sync/kept-directory.js';
import type { PlannedMembers } from '../sync/planned-members.js';
import { emptyPlan } from '../sync/plan.js';
import type { SyncPlan } from '../sync/types.js';
import type { UserBook } from '../sync/types.js';

/** What a run that finds no change repeats of the last plan: its skips, and the LDAP rows kept. */
export interface PlanEcho {
  managed: SyncPlan['managed'];
  users: number;
  groups: number;
  skips: SyncPlan['skips'];
}

export function planEcho(plan: SyncPlan): PlanEcho {
  return {
    managed: plan.managed,
    users: plan.users.unchanged + plan.users.update.length + plan.users.create.length,
    groups: plan.groups.unchanged + plan.groups.update.length + plan.groups.create.length,
    skips: plan.skips,
  };
}

export interface SyncMemory {
  kept: KeptDirectory | null;
  /** The kept users as member values name them (known-users.ts): with `kept`, updated by each merge. */
  knownUsers: KnownUsers | null;
  watermark: Watermark | null;
  /** Why the last full run left nothing an incremental run can start from. */
  markerProblem: 'marker-unavailable' | 'ids-not-unique' | undefined;
  /** settingsHash() of the run that filled the memory. */
  settingsHash: string;
  lastFullAt: Date | null;
  lastScanAt: Date | null;
  lastRunFailed: boolean;
  /** Member value → normalised DN, so a member DN is parsed once per process (groupsToResolve). */
  normalized: Map<string, string>;
  /** Of the last committed plan: what a run that finds no change reports again. */
  lastPlan: PlanEcho | null;
  /** Of the last committed plan: each group's member usernames (SyncPlan.groupMembers), from which an incremental run finds the memberships to read. */
  plannedMembers: PlannedMembers | null;
  /** Of the last committed plan: its users (SyncPlan.userBook), from which an incremental run plans only the touched ones. */
  userBook: UserBook | null;
  /** LDAP_SYNC_FULL_SCHEDULE and LDAP_SYNC_DELETION_SCHEDULE, counted from the memory's creation (the daemon's start). */
  readonly createdAt: Date;
  schedules: Map<string, Schedule>;
}

/** One per daemon (syncRunWith): the scheduler's runs share it. */
export function createSyncMemory(now: Date = new Date()): SyncMemory {
  return {
    kept: null,
    knownUsers: null,
    watermark: null,
    markerProblem: undefined,
    settingsHash: '',
    lastFullAt: null,
    lastScanAt: null,
    lastRunFailed: false,
    normalized: new Map(),
    lastPlan: null,
    plannedMembers: null,
    userBook: null,
    createdAt: now,
    schedules: new Map(),
  };
}

/** After a failed run nothing kept is trusted: the next run is full. */
export function forgetAfterFailure(memory: SyncMemory): void {
  memory.kept = null;
  memory.knownUsers = null;
  memory.watermark = null;
  memory.lastPlan = null;
  memory.plannedMembers = null;
  memory.userBook = null;
  memory.normalized.clear();
  memory.lastRunFailed = true;
}

/** Everything that shapes what is read and planned (never the password): a change means a full run. */
export function settingsHash(config: Pick<Config, 'ldap' | 'rules'>): string {
  const { bindPassword: _secret, ...ldap } = config.ldap;
  return createHash('sha256').update(JSON.stringify({ ldap, rules: config.rules })).digest('hex');
}

/** True when `schedule` ('' = always) has a time after `last` that is not after `now`; always true without a `last`. */
export function scheduleDue(memory: SyncMemory, schedule: string, last: Date | null, now: Date): boolean {
  if (schedule === '' || last === null) return true;
  let parsed = memory.schedules.get(schedule);
  if (!parsed) {
    parsed = parseSchedule(schedule, memory.createdAt);
    memory.schedules.set(schedule, parsed);
  }
  const next = parsed.next(last);
  return next !== null && next.getTime() <= now.getTime();
}

/**
 * The plan of a run that found no change: nothing to write, and the last
 * plan's skips and counts of kept rows, so the job line and the skip metrics
 * say the same as after the run that last changed something.
 */
export function planWithoutChange(last: PlanEcho | null): SyncPlan {
  const plan = emptyPlan(last?.managed);
  if (!last) return plan;
  plan.users.unchanged = last.users;
  plan.groups.unchanged = last.groups;
  plan.skips = last.skips;
  return plan;
}
