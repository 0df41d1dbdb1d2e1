// An incremental run's view of Pocket ID's database (docs/incremental.md, "What
// it costs"): every user and group as a full run reads them, but the
// memberships only of the users this run's changes can move, read by key once
// the plan knows who they are (src/sync/membership-scope.ts), instead of a
// million rows.
import { randomUUID } from 'node:crypto';
import type { PocketIdDatabase, StateRead, StateScope } from '../db/database.js';
import { membershipNeeds } from '../sync/membership-scope.js';
import type { PlannedMembers } from '../sync/planned-members.js';
import { stagePlan } from '../sync/plan.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { CurrentState, PlanOptions, SyncPlan } from '../sync/types.js';
import { failsAs } from './fails-as.js';

/** The state to plan from, and its plan (undefined for any other state: one read again by write() is planned whole). */
export interface TouchedState {
  ahead: StateRead;
  /** The part of planning done before the memberships were read. */
  stageMs: number;
  planFor(state: CurrentState): SyncPlan | undefined;
}

/**
 * `lean`: Pocket ID's state read without memberships (membershipScope empty).
 * The plan is made up to its membership diff, the memberships it needs are
 * read, and the plan finished from them: the same plan as from every
 * membership, as long as the memberships of the other users are still those
 * the last committed plan (`previous`) wanted.
 */
export async function touchedState(
  db: PocketIdDatabase,
  lean: StateRead,
  snapshot: DirectorySnapshot,
  options: PlanOptions,
  previous: PlannedMembers,
): Promise<TouchedState> {
  const started = performance.now();
  const staged = stagePlan(snapshot, lean.state, options, randomUUID);
  const needs = membershipNeeds(staged, previous);
  const stageMs = performance.now() - started;
  const { memberships, scope } = await failsAs('database', () => db.readMembershipsOf(needs));
  const state: CurrentState = { ...lean.state, memberships, membershipScope: scope };
  let finished: SyncPlan | undefined;
  return {
    ahead: { ...lean, state },
    stageMs,
    planFor: (asked) => (asked === state ? (finished ??= staged.finish(memberships, scope)) : undefined),
  };
}

/**
 * An incremental run given the last committed plan's members (`previous`): the state read ahead without
 * memberships (or read so now) and planned from the memberships it needs; undefined when the state read
 * ahead holds every membership (planned whole, as in a full run).
 */
export async function planFromTouched(
  db: PocketIdDatabase,
  context: { snapshot: DirectorySnapshot; readAhead: StateRead | undefined; scope: StateScope; previous: PlannedMembers },
  options: PlanOptions,
): Promise<TouchedState | undefined> {
  const { snapshot, readAhead, scope, previous } = context;
  const lean = readAhead ?? (await failsAs('database', () => db.readState(scope, { memberships: false })));
  return lean.state.membershipScope ? touchedState(db, lean, snapshot, options, previous) : undefined;
}
