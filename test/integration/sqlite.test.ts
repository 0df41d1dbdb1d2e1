// SQLite, Pocket ID's default database: the same rows as on PostgreSQL, foreign-key
// cascades on hard delete, a concurrent writer holding the lock, and the forms
// DB_CONNECTION_STRING takes. The core sync suite (sync.test.ts) already runs on both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Attribute, Change } from 'ldapts';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../src/db/sqlite/sqlite-connection.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { ldapAdmin, syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';
const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SQLITE_SCHEMA = path.join(ROOT, 'test', 'fixtures', 'pocket-id-schema.sqlite.sql');

after(stopAllSlapd);

/** What a row means, without the values each database invents (ids, timestamps). */
async function logicalRows(db: TestDatabase) {
  const users = (await db.users()).map(({ id: _id, created_at, updated_at, ...rest }) => ({
    ...rest,
    hasCreatedAt: created_at !== null,
    hasUpdatedAt: updated_at !== null,
  }));
  const groups = (await db.groups()).map(({ id: _id, updated_at, ...rest }) => ({ ...rest, hasUpdatedAt: updated_at !== null }));
  return { users, groups, memberships: await db.memberships() };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** performance.now() when the process ended. */
  endedAt: number;
}

/**
 * The real CLI in its own process, as an operator or a cron job runs it. `onStdout`, when
 * given, is asked after each chunk of stdout;
 * `condition` resolves the first time it says yes (and rejects if the process ends first).
 */
function runCli(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; onStdout?: (stdout: string) => boolean } = {},
): Promise<CliRun> & { condition: Promise<void> } {
  let conditionMet: () => void = () => undefined;
  let conditionFailed: (error: Error) => void = () => undefined;
  const condition = new Promise<void>((resolve, reject) => {
    conditionMet = resolve;
    conditionFailed = reject;
  });
  // Only a caller that awaits the condition cares that it was never met.
  condition.catch(() => undefined);
  const result = new Promise<CliRun>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (options.onStdout?.(stdout)) conditionMet();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      conditionFailed(new Error(`the CLI ended before the awaited output:\n${stdout}${stderr}`));
      const endedAt = performance.now();
      resolve({ code, stdout, stderr, ms: endedAt - started, endedAt });
    });
  });
  return Object.assign(result, { condition });
}

/** An empty Pocket ID SQLite database at `file` (directories created), WAL like Pocket ID's. */
function createSqliteFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const handle = new Database(file);
  handle.pragma('journal_mode = WAL');
  handle.exec(readFileSync(SQLITE_SCHEMA, 'utf8'));
  handle.close();
}

/** An absolute path as a URI path: each segment percent-encoded. */
const encodePath = (file: string) => file.split('/').map(encodeURIComponent).join('/');

function countUsers(file: string): number {
  const handle = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return handle.prepare<[], { n: number }>("SELECT count(*) AS n FROM users WHERE ldap_id IS NOT NULL").get()?.n ?? -1;
  } finally {
    handle.close();
  }
}

