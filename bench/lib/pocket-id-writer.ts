/**
 * A writer that behaves like Pocket ID beside the sync: its own connection,
 * one short write transaction every 100 ms, and on SQLite exactly Pocket ID's
 * connection settings (BEGIN IMMEDIATE, busy timeout 2.5 s, foreign keys on).
 * Each transaction is one of: an audit-log insert that references a synced
 * user (the local user while none exists yet), an interaction-session insert,
 * an update of the local user. A SQLite write that waited out the busy timeout
 * fails with "database is locked": in Pocket ID that is a failed login, token
 * refresh or admin action.
 *
 * It runs in a worker thread of the bench's parent, so the sync's child
 * process and the writer never share an event loop.
 */
import { randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DbKind } from './databases.js';

/** The local (non-LDAP) user every bench database has, as Pocket ID has its first admin. */
export const LOCAL_USER_ID = '00000000-0000-4000-8000-0000000000aa';
export const LOCAL_USER_NAME = 'pocket-id-local-admin';

/** Pocket ID's SQLite busy timeout (`_busy_timeout=2500`). */
const BUSY_TIMEOUT_MS = 2500;
const INTERVAL_MS = 100;

export interface WriterStats {
  writes: number;
  failed: number;
  /** Longest transaction as Pocket ID would see it: BEGIN (waiting for the lock included) → COMMIT returned. */
  maxWaitMs: number;
  /** Writes that took longer than 1 s. */
  slowWrites: number;
  firstError: string | null;
}

interface WriterSpec {
  kind: DbKind;
  connectionString: string;
}

/** The three statements of one transaction, by turn. */
function statementFor(turn: number, syncedUserId: string | undefined, time: (msFromNow: number) => unknown): { sql: string; params: unknown[] } {
  const userId = syncedUserId ?? LOCAL_USER_ID;
  switch (turn % 3) {
    case 0:
      return { sql: 'INSERT INTO audit_logs (id, created_at, event, data, user_id) VALUES ($1, $2, $3, $4, $5)', params: [randomUUID(), time(0), 'SIGN_IN', '{}', userId] };
    case 1:
      return { sql: 'INSERT INTO interaction_sessions (id, created_at, expires_at, data, user_id) VALUES ($1, $2, $3, $4, $5)', params: [randomUUID(), time(0), time(600_000), '{}', userId] };
    default:
      return { sql: 'UPDATE users SET updated_at = $1 WHERE id = $2', params: [time(0), LOCAL_USER_ID] };
  }
}

// A synced user near a random id: an index seek, as Pocket ID's lookups by primary key are.
const PICK_SYNCED = 'SELECT id FROM users WHERE ldap_id IS NOT NULL AND id >= $1 ORDER BY id LIMIT 1';

class SqliteWriter {
  private readonly db: Database.Database;
  constructor(path: string) {
    this.db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('foreign_keys = ON');
  }
  async transaction(turn: number): Promise<void> {
    const sqlite = (text: string) => text.replace(/\$\d+/g, '?');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const picked = this.db.prepare(sqlite(PICK_SYNCED)).get(randomUUID()) as { id: string } | undefined;
      // Pocket ID stores SQLite timestamps as unix seconds.
      const { sql, params } = statementFor(turn, picked?.id, (ms) => Math.floor((Date.now() + ms) / 1000));
      this.db.prepare(sqlite(sql)).run(...params);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }
  async close(): Promise<void> {
    this.db.close();
  }
}

class PostgresWriter {
  private readonly client: pg.Client;
  constructor(connectionString: string) {
    this.client = new pg.Client({ connectionString, application_name: 'bench-pocket-id-writer' });
  }
  async connect(): Promise<void> {
    await this.client.connect();
  }
  async transaction(turn: number): Promise<void> {
    await this.client.query('BEGIN');
    try {
      const picked = await this.client.query<{ id: string }>(PICK_SYNCED, [randomUUID()]);
      const { sql, params } = statementFor(turn, picked.rows[0]?.id, (ms) => new Date(Date.now() + ms));
      await this.client.query(sql, params);
      await this.client.query('COMMIT');
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  close(): Promise<void> {
    return this.client.end();
  }
}

async function workerMain(spec: WriterSpec): Promise<void> {
  let stopping = false;
  parentPort?.on('message', () => (stopping = true));
  const writer = spec.kind === 'sqlite' ? new SqliteWriter(spec.connectionString) : new PostgresWriter(spec.connectionString);
  if (writer instanceof PostgresWriter) await writer.connect();
  const stats: WriterStats = { writes: 0, failed: 0, maxWaitMs: 0, slowWrites: 0, firstError: null };
  parentPort?.postMessage({ ready: true });
  for (let turn = 0; !stopping; turn++) {
    const started = performance.now();
    try {
      await writer.transaction(turn);
      stats.writes += 1;
    } catch (error) {
      stats.failed += 1;
      stats.firstError ??= (error as Error).message;
    }
    const ms = performance.now() - started;
    stats.maxWaitMs = Math.max(stats.maxWaitMs, ms);
    if (ms > 1000) stats.slowWrites += 1;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
  await writer.close();
  parentPort?.postMessage({ stats });
}

if (!isMainThread && (workerData as { pocketIdWriter?: WriterSpec } | undefined)?.pocketIdWriter) {
  await workerMain((workerData as { pocketIdWriter: WriterSpec }).pocketIdWriter);
}

/** Starts the writer; resolves once its first transaction is about to run. stop() returns what it saw. */
export async function startPocketIdWriter(kind: DbKind, connectionString: string): Promise<{ stop(): Promise<WriterStats> }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { pocketIdWriter: { kind, connectionString } } });
  let done: (stats: WriterStats) => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const finished = new Promise<WriterStats>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: boolean; stats?: WriterStats }) => {
      if (message.ready) resolve();
      if (message.stats) done(message.stats);
    });
    worker.once('error', (error) => {
      reject(error);
      failed(error);
    });
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const stats = await finished;
      await worker.terminate();
      return stats;
    },
  };
}

/** The local user the writer updates and falls back to; created with the database, never touched by the sync. */
export function localUserSql(kind: DbKind): string {
  const now = kind === 'sqlite' ? '0' : 'now()';
  const no = kind === 'sqlite' ? '0' : 'false';
  return `INSERT INTO users (id, created_at, username, email, first_name, last_name, display_name, is_admin, disabled, email_verified)
    VALUES ('${LOCAL_USER_ID}', ${now}, '${LOCAL_USER_NAME}', 'admin@local.invalid', 'Local', 'Admin', 'Local Admin', ${no}, ${no}, ${no})`;
}
