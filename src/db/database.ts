import type { CurrentState, GroupChange, Membership, NewGroup, NewUser, UserChange } from '../sync/types.js';

/**
 * The set-based statements apply() is made of. Each database implements them
 * in its own idiom (unnest arrays on PostgreSQL, multi-row VALUES on SQLite);
 * none of them issues a statement per row.
 */
export interface SyncWriter {
  deleteGroups(ids: string[]): Promise<void>;
  deleteUsers(ids: string[]): Promise<void>;
  /** Give up unique values (username, email / group name) another row takes over in this run. */
  vacateUsers(ids: string[]): Promise<void>;
  vacateGroups(ids: string[]): Promise<void>;
  updateUsers(changes: UserChange[], now: Date): Promise<void>;
  insertUsers(users: NewUser[], now: Date): Promise<void>;
  disableUsers(ids: string[], now: Date): Promise<void>;
  updateGroups(changes: GroupChange[], now: Date): Promise<void>;
  insertGroups(groups: NewGroup[], now: Date): Promise<void>;
  removeMemberships(memberships: Membership[]): Promise<void>;
  addMemberships(memberships: Membership[]): Promise<void>;
}

export interface SchemaReport {
  /** Problems that make writing unsafe: the run is refused. */
  problems: string[];
  warnings: string[];
  version?: bigint;
}

/**
 * Thrown by PocketIdDatabase.write() when another sync holds the write lock
 * (on PostgreSQL: the advisory lock of POSTGRES_SYNC_LOCK_KEY). Nothing was
 * written; the run is skipped, not failed: another instance is syncing.
 */
export class SyncLockBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncLockBusyError';
  }
}

export type DatabaseKind = 'postgres' | 'sqlite';

/** Pocket ID's database, PostgreSQL or SQLite, behind one interface. */
export interface PocketIdDatabase {
  readonly kind: DatabaseKind;
  /** Where it points, safe to log: never a password. */
  readonly description: string;
  /** Is this a Pocket ID database of a version and shape the sync can write? */
  checkSchema(): Promise<SchemaReport>;
  /** The current state without taking any write lock (dry runs). */
  readState(): Promise<CurrentState>;
  /**
   * One run's write: `prepare` turns the current state into what to do (the
   * plan; it may throw to refuse), `commit` writes it through the writer, and
   * both see one consistent state inside a single transaction that commits
   * when `commit` resolves and rolls back when anything throws. Returns what
   * `prepare` returned.
   */
  write<P>(prepare: (state: CurrentState) => P, commit: (prepared: P, writer: SyncWriter) => Promise<void>): Promise<P>;
  close(): Promise<void>;
}
