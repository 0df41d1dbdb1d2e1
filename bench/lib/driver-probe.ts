/**
 * Observes every statement the sync sends, at the driver, without touching
 * src/: better-sqlite3's Database.prototype.prepare and pg's
 * Client.prototype.query are wrapped in the child process before the sync
 * opens its database. Kysely calls exactly these (stmt.all / stmt.run, and
 * client.query(text, params)), so BEGIN IMMEDIATE / COMMIT on SQLite and
 * begin / commit on PostgreSQL are seen with their real timing.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DriverStats } from './protocol.js';

const SLOWEST = 12;
const WRITE_KINDS = new Set(['INSERT', 'UPDATE', 'DELETE']);

function kindOf(sql: string): string {
  const match = /^[\s(]*([A-Za-z]+)/.exec(sql);
  return (match?.[1] ?? '?').toUpperCase();
}

/** Empties live statistics in place, so that what follows is counted alone (several runs in one child). */
export function resetDriverStats(stats: DriverStats): void {
  Object.assign(stats, { byKind: {}, slowest: [], rowsChanged: 0, transaction: null, transactions: { count: 0, totalHoldMs: 0 } });
}

class Recorder {
  readonly stats: DriverStats = { byKind: {}, slowest: [], rowsChanged: 0, transaction: null, transactions: { count: 0, totalHoldMs: 0 } };
  private txStart: number | null = null;
  private readStateEnd: number | null = null;
  private wroteInTx = false;
  private inReadTx = false;
  private writeMs = 0;

  private keepSlowest(sql: string, ms: number, rows: number): void {
    const slowest = this.stats.slowest;
    if (slowest.length >= SLOWEST && ms <= (slowest[slowest.length - 1]?.ms ?? 0)) return;
    slowest.push({ sql: sql.replace(/\s+/g, ' ').trim().slice(0, 160), ms, rows });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, SLOWEST);
  }

  record(sql: string, started: number, ended: number, rows: number, readOnly = false): void {
    const kind = kindOf(sql);
    const entry = (this.stats.byKind[kind] ??= { count: 0, ms: 0, rows: 0 });
    entry.count += 1;
    entry.ms += ended - started;
    entry.rows += rows;
    this.keepSlowest(sql, ended - started, rows);
    const write = WRITE_KINDS.has(kind);
    if (write) this.stats.rowsChanged += rows;
    // SQLite: a plain BEGIN is a read transaction (the state read), which in WAL mode takes no lock.
    if (kind === 'BEGIN' && readOnly) {
      this.inReadTx = true;
      return;
    }
    if (this.inReadTx && (kind === 'COMMIT' || kind === 'ROLLBACK')) {
      this.inReadTx = false;
      return;
    }
    if (kind === 'BEGIN') {
      this.txStart = ended;
      this.readStateEnd = null;
      this.wroteInTx = false;
      this.writeMs = 0;
      return;
    }
    if (this.txStart === null) return;
    if (kind === 'SELECT' && !this.wroteInTx) this.readStateEnd = ended;
    if (write) {
      this.wroteInTx = true;
      this.writeMs += ended - started;
    }
    if (kind === 'COMMIT' || kind === 'ROLLBACK') {
      const holdMs = ended - this.txStart;
      this.stats.transactions.count += 1;
      this.stats.transactions.totalHoldMs += holdMs;
      if (holdMs > (this.stats.transaction?.holdMs ?? -1)) {
        this.stats.transaction = {
          holdMs,
          readStateMs: (this.readStateEnd ?? this.txStart) - this.txStart,
          writeStatementsMs: this.writeMs,
          commitMs: ended - started,
        };
      }
      this.txStart = null;
    }
  }
}

interface ProbedStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

interface QueryResultLike {
  rowCount?: number | null;
  command?: string;
}

/**
 * Every new PostgreSQL session first loads auto_explain (we connect as the
 * throwaway cluster's superuser) with ANALYZE and trigger timing, and gets the
 * LOG lines as notices: the server-side plan of each slow statement, with the
 * time its foreign-key triggers took. Call before installDriverProbe().
 */
export function installPgAutoExplain(minMs: number): string[] {
  const explains: string[] = [];
  const ready = new WeakMap<object, Promise<unknown>>();
  const proto = pg.Client.prototype as unknown as { query(this: pg.Client, ...args: unknown[]): unknown };
  const query = proto.query;
  proto.query = function (this: pg.Client, ...args: unknown[]): unknown {
    let setup = ready.get(this);
    if (!setup) {
      this.on('notice', (notice: { message?: string }) => {
        if (notice.message?.includes('plan:')) explains.push(notice.message.slice(0, 6000));
      });
      setup = [
        "LOAD 'auto_explain'",
        `SET auto_explain.log_min_duration = ${Math.round(minMs)}`,
        'SET auto_explain.log_analyze = on',
        'SET auto_explain.log_triggers = on',
        'SET auto_explain.log_buffers = on',
        'SET client_min_messages = log',
      ].reduce<Promise<unknown>>((previous, text) => previous.then(() => query.call(this, text)), Promise.resolve());
      ready.set(this, setup);
    }
    return setup.then(() => query.apply(this, args));
  };
  return explains;
}

/** Wraps both drivers; returns the live statistics object. */
export function installDriverProbe(): DriverStats {
  const recorder = new Recorder();

  const sqliteProto = Database.prototype as unknown as { prepare(this: unknown, source: string): ProbedStatement };
  const prepare = sqliteProto.prepare;
  sqliteProto.prepare = function (this: unknown, source: string): ProbedStatement {
    const statement = prepare.call(this, source);
    const run = statement.run.bind(statement);
    const all = statement.all.bind(statement);
    const readTransaction = /^\s*BEGIN\s*(DEFERRED\s*)?(TRANSACTION\s*)?;?\s*$/i.test(source);
    statement.run = (...params: unknown[]) => {
      const started = performance.now();
      const result = run(...params);
      recorder.record(source, started, performance.now(), result.changes, readTransaction);
      return result;
    };
    statement.all = (...params: unknown[]) => {
      const started = performance.now();
      const rows = all(...params);
      recorder.record(source, started, performance.now(), rows.length, readTransaction);
      return rows;
    };
    return statement;
  };

  const pgProto = pg.Client.prototype as unknown as { query(this: unknown, ...args: unknown[]): unknown };
  const query = pgProto.query;
  pgProto.query = function (this: unknown, ...args: unknown[]): unknown {
    const text = typeof args[0] === 'string' ? args[0] : '';
    const started = performance.now();
    const result = query.apply(this, args);
    if (text !== '' && result instanceof Promise) {
      return result.then((value: QueryResultLike) => {
        const kind = kindOf(text);
        recorder.record(text, started, performance.now(), WRITE_KINDS.has(kind) || kind === 'SELECT' ? (value.rowCount ?? 0) : 0);
        return value;
      });
    }
    return result;
  };
  return recorder.stats;
}
