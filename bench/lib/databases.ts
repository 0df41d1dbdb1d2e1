/** Empty Pocket ID databases for the bench: a throwaway PostgreSQL cluster, SQLite files from the schema fixture. */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type PgCluster } from '../../test/support/postgres.js';
import { localUserSql } from './pocket-id-writer.js';

export type DbKind = 'postgres' | 'sqlite';

const SQLITE_SCHEMA = path.join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'pocket-id-schema.sqlite.sql');

let cluster: Promise<PgCluster> | undefined;

export function benchPostgres(): Promise<PgCluster> {
  cluster ??= startPostgres();
  return cluster;
}

/** A new Pocket ID database with only its local admin user; returns its DB_CONNECTION_STRING. */
export async function createDatabase(kind: DbKind, workDir: string): Promise<string> {
  if (kind === 'postgres') {
    const url = await (await benchPostgres()).createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(localUserSql(kind));
    } finally {
      await client.end();
    }
    return url;
  }
  const dir = mkdtempSync(path.join(workDir, 'sqlite-'));
  const file = path.join(dir, 'pocket-id.db');
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma('foreign_keys = ON');
  handle.exec(readFileSync(SQLITE_SCHEMA, 'utf8'));
  handle.exec(localUserSql(kind));
  handle.close();
  return file;
}

let clones = 0;

/**
 * A copy of a database, to repeat a run from the same starting point:
 * CREATE DATABASE … TEMPLATE on PostgreSQL (nobody may be connected to the
 * source: every run's child has exited), a file copy on SQLite (the sync's
 * close has checkpointed the WAL into the file).
 */
export async function cloneDatabase(kind: DbKind, source: string, workDir: string): Promise<string> {
  clones += 1;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(workDir, 'sqlite-clone-'));
    const file = path.join(dir, 'pocket-id.db');
    copyFileSync(source, file);
    if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, `${file}-wal`);
    return file;
  }
  const url = new URL(source);
  const name = `${url.pathname.slice(1)}_c${clones}`;
  const admin = new pg.Client({ connectionString: (await benchPostgres()).adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${url.pathname.slice(1)}"`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

export interface DbCounts {
  users: number;
  activeUsers: number;
  groups: number;
  memberships: number;
}

// LDAP users only: the local admin the Pocket ID-like writer uses is not the sync's.
const COUNTS_SQL = `SELECT
  (SELECT count(*) FROM users WHERE ldap_id IS NOT NULL) AS users,
  (SELECT count(*) FROM users WHERE ldap_id IS NOT NULL AND NOT disabled) AS active_users,
  (SELECT count(*) FROM user_groups) AS groups,
  (SELECT count(*) FROM user_groups_users) AS memberships`;

interface CountsRow {
  users: number | string;
  active_users: number | string;
  groups: number | string;
  memberships: number | string;
}

function toCounts(row: CountsRow | undefined): DbCounts {
  if (!row) throw new Error('no counts');
  return { users: Number(row.users), activeUsers: Number(row.active_users), groups: Number(row.groups), memberships: Number(row.memberships) };
}

export async function countRows(kind: DbKind, connectionString: string): Promise<DbCounts> {
  if (kind === 'sqlite') {
    const handle = new Database(connectionString, { readonly: true, fileMustExist: true });
    try {
      return toCounts(handle.prepare(COUNTS_SQL).get() as CountsRow | undefined);
    } finally {
      handle.close();
    }
  }
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return toCounts((await client.query<CountsRow>(COUNTS_SQL)).rows[0]);
  } finally {
    await client.end();
  }
}