describe('SQLite and PostgreSQL end with the same rows', () => {
  test('first sync, a round of LDAP changes, and a hard delete give identical logical rows in both', async () => {
    const slapd = await startSlapd();
    const pg = await createTestDatabase('postgres');
    const lite = await createTestDatabase('sqlite');
    try {
      const syncBoth = async (overrides: Record<string, string> = {}) => {
        const a = await syncWith(testEnv(slapd, pg, overrides));
        const b = await syncWith(testEnv(slapd, lite, overrides));
        assert.ifError(a.error);
        assert.ifError(b.error);
        assert.deepEqual(b.result!.summary, a.result!.summary, 'same summary on both');
        return a.result!.summary;
      };

      const first = await syncBoth();
      assert.equal(first.users.created, 28, 'the test directory gives 28 users without local rows in the way');
      const pgRows = await logicalRows(pg);
      assert.deepEqual(await logicalRows(lite), pgRows);
      assert.ok(pgRows.users.length > 20 && pgRows.groups.length > 5 && pgRows.memberships.length > 20, 'the comparison is not vacuous');

      await ldapAdmin(slapd, async (client) => {
        await client.modify(`cn=Doe\\, John,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'uid', values: ['john.doe'] }) })]);
        await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.archer@example.com'] }) })]);
        await client.modify(`cn=developers,${GROUPS}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=bob,${PEOPLE}`] }) })]);
        await client.modify(`cn=team01,${GROUPS}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
        await client.del(`uid=user18,${PEOPLE}`);
        await client.del(`cn=team05,${GROUPS}`);
      });
      const changed = await syncBoth();
      assert.deepEqual(
        [changed.users.updated, changed.users.disabled, changed.groups.deleted, changed.memberships.added, changed.memberships.removed],
        [2, 1, 1, 1, 1],
      );
      assert.deepEqual(await logicalRows(lite), await logicalRows(pg));
      assert.equal((await lite.user('user18'))!.disabled, true, 'soft delete disables');

      const hard = await syncBoth({ LDAP_SOFT_DELETE_USERS: 'false' });
      assert.equal(hard.users.deleted, 1);
      assert.deepEqual(await logicalRows(lite), await logicalRows(pg));
      assert.equal(await lite.user('user18'), undefined);
    } finally {
      await pg.close();
      await lite.close();
      await slapd.stop();
    }
  });
});

describe('SQLite foreign keys on hard delete', () => {
  test('deleting a user or group removes every row that references it, as Pocket ID\'s own deletes do', async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    const file = db.connectionString;
    try {
      assert.ifError((await syncWith(testEnv(slapd, db))).error);
      const bob = (await db.user('bob'))!.id;
      const alice = (await db.user('alice'))!.id;
      const team05 = (await db.groups()).find((g) => g.name === 'team05')!.id;
      const developers = (await db.groups()).find((g) => g.name === 'developers')!.id;

      // Rows Pocket ID would have made while bob and alice used it (tables whose foreign keys reference users).
      const other = new Database(file);
      other.pragma('foreign_keys = ON');
      const now = Math.floor(Date.now() / 1000);
      const insert = (statement: string, ...values: unknown[]) => other.prepare(statement).run(...values);
      insert("INSERT INTO oidc_clients (id, created_at, name, created_by_id) VALUES ('c-bob', ?, 'Wiki', ?)", now, bob);
      insert("INSERT INTO oidc_clients (id, created_at, name, created_by_id) VALUES ('c-alice', ?, 'Chat', ?)", now, alice);
      for (const [who, id] of [['bob', bob], ['alice', alice]] as const) {
        insert(`INSERT INTO webauthn_credentials (id, created_at, name, credential_id, public_key, user_id) VALUES (?, ?, 'YubiKey', ?, ?, ?)`, `w-${who}`, now, Buffer.from(`cred-${who}`), Buffer.from('pk'), id);
        insert('INSERT INTO api_keys (id, created_at, name, key, expires_at, user_id) VALUES (?, ?, ?, ?, ?, ?)', `k-${who}`, now, 'ci', `hash-${who}`, now + 86400, id);
        insert("INSERT INTO audit_logs (id, created_at, event, data, user_id) VALUES (?, ?, 'SIGN_IN', '{}', ?)", `a-${who}`, now, id);
        insert('INSERT INTO reauthentication_tokens (id, created_at, token, expires_at, user_id) VALUES (?, ?, ?, ?, ?)', `r-${who}`, now, `t-${who}`, now + 300, id);
        insert("INSERT INTO user_authorized_oidc_clients (user_id, client_id, scope, last_used_at) VALUES (?, 'c-alice', 'openid', ?)", id, now);
        insert('INSERT INTO interaction_sessions (id, created_at, expires_at, data, user_id) VALUES (?, ?, ?, NULL, ?)', `s-${who}`, now, now + 300, id);
        insert("INSERT INTO custom_claims (id, created_at, key, value, user_id) VALUES (?, ?, 'department', 'R&D', ?)", `cc-${who}`, now, id);
      }
      insert("INSERT INTO custom_claims (id, created_at, key, value, user_group_id) VALUES ('cc-team05', ?, 'team', '5', ?)", now, team05);
      insert("INSERT INTO custom_claims (id, created_at, key, value, user_group_id) VALUES ('cc-dev', ?, 'team', 'dev', ?)", now, developers);
      insert('INSERT INTO oidc_clients_allowed_user_groups (oidc_client_id, user_group_id) VALUES (?, ?)', 'c-alice', team05);
      insert('INSERT INTO oidc_clients_allowed_user_groups (oidc_client_id, user_group_id) VALUES (?, ?)', 'c-alice', developers);

      const byUser = ['user_groups_users', 'webauthn_credentials', 'api_keys', 'audit_logs', 'reauthentication_tokens', 'user_authorized_oidc_clients', 'interaction_sessions', 'custom_claims'];
      const count = (table: string, column: string, id: string) =>
        other.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(id)!.n;
      for (const table of byUser) assert.ok(count(table, 'user_id', bob) >= 1, `bob has a ${table} row before`);
      assert.equal(count('user_groups_users', 'user_group_id', team05) > 0, true);

      await ldapAdmin(slapd, async (client) => {
        await client.del(`uid=bob,${PEOPLE}`);
        await client.del(`cn=team05,${GROUPS}`);
      });
      const outcome = await syncWith(testEnv(slapd, db, { LDAP_SOFT_DELETE_USERS: 'false' }));
      assert.ifError(outcome.error);
      assert.equal(outcome.result!.summary.users.deleted, 1);
      assert.equal(outcome.result!.summary.groups.deleted, 1);

      for (const table of byUser) {
        assert.equal(count(table, 'user_id', bob), 0, `${table}: bob's rows cascade with him`);
        assert.ok(count(table, 'user_id', alice) >= 1, `${table}: alice's rows stay`);
      }
      const creator = (id: string) => other.prepare<[string], { created_by_id: string | null }>('SELECT created_by_id FROM oidc_clients WHERE id = ?').get(id);
      assert.deepEqual(creator('c-bob'), { created_by_id: null }, 'oidc_clients.created_by_id is SET NULL, the client stays');
      assert.deepEqual(creator('c-alice'), { created_by_id: alice });
      for (const table of ['user_groups_users', 'custom_claims', 'oidc_clients_allowed_user_groups']) {
        assert.equal(count(table, 'user_group_id', team05), 0, `${table}: team05's rows cascade with the group`);
        assert.ok(count(table, 'user_group_id', developers) >= 1, `${table}: developers' rows stay`);
      }
      assert.deepEqual(other.pragma('foreign_key_check'), [], 'no dangling references anywhere');
      other.close();
    } finally {
      await db.close();
      await slapd.stop();
    }
  });
});

