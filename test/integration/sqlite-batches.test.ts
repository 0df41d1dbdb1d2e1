import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { startDaemon } from '../support/daemon-process.js';
import { stopAllSlapd } from '../support/slapd.js';
import { startFixture } from '../support/sync-harness.js';
import { createTestDatabase } from '../support/test-database.js';

// A SQLite run in small batches (LDAP_SYNC_SQLITE_BATCH_ROWS=8: two users, or eight memberships, per
// transaction), killed with SIGKILL between two commits, as a crash or an OOM kill would: the next
// run completes the work, and the result equals a run that was never interrupted.

const BATCH = { LDAP_SYNC_SQLITE_BATCH_ROWS: '8', LOG_LEVEL: 'debug' };

after(async () => {
  await stopAllSlapd();
});

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const cli = startDaemon(env, args);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** What a run leaves, without the random row ids: users, groups, memberships by name. */
function contents(file: string): { users: string[]; groups: string[]; memberships: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const users = db.prepare('SELECT username, email, first_name, last_name, display_name, is_admin, disabled, email_verified, ldap_id FROM users ORDER BY username').all();
    const groups = db.prepare('SELECT name, friendly_name, ldap_id FROM user_groups ORDER BY name').all();
    const memberships = db.prepare('SELECT g.name AS g, u.username AS u FROM user_groups_users m JOIN users u ON u.id = m.user_id JOIN user_groups g ON g.id = m.user_group_id ORDER BY 1, 2').all() as { g: string; u: string }[];
    return { users: users.map((r) => JSON.stringify(r)), groups: groups.map((r) => JSON.stringify(r)), memberships: memberships.map((m) => `${m.g}:${m.u}`) };
  } finally {
    db.close();
  }
}

function consistency(file: string): { integrity: unknown; foreignKeys: unknown[] } {
  const db = new Database(file, { readonly: true });
  try {
    return { integrity: db.pragma('integrity_check', { simple: true }), foreignKeys: db.pragma('foreign_key_check') as unknown[] };
  } finally {
    db.close();
  }
}

test('SQLite, small batches: the dry run counts them; a run killed between two commits leaves a consistent database that the next run completes, equal to an uninterrupted run', async () => {
  const fixture = await startFixture('sqlite', { env: BATCH });
  const reference = await createTestDatabase('sqlite');
  try {
    const { env, db } = fixture;
    const dry = await run(['sync', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.output);
    const needed = Number(/Write transactions: the plan needs (\d+) \(SQLite: committed one after another/.exec(dry.output)?.[1]);
    assert.ok(needed > 5, `the test directory takes several batches of 6: ${dry.output}`);

    const killed = startDaemon(env, ['sync']);
    const [second] = await killed.waitFor(/Committed write transaction 2 of (\d+)/);
    killed.child.kill('SIGKILL');
    await killed.exited;
    assert.equal(Number(second?.[1]), needed, 'the real run commits as many batches as the dry run said');
    const batchLines = [...killed.output().matchAll(/Committed write transaction (\d+) of \d+.* wrote="([^"]*)"/g)].map((m) => `${m[1]}: ${m[2]}`);
    assert.ok(batchLines[0]?.startsWith('1: insert users 2'), `users first, in pairs: ${batchLines.join(' | ')}`);

    assert.deepEqual(consistency(db.connectionString), { integrity: 'ok', foreignKeys: [] }, 'every committed batch is consistent on its own');
    const partial = contents(db.connectionString);
    assert.ok(partial.users.length >= 4, 'the two committed batches are there');
    assert.equal(partial.memberships.length, 0, 'memberships come after every user and group, so none is written yet');

    const resumed = await run(['sync'], env);
    assert.equal(resumed.code, 0, resumed.output);
    assert.match(resumed.output, /Job run successfully name=SyncLdap/);

    const oneShot = await run(['sync'], { ...env, DB_CONNECTION_STRING: reference.connectionString });
    assert.equal(oneShot.code, 0, oneShot.output);
    assert.deepEqual(contents(db.connectionString), contents(reference.connectionString));
    assert.deepEqual(consistency(db.connectionString), { integrity: 'ok', foreignKeys: [] });
    const again = await run(['sync', '--dry-run'], env);
    assert.match(again.output, /Write transactions: the plan needs 0\b/, 'nothing is left to do');
  } finally {
    await reference.close();
    await fixture.done();
  }
});
