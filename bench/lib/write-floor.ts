/**
 * The database's own floor for an initial sync: the rows the sync wrote, inserted again into a new
 * empty database as directly as the engine allows, in primary-key order, foreign keys enforced.
 *   SQLite:     prepared INSERT statements, one transaction (better-sqlite3, the same driver as the sync).
 *   PostgreSQL: the rows are first staged in temporary tables (not timed), then each table is filled by
 *               one INSERT … SELECT … ORDER BY inside the server, one transaction (timed).
 * The sync's apply time over this is the "x engine" ratio. The custom claims of the LDAP users and groups are
 * part of the rows (with --claims 300,000 at L): a floor without them would make the claims' writes look like the
 * sync's own overhead.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { createDatabase, type DbKind } from './databases.js';

export interface WriteFloor {
  ms: number;
  rows: { users: number; groups: number; memberships: number; claims: number };
}

const USER_COLUMNS = ['id', 'created_at', 'updated_at', 'username', 'email', 'first_name', 'last_name', 'display_name', 'is_admin', 'ldap_id', 'locale', 'disabled', 'email_verified'];
const GROUP_COLUMNS = ['id', 'created_at', 'updated_at', 'name', 'friendly_name', 'ldap_id'];
const USERS_SQL = `SELECT ${USER_COLUMNS.join(', ')} FROM users WHERE ldap_id IS NOT NULL ORDER BY id`;
const GROUPS_SQL = `SELECT ${GROUP_COLUMNS.join(', ')} FROM user_groups WHERE ldap_id IS NOT NULL ORDER BY id`;
const MEMBERS_SQL = 'SELECT user_id, user_group_id FROM user_groups_users ORDER BY user_id, user_group_id';
const CLAIM_COLUMNS = ['id', 'created_at', 'key', 'value', 'user_id', 'user_group_id'];
// Only the LDAP rows are copied, so only their claims can be (the foreign keys); the sync writes no others.
const CLAIMS_SQL = `SELECT ${CLAIM_COLUMNS.join(', ')} FROM custom_claims
  WHERE user_id IN (SELECT id FROM users WHERE ldap_id IS NOT NULL) OR user_group_id IN (SELECT id FROM user_groups WHERE ldap_id IS NOT NULL)
  ORDER BY id`;

function sqliteFloor(source: string, target: string): WriteFloor {
  const from = new Database(source, { readonly: true, fileMustExist: true });
  const users = from.prepare(USERS_SQL).raw().all() as unknown[][];
  const groups = from.prepare(GROUPS_SQL).raw().all() as unknown[][];
  const members = from.prepare(MEMBERS_SQL).raw().all() as unknown[][];
  const claims = from.prepare(CLAIMS_SQL).raw().all() as unknown[][];
  from.close();
  const to = new Database(target, { fileMustExist: true });
  to.pragma('foreign_keys = ON');
  const insert = (table: string, columns: string[]) => to.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const insertUser = insert('users', USER_COLUMNS);
  const insertGroup = insert('user_groups', GROUP_COLUMNS);
  const insertMember = insert('user_groups_users', ['user_id', 'user_group_id']);
  const insertClaim = insert('custom_claims', CLAIM_COLUMNS);
  const started = performance.now();
  to.transaction(() => {
    for (const row of users) insertUser.run(...row);
    for (const row of groups) insertGroup.run(...row);
    for (const row of members) insertMember.run(...row);
    for (const row of claims) insertClaim.run(...row);
  }).immediate();
  const ms = performance.now() - started;
  to.close();
  return { ms, rows: { users: users.length, groups: groups.length, memberships: members.length, claims: claims.length } };
}

async function postgresFloor(source: string, target: string): Promise<WriteFloor> {
  const from = new pg.Client({ connectionString: source });
  await from.connect();
  const read = async (text: string) => (await from.query({ text, rowMode: 'array' })).rows as unknown[][];
  const [users, groups, members, claims] = [await read(USERS_SQL), await read(GROUPS_SQL), await read(MEMBERS_SQL), await read(CLAIMS_SQL)];
  await from.end();
  const to = new pg.Client({ connectionString: target });
  await to.connect();
  try {
    // Staging, not timed: the rows reach the server once, into temporary tables of the same shape.
    const stage = async (table: string, columns: string[], rows: unknown[][]) => {
      await to.query(`CREATE TEMP TABLE stage_${table} AS SELECT ${columns.join(', ')} FROM ${table} WITH NO DATA`);
      const types = (await to.query<{ t: string }>(`SELECT format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a WHERE a.attrelid = 'stage_${table}'::regclass AND a.attnum > 0 ORDER BY a.attnum`)).rows.map((r) => r.t);
      const arrays = columns.map((_c, i) => rows.map((row) => row[i]));
      const unnest = types.map((t, i) => `$${i + 1}::${t.replace(/\(.*\)/, '')}[]`).join(', ');
      await to.query(`INSERT INTO stage_${table} SELECT * FROM unnest(${unnest})`, arrays);
    };
    await stage('users', USER_COLUMNS, users);
    await stage('user_groups', GROUP_COLUMNS, groups);
    await stage('user_groups_users', ['user_id', 'user_group_id'], members);
    await stage('custom_claims', CLAIM_COLUMNS, claims);
    const started = performance.now();
    await to.query('BEGIN');
    await to.query(`INSERT INTO users (${USER_COLUMNS.join(', ')}) SELECT * FROM stage_users ORDER BY id`);
    await to.query(`INSERT INTO user_groups (${GROUP_COLUMNS.join(', ')}) SELECT * FROM stage_user_groups ORDER BY id`);
    await to.query('INSERT INTO user_groups_users (user_id, user_group_id) SELECT * FROM stage_user_groups_users ORDER BY user_id, user_group_id');
    await to.query(`INSERT INTO custom_claims (${CLAIM_COLUMNS.join(', ')}) SELECT * FROM stage_custom_claims ORDER BY id`);
    await to.query('COMMIT');
    return { ms: performance.now() - started, rows: { users: users.length, groups: groups.length, memberships: members.length, claims: claims.length } };
  } finally {
    await to.end();
  }
}

/** Measures the floor for the rows the sync wrote into `synced`, in a new database of the same kind. */
export async function measureWriteFloor(kind: DbKind, synced: string, workDir: string): Promise<WriteFloor> {
  const target = await createDatabase(kind, workDir);
  return kind === 'sqlite' ? sqliteFloor(synced, target) : postgresFloor(synced, target);
}
