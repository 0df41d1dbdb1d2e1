// An incremental run's view of Pocket ID's database (docs/incremental-history.md,
// "Earlier rounds"): every user and group as a full run reads them, but the
// memberships only of the users this run's changes can move, read by key once
// the plan knows who they are (src/sync/membership-scope.ts), instead of a
// million rows.
import { randomUUID } from 'node:crypto';
import type { PocketIdDatabase, StateRead, StateScope } from '../db/database.js';
import { membershipNeeds } from '../sync/membership-scope.js';
import type { PlannedMembers } from '../sync/planned-members.js';
import { stagePlan, type TouchedUsers } from '../sync/plan.js';
import { screenGroups } from '../sync/plan-groups.js';
import { expandNestedGroups } from '../sync/nested-groups.js';
import type { KeptUser } from '../sync/kept-directory.js';
import { adminChanges, TouchedSelection, type UserChanges } from '../sync/touched-users.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { CurrentState, CurrentUser, PlanOptions, SyncPlan, UserBook, UserKeys } from '../sync/types.js';
import { failsAs } from './fails-as.js';
import type { LeanStateAhead } from './read-ahead.js';
import { nfc } from '../text/go-text.js';
import type { SyncMemory } from './sync-memory.js';

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
 * the last committed plan (`previous`) wanted. With `touched`, lean's users
 * are the rows read for those entries (touchedUsers below).
 */
export async function touchedState(
  db: PocketIdDatabase,
  lean: StateRead,
  context: { snapshot: DirectorySnapshot; previous: PlannedMembers; touched?: TouchedUsers },
  options: PlanOptions,
): Promise<TouchedState> {
  const started = performance.now();
  const staged = stagePlan(context.snapshot, lean.state, options, randomUUID, context.touched);
  const needs = membershipNeeds(staged, context.previous);
  const stageMs = performance.now() - started;
  const { memberships, scope } = await failsAs('database', () => db.readMembershipsOf(needs));
  const state: CurrentState = { ...lean.state, memberships, membershipScope: scope };
  let finished: SyncPlan | undefined;
  return {
    ahead: { ...lean, state },
    stageMs,
    planFor: (asked) => (asked === state ? (finished ??= staged.finish(memberships, scope, needs.rows)) : undefined),
  };
}

/** What an incremental run that plans only its touched users needs: the memory's book and kept users, and what the read changed. */
export interface TouchedContext {
  book: UserBook;
  kept: ReadonlyMap<string, KeptUser>;
  changes: UserChanges & { dns: ReadonlySet<string> };
}

/** What an incremental run needs to plan only its touched users, when the memory has it. */
export function touchedContext(memory: SyncMemory | undefined, changes: TouchedContext['changes'] | undefined): TouchedContext | undefined {
  const book = memory?.userBook;
  const kept = memory?.kept;
  return book && kept && changes ? { book, kept: kept.users, changes } : undefined;
}

/**
 * Pocket ID's state for a plan over the touched users only: the user rows
 * their entries need, read by key until no row brings in another entry
 * (touched-users.ts), every group, no membership.
 */
async function readTouched(db: PocketIdDatabase, scope: StateScope, snapshot: DirectorySnapshot, context: TouchedContext & { started?: LeanStateAhead }, options: PlanOptions) {
  // Which users the admin flag goes to now: only the admin groups' own entries decide it, not their rows.
  const named = (g: { name: string }) => options.adminGroupName !== '' && nfc(g.name) === options.adminGroupName;
  const admins = screenGroups(expandNestedGroups(snapshot.groups).filter(named), [], options, []).adminUsernames;
  const seeds = { changes: context.changes, skippedKeys: context.book.skippedKeys, adminNames: adminChanges(context.book.admins, admins) };
  const selection = new TouchedSelection(context.kept, seeds);
  const users = async (read: (keys: UserKeys) => Promise<CurrentUser[]>) => {
    const rows: CurrentUser[] = [];
    for (let keys = selection.keys(); keys; keys = selection.keys()) rows.push(...selection.take(await read(keys)));
    return rows;
  };
  // Started while LDAP was read (PostgreSQL), or read now.
  const lean = await (context.started ? context.started.read(users) : failsAs('database', () => db.readState(scope, { memberships: false, users })));
  const touched: TouchedUsers = { entries: selection.inOrder(snapshot.users), dns: context.changes.dns, book: context.book };
  return { lean, touched };
}

/**
 * An incremental run given the last committed plan's members (`previous`): the state read ahead without
 * memberships (or read so now) and planned from the memberships it needs; undefined when the state read
 * ahead holds every membership (planned whole, as in a full run). With `touched` and nothing read ahead,
 * only the touched users are planned (readTouched), from the lean read `started` while LDAP was read, if any.
 */
export async function planFromTouched(
  db: PocketIdDatabase,
  context: { snapshot: DirectorySnapshot; readAhead: StateRead | undefined; scope: StateScope; previous: PlannedMembers; touched?: TouchedContext; started?: LeanStateAhead },
  options: PlanOptions,
): Promise<TouchedState | undefined> {
  const { snapshot, readAhead, scope, previous } = context;
  if (!readAhead && context.touched) {
    const { lean, touched } = await readTouched(db, scope, snapshot, { ...context.touched, ...(context.started ? { started: context.started } : {}) }, options);
    return touchedState(db, lean, { snapshot, previous, touched }, options);
  }
  const lean = readAhead ?? (await failsAs('database', () => db.readState(scope, { memberships: false })));
  return lean.state.membershipScope ? touchedState(db, lean, { snapshot, previous }, options) : undefined;
}
