/**
 * Helpers for the fault-injection and bad-input tests: runSync with every
 * option, database dumps over short-lived connections (safe across a server
 * restart), row locks held from a test connection, live slapd limit changes,
 * a server that never answers, and the text log lines parsed back.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { SlapdInstance } from './slapd.js';
import type { DbKind } from './test-database.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));


const DUMP_TABLES = ['users', 'user_groups', 'user_groups_users', 'custom_claims', 'oidc_clients_allowed_user_groups', 'webauthn_credentials'];

const serialize = (rows: Record<string, unknown>[]): string[] =>
  rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Date ? v.toISOString() : v))).sort();

/**
 * The same dump as TestDatabase.dump(), over a connection opened for this
 * call only: usable after the server restarted or a process was killed.
 */
export async function dumpDatabase(kind: DbKind, connectionString: string): Promise<string> {
  const out: Record<string, string[]> = {};
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString });
    client.on('error', () => undefined);
    await client.connect();
    try {
      for (const table of DUMP_TABLES) out[table] = serialize((await client.query(`SELECT * FROM "${table}"`)).rows as Record<string, unknown>[]);
    } finally {
      await client.end().catch(() => undefined);
    }
  } else {
    const handle = new Database(connectionString, { fileMustExist: true, readonly: true });
    try {
      for (const table of DUMP_TABLES) out[table] = serialize(handle.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]);
    } finally {
      handle.close();
    }
  }
  return JSON.stringify(out, null, 1);
}

/** A test connection holding a transaction open, with its row locks. */
export interface HeldLock {
  /** The backend PID of the holding connection. */
  pid: number;
  /** ROLLBACK and disconnect (errors ignored: the server may be gone). */
  release(): Promise<void>;
}

/** BEGIN, then `statement` (e.g. SELECT … FOR UPDATE), and keep the transaction open. */
export async function holdLock(connectionString: string, statement: string, params: unknown[] = []): Promise<HeldLock> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
  await client.query('BEGIN');
  const locked = await client.query(statement, params);
  if (locked.rowCount === 0) throw new Error(`holdLock: "${statement}" locked no row`);
  return {
    pid,
    release: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

export interface Backend {
  pid: number;
  state: string | null;
  waitEventType: string | null;
  /** Set once the backend's transaction has written something. */
  backendXid: string | null;
  query: string;
}

/** Backends connected to the database of `connectionString`, except the asking one and `exceptPids`. */
export async function backendsOf(connectionString: string, exceptPids: number[] = []): Promise<Backend[]> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; state: string | null; wait_event_type: string | null; backend_xid: string | null; query: string }>(
      `SELECT pid, state, wait_event_type, backend_xid::text AS backend_xid, query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    return rows
      .filter((r) => !exceptPids.includes(r.pid))
      .map((r) => ({ pid: r.pid, state: r.state, waitEventType: r.wait_event_type, backendXid: r.backend_xid, query: r.query }));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls until some backend waits on a lock; returns it. */
export async function waitForLockWaiter(connectionString: string, exceptPids: number[], timeoutMs = 15_000): Promise<Backend> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const waiting = (await backendsOf(connectionString, exceptPids)).find((b) => b.waitEventType === 'Lock');
    if (waiting) return waiting;
    await sleep(20);
  }
  throw new Error(`no backend waited on a lock within ${timeoutMs} ms`);
}

/** Polls until no backend but `exceptPids` is connected to the database. */
export async function waitForNoBackends(connectionString: string, exceptPids: number[] = [], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await backendsOf(connectionString, exceptPids);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`backends still connected: ${JSON.stringify(left)}`);
    await sleep(20);
  }
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stderr}${stdout}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/**
 * Replaces the size limits of the non-root binds (reader, anonymous) of a
 * running slapd, through cn=config over its ldapi socket (SASL EXTERNAL as root).
 * `limits` is the olcLimits text after the selector, e.g.
 * "size.soft=5 size.hard=5 size.pr=noEstimate size.prtotal=10".
 */
export async function setSlapdLimits(slapd: SlapdInstance, limits: string): Promise<void> {
  const ldif = [
    'dn: olcDatabase={1}mdb,cn=config',
    'changetype: modify',
    'replace: olcLimits',
    `olcLimits: {0}users ${limits}`,
    `olcLimits: {1}anonymous ${limits}`,
    '',
  ].join('\n');
  await run('ldapmodify', ['-Q', '-Y', 'EXTERNAL', '-H', slapd.ldapiUrl], ldif);
}

/** The limits startSlapd() configures for a size limit of `n` (see test/support/slapd.ts). */
export const defaultSlapdLimits = (n = 5) => `size.soft=${n} size.hard=${n} size.pr=noEstimate size.prtotal=unlimited`;

/** The state letter of every thread of a process (Linux /proc), e.g. ['S', 'S', 'R']. */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  });
}

/**
 * SIGSTOP, then wait until every thread has really stopped: a signal is
 * delivered asynchronously, and a thread still running on another core could
 * otherwise answer one more request.
 */
export async function freezeProcess(pid: number, timeoutMs = 5000): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + timeoutMs;
  while (!threadStates(pid).every((state) => state === 'T' || state === 't')) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop: ${threadStates(pid).join('')}`);
    await sleep(1);
  }
}

/** A TCP server on 127.0.0.1 that accepts connections and never sends a byte. */
export async function startSilentServer(): Promise<{ url: string; accepted: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { url: '', accepted: 0, close: async () => undefined as void };
  const server = net.createServer((socket) => {
    state.accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume(); // read and discard, never answer
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `ldap://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

export interface LogLine {
  /** DEBUG, INFO, WARN, ERROR */
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** The JSON log lines (LOG_JSON=true shape: time, level, msg, fields) of a run. */
export function parseJsonLogLines(logs: string): LogLine[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const { time: _time, level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
      return { level: String(level), msg: String(msg), fields };
    });
}
