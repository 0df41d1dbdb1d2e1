// The SQLite state read's users query runs on a worker thread, its rows packed
// into strings by SQLite (src/db/sqlite/packed-rows.ts): every row must come
// back as better-sqlite3's raw mode gives it on the sync's own connection.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { rowsOffThread } from '../../src/db/sqlite/rows-off-thread.js';
import { SqliteDatabase } from '../../src/db/sqlite/sqlite-database.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rows-off-thread-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file with one table `t` of awkward values, and `n` generated rows in `many`. */
function fileWith(values: unknown[][], n: number): string {
  const file = path.join(dir, `t-${values.length}-${n}.db`);
  const db = new Database(file);
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, a, b)');
  const insert = db.prepare('INSERT INTO t (k, a, b) VALUES (?, ?, ?)');
  values.forEach(([a, b], k) => insert.run(k, a, b));
  db.exec("CREATE TABLE many (id TEXT PRIMARY KEY, n INTEGER, note TEXT)");
  const more = db.prepare('INSERT INTO many VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let k = 0; k < n; k++) more.run(`id-${String(k).padStart(6, '0')}`, k % 3 === 0 ? null : k, k % 7 === 0 ? `a\u001fb ${k}` : `n${k}`);
  })();
  db.close();
  return file;
}

const AWKWARD: unknown[][] = [
  ['plain', 'é and 😀'],
  ['', null],
  ['\u001dstarts with the tag', 'ends with it\u001d'],
  ['a\u001eb', 'a\u001fb'],
  [0, 1],
  [-5, 2 ** 40],
  [1.5, -0.1],
  [Buffer.from([0, 1, 0xff]), Buffer.alloc(0)],
  ['\u001d', '\u001di1'],
];

async function offThread(file: string, sql: string, parameters: unknown[] = []): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  await rowsOffThread(file, 1000)({ sql, parameters } as never, (row) => rows.push(row));
  return rows;
}

function raw(file: string, sql: string, parameters: unknown[] = []): unknown[][] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).raw(true).all(...parameters) as unknown[][];
  } finally {
    db.close();
  }
}

test('awkward values come back as raw mode gives them: control characters, NULL, numbers, blobs', async () => {
  const file = fileWith(AWKWARD, 0);
  const sql = 'SELECT a, b, k FROM t ORDER BY k';
  const rows = await offThread(file, sql);
  assert.equal(rows.length, AWKWARD.length);
  assert.deepEqual(rows, raw(file, sql));
  assert.deepEqual(rows[2], ['\u001dstarts with the tag', 'ends with it\u001d', 2]);
  assert.deepEqual(rows[8], ['\u001d', '\u001di1', 8]);
});

test('thousands of rows across chunks, in order, with parameters, and a correlated subquery column', async () => {
  const file = fileWith([['x', 'y']], 6000);
  const sql = 'SELECT m.id, m.n, m.note, (SELECT group_concat(t.a) FROM t WHERE t.k < m.n) AS sub FROM many AS m WHERE m.id >= ? ORDER BY m.id';
  const rows = await offThread(file, sql, ['id-000010']);
  assert.equal(rows.length, 5990);
  assert.deepEqual(rows, raw(file, sql, ['id-000010']));
});

test('no rows: each is never called', async () => {
  const file = fileWith([], 0);
  assert.deepEqual(await offThread(file, 'SELECT a, b FROM t'), []);
});

test('a failing query and a failing `each` reject the read', async () => {
  const file = fileWith([['x', 'y']], 10);
  await assert.rejects(offThread(file, 'SELECT nope FROM t'), /no such column: nope/);
  await assert.rejects(offThread(file, 'SELECT a, a FROM t'), /distinct column names/);
  const failing = rowsOffThread(file, 1000)({ sql: 'SELECT id FROM many', parameters: [] } as never, () => {
    throw new Error('each failed');
  });
  await assert.rejects(failing, /each failed/);
});

test("SqliteDatabase's read ahead gives the same state on the worker thread as on its own connection", async () => {
  const file = path.join(dir, 'pocket-id.db');
  const db = new Database(file);
  db.exec(readFileSync(new URL('../../../test/fixtures/pocket-id-schema.sqlite.sql', import.meta.url), 'utf8'));
  const user = db.prepare('INSERT INTO users (id, username, email, first_name, last_name, display_name, is_admin, ldap_id, disabled, email_verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  user.run('u1', 'alice', 'alice@example.com', 'Alice', 'A\u001fB', 'Alice \u001eA', 1, 'l1', 0, 1);
  user.run('u2', 'bob', null, '', '', '\u001dBob', 0, null, 1, 0);
  user.run('u3', 'carol', 'carol@example.com', 'Carol', 'C', 'Carol 😀', 0, 'l3', 0, 1);
  db.prepare("INSERT INTO user_groups (id, friendly_name, name, ldap_id) VALUES ('g1', 'G1', 'g1', 'lg1'), ('g2', 'G2', 'g2', NULL)").run();
  db.prepare("INSERT INTO user_groups_users (user_id, user_group_id) VALUES ('u1', 'g1'), ('u1', 'g2'), ('u3', 'g1')").run();
  db.close();
  const read = async (usersOffThread: number) => {
    const database = SqliteDatabase.open(file, undefined, usersOffThread);
    try {
      return (await database.readState()).state;
    } finally {
      await database.close();
    }
  };
  const offThread = await read(0);
  assert.deepEqual(offThread, await read(Number.POSITIVE_INFINITY));
  assert.equal(offThread.users.length, 3);
  assert.deepEqual([...offThread.memberships], [['u1', 'g1,g2'], ['u3', 'g1']]);
});
