/**
 * Throwaway PostgreSQL clusters for integration tests.
 *
 * startPostgres(): initdb (as the `postgres` OS user when we are root: initdb refuses root) into a mkdtemp
 * directory, trust auth, listening on 127.0.0.1 on a free port, socket in the temp dir, fsync off.
 * sharedPostgres(): the server exported by scripts/with-test-servers.sh (TEST_PG_ADMIN_URL), or else one
 * cluster per process, stopped at exit.
 *
 * createDatabase() clones a template database that holds the Pocket ID schema
 * (test/fixtures/pocket-id-schema.postgres.sql); the template is created once per server and named after a
 * hash of the schema file, so an edited schema gets a fresh template.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { projectRoot, readLogTail, runTool, ThrowawayRegistry } from './throwaway.js';
import { freePort } from './ports.js';

export interface CreateDatabaseOptions {
  /** Load the Pocket ID schema (default true). false: an empty database (from template1). */
  schema?: boolean;
}

export interface PgCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  /** Creates a new, uniquely named database and returns its connection string. */
  createDatabase(opts?: CreateDatabaseOptions): Promise<string>;
  /** Fast shutdown (open connections are terminated) and start again on the same port and data. */
  restart(): Promise<void>;
  /** Stop the server and delete its directory. No-op on the cluster returned by sharedPostgres(). */
  stop(): Promise<void>;
}

const START_TIMEOUT_S = 30;

// ---------------------------------------------------------------------------------------------
// helpers

export const POSTGRES_SCHEMA_PATH = path.join(projectRoot(), 'test', 'fixtures', 'pocket-id-schema.postgres.sql');

/** PostgreSQL's bin directory: $PG_BIN, else the highest /usr/lib/postgresql/N/bin with an initdb. */
function pgBin(): string {
  const env = process.env.PG_BIN;
  if (env) return env;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error('PostgreSQL not found (run: bash scripts/install-test-deps.sh)');
  return path.join(root, versions[0], 'bin');
}

const isRoot = (): boolean => (process.getuid ? process.getuid() === 0 : false);