describe('SQLite with a concurrent writer (Pocket ID in the middle of a write)', () => {
  /** A second connection, as Pocket ID's own: BEGIN IMMEDIATE and a write not yet committed. */
  function holdWriteLock(file: string): Database.Database {
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO kv (key, value) VALUES ('pocket-id-write', 'pending')").run();
    return holder;
  }

  test(`a lock held past the busy timeout (${SQLITE_BUSY_TIMEOUT_MS} ms): the run waits, fails cleanly, writes nothing; the next run succeeds`, async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    const env = testEnv(slapd, db);
    try {
      const before = await db.dump();
      const holder = holdWriteLock(db.connectionString);
      const blocked = await runCli(['sync'], env);
      process.stdout.write(`# CLI run blocked by a held lock: ${blocked.ms.toFixed(0)} ms until exit (busy timeout ${SQLITE_BUSY_TIMEOUT_MS} ms)\n`);
      assert.equal(blocked.code, 1, `exit status 1\n${blocked.stdout}${blocked.stderr}`);
      assert.ok(blocked.ms >= SQLITE_BUSY_TIMEOUT_MS, `waited the busy timeout first (${blocked.ms.toFixed(0)} ms)`);
      assert.ok(blocked.ms < SQLITE_BUSY_TIMEOUT_MS + 10_000, `then gave up (${blocked.ms.toFixed(0)} ms)`);
      // The wording of the CLI's log lines is not this test's business; the error it carries is.
      const output = blocked.stdout + blocked.stderr;
      const failure = output.split('\n').find((line) => / ERR /.test(line) && line.includes('locked'));
      assert.ok(failure, `an ERR line reports the locked database:\n${output}`);
      assert.ok(failure.includes(db.connectionString), `the error names the database file: ${failure}`);
      assert.match(failure, new RegExp(`${SQLITE_BUSY_TIMEOUT_MS} ms`), 'and how long it waited');
      assert.match(failure, /nothing was written/);
      assert.equal(await db.dump(), before, 'nothing half-written');

      holder.exec('COMMIT');
      holder.close();
      const later = await runCli(['sync'], env);
      assert.equal(later.code, 0, later.stdout + later.stderr);
      assert.equal((await db.users()).length, 28);
      const kv = await runCli(['sync'], env); // and again: idempotent, no lock left behind
      assert.equal(kv.code, 0, kv.stdout + kv.stderr);
    } finally {
      await db.close();
      await slapd.stop();
    }
  });

  test('a lock released within the busy timeout: the run waits its turn and succeeds, both writes kept', async () => {
    const slapd = await startSlapd();
    const db = await createTestDatabase('sqlite');
    try {
      const holder = holdWriteLock(db.connectionString);
      const run = runCli(['sync'], testEnv(slapd, db, { LOG_LEVEL: 'debug' }), { onStdout: (text) => text.includes(' DBG LDAP directory read ') });
      // Once the directory is read the run is only planning (milliseconds of CPU) before its BEGIN
      // IMMEDIATE: the lock is then held for HOLD_MS more, so the run must wait for it.
      await run.condition;
      const HOLD_MS = 1000;
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
      holder.exec('COMMIT');
      holder.close();
      const released = performance.now();
      const done = await run;
      assert.equal(done.code, 0, done.stdout + done.stderr);
      assert.ok(done.endedAt >= released, 'the run finished only after the lock was released');
      assert.equal((await db.users()).length, 28);
      const check = new Database(db.connectionString, { readonly: true });
      assert.deepEqual(check.prepare("SELECT value FROM kv WHERE key = 'pocket-id-write'").get(), { value: 'pending' });
      check.close();
    } finally {
      await db.close();
      await slapd.stop();
    }
  });
});

