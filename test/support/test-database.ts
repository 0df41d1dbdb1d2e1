import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import type { PocketIdSchema } from '../../src/db/schema.js';
import pg from 'pg';
import { sharedPostgres } from './postgres.js';

export type DbKind = 'postgres' | 'sqlite';
export const DB_KINDS: DbKind[] = ['postgres', 'sqlite'];

const SQLITE_SCHEMA = path.join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'pocket-id-schema.sqlite.sql');

export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  display_name: string;
  is_admin: boolean;
  ldap_id: string | null;
  locale: string | null;
  disabled: boolean;
  email_verified: boolean;
  created_at: number | null;
  updated_at: number | null;
}

/** A fresh Pocket ID database of either kind, read back in one normalised shape. */
export interface TestDatabase {
  kind: DbKind;
  /** What DB_CONNECTION_STRING should say. */
  connectionString: string;
  db: Kysely<PocketIdSchema>;
  users(): Promise<UserRow[]>;
  user(username: string): Promise<UserRow | undefined>;
  groups(): Promise<{ id: string; name: string; friendly_name: string; ldap_id: string | null; updated_at: number | null }[]>;
  /** "group:username" pairs, sorted. */
  memberships(): Promise<string[]>;
  /** Every row of every table the sync could touch, for "nothing changed" comparisons. */
  dump(): Promise<string>;
  close(): Promise<void>;
}

const toBool = (v: unknown) => v === true || v === 1;
const toSeconds = (v: unknown): number | null =>
  v === null || v === undefined ? null : v instanceof Date ? Math.floor(v.getTime() / 1000) : Number(v);

/** An empty Pocket ID SQLite database at `file` (directories created), WAL like Pocket ID's; returns it open. */
export function createSqliteFile(file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  handle.exec(readFileSync(SQLITE_SCHEMA, 'utf8'));
  return handle;
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  let connectionString: string;
  let db: Kysely<PocketIdSchema>;
  let cleanup = () => {};
  if (kind === 'postgres') {
    const cluster = await sharedPostgres();
    connectionString = await cluster.createDatabase();
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 1 }) }) });
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), 'pocket-id-sqlite-'));
    connectionString = path.join(dir, 'pocket-id.db');
    const handle = createSqliteFile(connectionString);
    handle.pragma('foreign_keys = ON');
    db = new Kysely({ dialect: new SqliteDialect({ database: handle }) });
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }

  const users = async (): Promise<UserRow[]> => {
    const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map((r) => ({
      ...r,
      is_admin: toBool(r.is_admin),
      disabled: toBool(r.disabled),
      email_verified: toBool(r.email_verified),
      created_at: toSeconds(r.created_at),
      updated_at: toSeconds(r.updated_at),
    })) as UserRow[];
  };
  const tables = ['users', 'user_groups', 'user_groups_users', 'custom_claims', 'oidc_clients_allowed_user_groups', 'webauthn_credentials'];

  return {
    kind,
    connectionString,
    db,
    users,
    user: async (username) => (await users()).find((u) => u.username === username),
    groups: async () =>
      (await db.selectFrom('user_groups').select(['id', 'name', 'friendly_name', 'ldap_id', 'updated_at']).orderBy('name').execute()).map(
        (g) => ({ ...g, updated_at: toSeconds(g.updated_at) }),
      ),
    memberships: async () =>
      (
        await db
          .selectFrom('user_groups_users as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .innerJoin('user_groups as g', 'g.id', 'm.user_group_id')
          .select(['g.name as group', 'u.username as user'])
          .execute()
      )
        .map((r) => `${r.group}:${r.user}`)
        .sort(),
    dump: async () => {
      const out: Record<string, unknown[]> = {};
      for (const table of tables) {
        const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db);
        out[table] = rows.rows.map((r) => JSON.stringify(r, (_k, v) => (v instanceof Date ? v.toISOString() : v))).sort();
      }
      return JSON.stringify(out, null, 1);
    },
    close: async () => {
      await db.destroy();
      cleanup();
    },
  };
}
