import type { CurrentState, GroupChange, Membership, NewGroup, NewUser, UserChange } from '../sync/types.js';
import type { SchemaReport } from './schema-check.js';

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
   * Runs `work` inside the single write transaction of a run, with the state
   * read inside that same transaction. Commits when `work` resolves, rolls back
   * when it throws.
   */
  write<T>(work: (state: CurrentState, writer: SyncWriter) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