/** [cmd, args] running `cmd args` as the postgres OS user when we are root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

const quoteIdent = (s: string): string => '"' + s.replace(/"/g, '""') + '"';

let dbCounter = 0;

/** createDatabase() against the server at adminUrl. */
function databaseFactory(adminUrl: string): (opts?: CreateDatabaseOptions) => Promise<string> {
  return async (opts = {}) => {
    const schema = opts.schema ?? true;
    const name = `t_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      if (!schema) {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
        return withDatabase(adminUrl, name);
      }
      const sql = readFileSync(POSTGRES_SCHEMA_PATH, 'utf8');
      const template = 'pocket_id_tpl_' + createHash('sha256').update(sql).digest('hex').slice(0, 12);
      // Serialises template creation and cloning between concurrent test processes on a shared server
      // (CREATE DATABASE ... TEMPLATE fails while another session is connected to the template).
      await admin.query('SELECT pg_advisory_lock(74201)');
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
        if (exists.rowCount === 0) {
          const tmp = `${template}_build_${process.pid}`;
          await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(tmp)}`);
          await admin.query(`CREATE DATABASE ${quoteIdent(tmp)} TEMPLATE template0 ENCODING 'UTF8'`);
          const c = new pg.Client({ connectionString: withDatabase(adminUrl, tmp) });
          await c.connect();
          try {
            await c.query(sql);
          } finally {
            await c.end();
          }
          // Only a fully loaded template gets the real name.
          await admin.query(`ALTER DATABASE ${quoteIdent(tmp)} RENAME TO ${quoteIdent(template)}`);
          await admin.query(`ALTER DATABASE ${quoteIdent(template)} WITH IS_TEMPLATE true`);
        }
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
      } finally {
        await admin.query('SELECT pg_advisory_unlock(74201)');
      }
      return withDatabase(adminUrl, name);
    } finally {
      await admin.end();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// own clusters + exit cleanup

interface OwnCluster {
  dir: string;
  dataDir: string;
  running: boolean;
}
/** Clusters of this process; at exit they are stopped with -m immediate. */
const own = new ThrowawayRegistry<OwnCluster>((c) => {
  if (!c.running) return;
  const [cmd, args] = asPostgres(path.join(pgBin(), 'pg_ctl'), ['-D', c.dataDir, '-m', 'immediate', '-w', 'stop']);
  execFileSync(cmd, args, { stdio: 'ignore' });
});

/** Start a new throwaway cluster (initdb + pg_ctl start). */
export async function startPostgres(): Promise<PgCluster> {
  const bin = pgBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const entry: OwnCluster = { dir, dataDir, running: false };
  own.add(entry);
  let port = 0;

  const pgCtl = (args: string[]) => {
    const [cmd, a] = asPostgres(path.join(bin, 'pg_ctl'), args);
    return runTool(cmd, a);
  };
  const serverOptions = () =>
    [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
  const startServer = () =>
    pgCtl(['-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S), '-o', serverOptions(), 'start']);

  try {
    // The temp dir must be traversable by postgres, and writable for the socket and the log.
    chmodSync(dir, 0o755);
    mkdirSync(dataDir, { mode: 0o700 });
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
      chownSync(dataDir, uid, gid);
    }
    const [cmd, args] = asPostgres(path.join(bin, 'initdb'), [
      '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
    ]);
    await runTool(cmd, args);
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await startServer();
        break;
      } catch (err) {
        const log = readLogTail(logFile);
        if (attempt < 5 && /could not bind|Address already in use/.test(log)) continue;
        throw new Error(`${(err as Error).message}\n--- server.log ---\n${log}`);
      }
    }
    entry.running = true;
  } catch (err) {
    own.remove(entry);
    throw err;
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    adminUrl,
    createDatabase: databaseFactory(adminUrl),
    async restart() {
      if (!own.has(entry)) throw new Error('cluster was stopped');
      if (entry.running) {
        await pgCtl(['-D', dataDir, '-m', 'fast', '-w', 'stop']);
        entry.running = false;
      }
      await startServer();
      entry.running = true;
    },
    async stop() {
      if (!own.has(entry)) return;
      if (entry.running) await pgCtl(['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      entry.running = false;
      own.remove(entry);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// shared server

let shared: Promise<PgCluster> | undefined;

/**
 * The server shared by all tests of this process:
 * - TEST_PG_ADMIN_URL set (scripts/with-test-servers.sh): that server. restart() uses
 *   `pg_ctl restart` on TEST_PG_DATA_DIR (throws without it).
 * - else a cluster started on first use and stopped at process exit.
 * stop() is a no-op on the shared cluster: its owner (the script / process exit) stops it.
 */
export function sharedPostgres(): Promise<PgCluster> {
  shared ??= (async (): Promise<PgCluster> => {
    const envUrl = process.env.TEST_PG_ADMIN_URL;
    if (envUrl) {
      const dataDir = process.env.TEST_PG_DATA_DIR;
      return {
        port: Number(new URL(envUrl).port || 5432),
        adminUrl: envUrl,
        createDatabase: databaseFactory(envUrl),
        async restart() {
          if (!dataDir) throw new Error('sharedPostgres().restart() needs TEST_PG_DATA_DIR (set by scripts/with-test-servers.sh)');
          const [cmd, args] = asPostgres(path.join(pgBin(), 'pg_ctl'), [
            '-D', dataDir, '-l', path.join(path.dirname(dataDir), 'server.log'),
            '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S), 'restart',
          ]);
          await runTool(cmd, args); // pg_ctl restart reuses the original options (postmaster.opts)
        },
        async stop() {
          /* owned by scripts/with-test-servers.sh */
        },
      };
    }
    const c = await startPostgres();
    return { ...c, stop: async () => undefined };
  })();
  const p = shared;
  // A failed start is not cached.
  p.catch(() => {
    if (shared === p) shared = undefined;
  });
  return p;
}
