import { SyncFailure } from '../sync/failure.js';
import type { MembershipNeeds } from '../sync/membership-scope.js';
import type { CredentialTables, RevokedCredentials } from './credential-revocation.js';
import type { ClaimMappings, ClaimRemoval, ClaimWrite, CurrentState, CurrentUser, GroupChange, Membership, NewClaim, NewGroup, NewUser, SyncPlan, UserChange, UserKeys } from '../sync/types.js';

/** Whose custom claims a statement writes: users' (custom_claims.user_id) or groups' (user_group_id). */
export type ClaimOwner = 'user' | 'group';

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
  /** Makes every OAuth2 credential of these users unusable, as Pocket ID retires used or revoked ones. */
  revokeCredentials(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]>;
  insertClaims(owner: ClaimOwner, claims: NewClaim[], now: Date): Promise<void>;
  updateClaims(owner: ClaimOwner, claims: ClaimWrite[]): Promise<void>;
  deleteClaims(owner: ClaimOwner, claims: ClaimRemoval[]): Promise<void>;
  /** `work` done once, right after the next statement is sent: CPU work of this process while the server runs it. */
  meanwhile(work: () => void): void;
  /** Resolves once the last statement sent has succeeded (a writer may leave it running when a method returns). */
  settle(): Promise<void>;
}

/** What a run needs beyond users, groups and memberships. */
export interface StateScope {
  /** Configured custom claims: custom_claims is checked, and the owned claims read. */
  claims?: ClaimMappings;
}

export interface SchemaReport {
  /** Problems that make writing unsafe: the run is refused. */
  problems: string[];
  warnings: string[];
  version?: bigint;
  /** The credential tables session revocation can write; `missing` says why revocation cannot run. */
  credentials: CredentialTables & { missing?: string };
}

/**
 * Thrown by PocketIdDatabase.write() when another sync holds the write lock
 * (on PostgreSQL: the advisory lock of POSTGRES_SYNC_LOCK_KEY). Nothing was
 * written; the run is skipped, not failed: another instance is syncing.
 */
export class SyncLockBusyError extends SyncFailure {
  constructor(message: string) {
    super('lock_skipped', message);
    this.name = 'SyncLockBusyError';
  }
}

export type DatabaseKind = 'postgres' | 'sqlite';

/** Reported after each committed write transaction (SQLite commits a large plan in several). */
export interface WriteProgress {
  committed: number;
  total: number;
  /** What the transaction wrote: "insert users 3000, add memberships 12000". */
  wrote: string;
  heldMs: number;
}

export interface WriteResult {
  /** The plan that was written (made again when the rows it touches changed before anything was committed). */
  plan: SyncPlan;
  transactions: number;
  /** First write statement → last commit, pauses between SQLite batches included. */
  applyMs: number;
  /** The longest time one transaction held the write lock. */
  longestTransactionMs: number;
  /** The credentials revoked with the users the committed transactions disabled or deleted. */
  revoked: RevokedCredentials[];
}

/** What readCurrentState may leave out: without `memberships`, no user's (CurrentState.membershipScope empty; readMembershipsOf reads some). */
export interface StateParts {
  memberships?: boolean;
  /**
   * Reads only some users (CurrentState.userScope): `choose` is handed a
   * reader of rows by key and returns the rows it settled on, in the same
   * snapshot as the groups (touched-users.ts decides which).
   */
  users?: (read: (keys: UserKeys) => Promise<CurrentUser[]>) => Promise<CurrentUser[]>;
}

/** The state as read ahead of a write (readState), and what the database needs to tell later whether it changed meanwhile. */
export interface StateRead {
  state: CurrentState;
  /** SQLite: the connection's PRAGMA data_version when the state was read. */
  version?: unknown;
}

export interface WriteOptions {
  now: Date;
  /**
   * The state read ahead (readState), while LDAP was being read: the plan is
   * made from it outside any transaction, and only the rows the plan touches
   * are checked inside it (expectation-check.ts); a plan that writes nothing
   * opens no transaction at all. Without it write() reads the state itself.
   */
  ahead?: StateRead;
  /** What to read besides users, groups and memberships (the same as for readState). */
  scope?: StateScope;
  onCommitted?: (progress: WriteProgress) => void;
  /** Revoke the credentials of the users the plan disables or deletes, in these tables (LDAP_SYNC_REVOKE_SESSIONS). */
  revoke?: CredentialTables | null;
}

/** Pocket ID's database, PostgreSQL or SQLite, behind one interface. */
export interface PocketIdDatabase {
  readonly kind: DatabaseKind;
  /** Where it points, safe to log: never a password. */
  readonly description: string;
  /** Is this a Pocket ID database of a version and shape the sync can write? */
  checkSchema(scope?: StateScope): Promise<SchemaReport>;
  /** The current state without taking any lock or holding a transaction open afterwards (dry runs, and ahead of write()); `parts` may leave the memberships out. */
  readState(scope?: StateScope, parts?: StateParts): Promise<StateRead>;
  /** The memberships of some users (and of every member of some groups), by key, without a lock (state-reader.ts readMembershipsOf). */
  readMembershipsOf(needs: MembershipNeeds): Promise<{ memberships: Map<string, string>; scope: Set<string> }>;
  /** Read-only, without a write lock (dry runs): what revokeCredentials would change now. */
  countRevocableCredentials(userIds: string[], tables: CredentialTables): Promise<RevokedCredentials[]>;
  /** How many write transactions writing this plan takes (the dry run reports it). */
  transactionsFor(plan: SyncPlan, state: CurrentState): number;
  /**
   * One run's write: `prepare` turns the current state into the plan (it may
   * throw to refuse, before anything is written), which is then written in
   * step order (src/db/apply.ts). PostgreSQL writes it in one transaction;
   * SQLite in batches that each hold the write lock briefly (src/db/batches.ts).
   * A failure part-way through a batched write leaves every committed batch in
   * place (each is consistent on its own) and says how many were committed.
   */
  write(prepare: (state: CurrentState) => SyncPlan, options: WriteOptions): Promise<WriteResult>;
  close(): Promise<void>;
}