describe('DB_CONNECTION_STRING forms for SQLite', () => {
  let slapd: SlapdInstance;
  let base: TestDatabase;
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sqlite-forms-'));
    dirs.push(dir);
    return dir;
  };
  const env = (connectionString: string) => testEnv(slapd, base, { DB_CONNECTION_STRING: connectionString });
  before(async () => {
    slapd = await startSlapd();
    base = await createTestDatabase('sqlite');
  });
  after(async () => {
    await base.close();
    await slapd.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('absolute forms: a plain path, file: URIs with query parameters, file:///, file://localhost/', async () => {
    const forms: [string, (file: string) => string][] = [
      ['plain path', (file) => file],
      ['file: URI with query', (file) => `file:${encodePath(file)}?_pragma=busy_timeout(5000)&_txlock=immediate`],
      ['file:/// URI', (file) => `file://${encodePath(file)}?_pragma=journal_mode(WAL)`],
      ['file://localhost/ URI', (file) => `file://localhost${encodePath(file)}`],
    ];
    for (const [what, form] of forms) {
      const file = path.join(freshDir(), 'data', 'pocket id.db'); // a space: URIs carry it as %20
      createSqliteFile(file);
      const outcome = await syncWith(env(form(file)));
      assert.ifError(outcome.error);
      assert.equal(countUsers(file), 28, `${what}: ${form(file)}`);
    }
  });

  test('relative forms resolve against the working directory, as in Pocket ID (empty: data/pocket-id.db)', async () => {
    for (const form of ['data/pocket-id.db', './data/pocket-id.db', 'file:data/pocket-id.db?_pragma=busy_timeout(2500)', '']) {
      const dir = freshDir();
      const file = path.join(dir, 'data', 'pocket-id.db');
      createSqliteFile(file);
      const run = await runCli(['sync'], env(form), { cwd: dir });
      assert.equal(run.code, 0, `${JSON.stringify(form)}: ${run.stdout}${run.stderr}`);
      assert.equal(countUsers(file), 28, JSON.stringify(form));
    }
  });

  test('a missing file is an error naming the path, and nothing is created', async () => {
    const dir = freshDir();
    const missing = path.join(dir, 'not-mounted', 'pocket-id.db');
    const absolute = await runCli(['sync'], env(missing));
    const absoluteOutput = absolute.stdout + absolute.stderr;
    assert.equal(absolute.code, 1, absoluteOutput);
    assert.ok(absoluteOutput.includes(`SQLite database ${missing} does not exist`), absoluteOutput);
    assert.ok(!existsSync(path.dirname(missing)), 'no directory or file was created');

    const relative = await runCli(['sync'], env('file:data/pocket-id.db?_pragma=busy_timeout(5000)'), { cwd: dir });
    const relativeOutput = relative.stdout + relative.stderr;
    assert.equal(relative.code, 1, relativeOutput);
    assert.ok(
      relativeOutput.includes(`SQLite database data/pocket-id.db (${path.join(dir, 'data', 'pocket-id.db')}) does not exist`),
      `a relative path is shown resolved against the working directory too: ${relativeOutput}`,
    );
    assert.ok(!existsSync(path.join(dir, 'data')));
  });
});
