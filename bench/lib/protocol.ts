/** What the bench orchestrator and its child processes (run-one.ts) exchange, as JSON. */

export type RunMode = 'sync' | 'floor' | 'incremental';

/** Incremental runs measured in one child after a full run there (bench/lib/incremental-child.ts). */
export type IncrementalScenario = 'inc-no-change' | 'inc-no-change-scan' | 'inc-1pct' | 'inc-1pct-scan';

/** The scenarios that run after the parent changed 1 % of the directory. */
export const AFTER_CHANGES: readonly IncrementalScenario[] = ['inc-1pct', 'inc-1pct-scan'];

/** Whether an incremental scenario scans for deletions. */
export const SCANS = (scenario: IncrementalScenario) => scenario.endsWith('-scan');

export interface RunSpec {
  mode: RunMode;
  label: string;
  /** The environment an operator would set (LDAP_*, DB_CONNECTION_STRING, ...). */
  env: Record<string, string>;
  /** Where the child writes its RunResult. */
  out: string;
  /**
   * PostgreSQL only: load auto_explain in the sync's sessions (ANALYZE, triggers) and collect the plans of
   * statements slower than this many ms. Adds timing overhead: for diagnosis, not for the table.
   */
  explainMs?: number;
  /** mode 'incremental': the runs after the full one, in order; those of AFTER_CHANGES wait for the parent's go. */
  incremental?: IncrementalScenario[];
}

export interface StatementStats {
  count: number;
  ms: number;
  rows: number;
}

export interface DriverStats {
  /** Per statement kind (first keyword: SELECT, INSERT, UPDATE, DELETE, BEGIN, ...). */
  byKind: Record<string, StatementStats>;
  /** The slowest statements of the run (SQL shortened), slowest first. */
  slowest: { sql: string; ms: number; rows: number }[];
  /** Rows the driver reports as changed by INSERT/UPDATE/DELETE (better-sqlite3 `changes`, pg `rowCount`). */
  rowsChanged: number;
  /**
   * The longest write transaction as the driver saw it: from the moment BEGIN [IMMEDIATE]
   * returned (lock held) to the moment COMMIT returned. null when none ran.
   */
  transaction: {
    holdMs: number;
    /** BEGIN returned → the state-reading SELECTs of the transaction returned. */
    readStateMs: number;
    /** Time inside the transaction spent executing write statements in the driver. */
    writeStatementsMs: number;
    /** COMMIT itself. */
    commitMs: number;
  } | null;
  /** Every write transaction of the run (a batched SQLite run commits several). */
  transactions: { count: number; totalHoldMs: number };
}

export interface SyncRunResult {
  mode: 'sync';
  /** SyncResult.mode and fullReason: 'full' (and why) or 'incremental'. */
  syncMode: string;
  fullReason?: string;
  label: string;
  /** openDatabase + runSync + close, inside the child. */
  wallMs: number;
  /** User + system CPU of the child over the same span (the sync's own process only: not slapd, not PostgreSQL). */
  cpuMs: number;
  readMs: number;
  planMs: number;
  applyMs: number;
  maxRssKiB: number;
  /** users/groups: entries read whole; total: every entry returned, change and id scans included. */
  entriesRead: { users: number; groups: number; total: number };
  summary: {
    usersCreated: number;
    usersUpdated: number;
    usersReEnabled: number;
    usersDisabled: number;
    usersDeleted: number;
    groupsCreated: number;
    groupsUpdated: number;
    groupsDeleted: number;
    membershipsAdded: number;
    membershipsRemoved: number;
    vacatedUsers: number;
    vacatedGroups: number;
    skips: number;
  };
  /** users created+updated+disabled+deleted + groups created+updated+deleted + memberships added+removed (from the plan). */
  rowsWritten: number;
  driver: DriverStats;
  /** With RunSpec.explainMs: auto_explain's output for the slow statements, as PostgreSQL logged it. */
  explains?: string[];
  guard: string | null;
}

export interface FloorRunResult {
  mode: 'floor';
  label: string;
  /** connect + bind + both paged searches + unbind. */
  wallMs: number;
  /** User + system CPU of the child over the same span. */
  cpuMs: number;
  usersMs: number;
  groupsMs: number;
  maxRssKiB: number;
  entries: { users: number; groups: number };
  memberValues: number;
  pages: number;
}

/** The searches one incremental run made, made again with a bare ldapts client (lib/read-floor.ts). */
export interface ReadFloor {
  /** Median wall time of the replays (connect, bind, the searches, unbind). */
  medianMs: number;
  /** CPU of the replay with the median wall time. */
  cpuMs: number;
  searches: number;
  entries: number;
}

export interface IncrementalRun {
  scenario: IncrementalScenario;
  result: SyncRunResult;
  /** The child's RSS right after this run. */
  rssAfterKiB: number;
  /** The floor of this run's own searches, measured right after it. */
  readFloor: ReadFloor;
  /**
   * The collection of the previous run's garbage that the daemon does while it idles before this run
   * (src/service/idle-collect.ts): outside the run's figures, so the report shows it beside them.
   */
  collectedBefore?: IdleCollection;
}

export interface IdleCollection {
  wallMs: number;
  cpuMs: number;
}

export interface IncrementalRunResult {
  mode: 'incremental';
  label: string;
  /** The full run that fills the memory (reported apart, never as an incremental figure). */
  prime: SyncRunResult;
  runs: IncrementalRun[];
  /** Heap the memory holds between runs: heap used with it, minus without it (both after a full GC). */
  keptHeapBytes: number;
  /** The same for memory outside the heap that Buffers and typed arrays hold (process.memoryUsage().arrayBuffers): the kept member bytes. */
  keptBufferBytes?: number;
  maxRssKiB: number;
}

export type RunResult = SyncRunResult | FloorRunResult | IncrementalRunResult;
