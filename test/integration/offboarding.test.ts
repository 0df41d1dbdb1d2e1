// Session revocation with the disable (LDAP_SYNC_REVOKE_SESSIONS), on PostgreSQL and SQLite, against
// OAuth2 rows written the way Pocket ID v2.14 writes them (test/support/oauth-sessions.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { stopAllSlapd } from '../support/slapd.js';
import { addNsAccountLockSchema, lockAccount } from '../support/ns-account-lock.js';
import {
  insertClient,
  insertReauthenticationToken,
  insertSessions,
  reauthenticationTokens,
  sessionRows,
  type SessionRow,
  type StoredSession,
} from '../support/oauth-sessions.js';
import { startFixture, syncWith, type SyncFixture } from '../support/sync-harness.js';
import { DB_KINDS, type DbKind, type TestDatabase } from '../support/test-database.js';

after(() => stopAllSlapd());

const PEOPLE = 'ou=people,dc=example,dc=com';
const DEACTIVATED = new Set(['refresh_token', 'authorize_code', 'par', 'device_code', 'user_code']);
const DELETED = new Set(['access_token', 'openid', 'pkce']);

interface World extends SyncFixture {
  bob: string;
  /** Bob's env without him in the user search: he has left the directory. */
  withoutBob: Record<string, string>;
  before: Map<string, SessionRow>;
  reauthBefore: { userId: string; raw: string }[];
  /** Bob's rows a revocation must change: active rows of deactivated kinds and every row of deleted kinds. */
  expectedRows: number;
  /** The key of Bob's live refresh token at app-one. */
  bobRefresh: string;
}

async function insertLocalUser(db: TestDatabase): Promise<string> {
  const id = randomUUID();
  await sql`INSERT INTO users (id, username, email, first_name, last_name, display_name, is_admin, disabled, email_verified)
            VALUES (${id}, 'carl', 'carl@example.com', 'Carl', 'Local', 'Carl Local', ${db.kind === 'postgres' ? false : 0}, ${db.kind === 'postgres' ? false : 0}, ${db.kind === 'postgres' ? true : 1})`.execute(db.db);
  return id;
}

/** Requests as Pocket ID's flows leave them: a code flow with refresh, a second app, an access token alone, a pending PAR + code, a device login. */
function grantsOf(subject: string, other: boolean): StoredSession[] {
  const r = () => `req-${randomUUID()}`;
  if (other) {
    const [a, b] = [r(), r()];
    return [
      { kind: 'access_token', requestId: a, clientId: 'app-one', subject },
      { kind: 'refresh_token', requestId: a, clientId: 'app-one', subject },
      { kind: 'access_token', requestId: b, clientId: 'app-two', subject },
      { kind: 'refresh_token', requestId: b, clientId: 'app-two', subject },
      { kind: 'par', requestId: r(), clientId: 'app-two', subject },
    ];
  }
  const [codeFlow, secondApp, tokenOnly, pending, device] = [r(), r(), r(), r(), r()];
  return [
    // first: the live refresh token at app-one
    { kind: 'refresh_token', requestId: codeFlow, clientId: 'app-one', subject },
    { kind: 'refresh_token', requestId: codeFlow, clientId: 'app-one', subject, active: false }, // rotated away
    { kind: 'authorize_code', requestId: codeFlow, clientId: 'app-one', subject, active: false }, // exchanged
    { kind: 'openid', requestId: codeFlow, clientId: 'app-one', subject },
    { kind: 'pkce', requestId: codeFlow, clientId: 'app-one', subject },
    { kind: 'access_token', requestId: codeFlow, clientId: 'app-one', subject },
    { kind: 'access_token', requestId: secondApp, clientId: 'app-two', subject },
    { kind: 'refresh_token', requestId: secondApp, clientId: 'app-two', subject },
    { kind: 'access_token', requestId: tokenOnly, clientId: 'app-one', subject },
    { kind: 'par', requestId: pending, clientId: 'app-two', subject },
    { kind: 'authorize_code', requestId: pending, clientId: 'app-two', subject },
    { kind: 'openid', requestId: pending, clientId: 'app-two', subject },
    { kind: 'pkce', requestId: pending, clientId: 'app-two', subject },
    { kind: 'device_code', requestId: device, clientId: 'app-one', subject },
    { kind: 'user_code', requestId: device, clientId: 'app-one', subject },
  ];
}

async function world(kind: DbKind, env: Record<string, string> = {}): Promise<World> {
  const fixture = await startFixture(kind, { env });
  const { db } = fixture;
  assert.ifError((await syncWith(fixture.env)).error);
  const bob = (await db.user('bob'))!.id;
  const alice = (await db.user('alice'))!.id;
  const carl = await insertLocalUser(db);
  await insertClient(db, 'app-one', 'App One');
  await insertClient(db, 'app-two', 'App Two');
  const bobGrants = grantsOf(bob, false);
  const [bobRefresh] = await insertSessions(db, bobGrants);
  await insertSessions(db, [...grantsOf(alice, true), ...grantsOf(carl, true)]);
  for (const user of [bob, alice, carl]) await insertReauthenticationToken(db, user);
  const expectedSessions = bobGrants.filter((g) => DELETED.has(g.kind) || (DEACTIVATED.has(g.kind) && g.active !== false)).length;
  return {
    ...fixture,
    bob,
    withoutBob: { ...fixture.env, LDAP_USER_SEARCH_FILTER: `(&${fixture.env.LDAP_USER_SEARCH_FILTER}(!(uid=bob)))` },
    before: await sessionRows(db),
    reauthBefore: await reauthenticationTokens(db),
    expectedRows: expectedSessions + 1,
    bobRefresh: bobRefresh!,
  };
}

/** Bob's credentials are all unusable; every other row is exactly as it was. */
async function assertRevoked(w: World): Promise<void> {
  const after = await sessionRows(w.db);
  for (const [key, row] of w.before) {
    const now = after.get(key);
    if (row.subject !== w.bob) {
      assert.equal(now?.raw, row.raw, `${row.kind} of another user or client changed`);
    } else if (DELETED.has(row.kind)) {
      assert.equal(now, undefined, `Bob's ${row.kind} is deleted`);
    } else {
      assert.equal(now?.active, false, `Bob's ${row.kind} is inactive`);
      // Only the active flag: request_data, expiry and the rest stay as Pocket ID wrote them.
      assert.equal(now.raw.replace(/"active":(true|false|0|1)/, ''), row.raw.replace(/"active":(true|false|0|1)/, ''));
    }
  }
  assert.equal(after.size, [...w.before.values()].filter((r) => !(r.subject === w.bob && DELETED.has(r.kind))).length, 'no row added');
  const reauth = await reauthenticationTokens(w.db);
  assert.deepEqual(reauth, w.reauthBefore.filter((t) => t.userId !== w.bob));
}

async function assertUntouched(w: World): Promise<void> {
  assert.deepEqual([...(await sessionRows(w.db)).values()].map((r) => r.raw), [...w.before.values()].map((r) => r.raw));
  assert.deepEqual(await reauthenticationTokens(w.db), w.reauthBefore);
}

for (const kind of DB_KINDS) {
  describe(`revocation with the disable (${kind})`, () => {
    test('a user gone from the directory is disabled and every credential of theirs revoked in the same run; the counts are reported', async () => {
      const w = await world(kind);
      try {
        const started = Math.floor(Date.now() / 1000);
        const outcome = await syncWith(w.withoutBob);
        assert.ifError(outcome.error);
        const bob = (await w.db.user('bob'))!;
        assert.equal(bob.disabled, true);
        // Pocket ID's SCIM job pushes a user only when updated_at is newer than the target's copy.
        assert.ok(bob.updated_at !== null && bob.updated_at >= started, 'updated_at set by the disable');
        await assertRevoked(w);
        const sessions = outcome.result!.summary.sessions!;
        assert.equal(sessions.rows, w.expectedRows);
        assert.deepEqual(sessions.users, [{ username: 'bob', how: 'disabled', rows: w.expectedRows }]);
        assert.deepEqual(sessions.byKind, {
          refresh_token: 2, authorize_code: 1, par: 1, device_code: 1, user_code: 1,
          access_token: 3, openid: 2, pkce: 2, reauthentication_token: 1,
        });
      } finally {
        await w.done();
      }
    });

    test('re-enabling never revives old tokens: the refresh token stays inactive after the user returns', async () => {
      const w = await world(kind);
      try {
        assert.ifError((await syncWith(w.withoutBob)).error);
        await sql`UPDATE users SET updated_at = NULL WHERE username = 'bob'`.execute(w.db.db);
        const back = await syncWith(w.env);
        assert.ifError(back.error);
        const bob = (await w.db.user('bob'))!;
        assert.equal(bob.disabled, false);
        assert.notEqual(bob.updated_at, null, 'updated_at set by the re-enable, for SCIM');
        assert.equal(back.result!.summary.users.reEnabled, 1);
        assert.equal(back.result!.summary.sessions!.rows, 0);
        assert.equal((await sessionRows(w.db)).get(w.bobRefresh)?.active, false);
        await assertRevoked(w);
      } finally {
        await w.done();
      }
    });

    test('the directory\'s own disabled flag (nsAccountLock) revokes the same way', async () => {
      const w = await world(kind, { LDAP_SYNC_DISABLED_ACCOUNTS: 'true' });
      try {
        await addNsAccountLockSchema(w.slapd);
        await lockAccount(w.slapd, `uid=bob,${PEOPLE}`);
        const outcome = await syncWith(w.env);
        assert.ifError(outcome.error);
        assert.equal((await w.db.user('bob'))!.disabled, true);
        await assertRevoked(w);
        assert.equal(outcome.result!.summary.sessions!.rows, w.expectedRows);
      } finally {
        await w.done();
      }
    });

    test('hard delete (LDAP_SOFT_DELETE_USERS=false): the row goes and the sessions, which have no foreign key to it, are revoked', async () => {
      const w = await world(kind);
      try {
        const outcome = await syncWith({ ...w.withoutBob, LDAP_SOFT_DELETE_USERS: 'false' });
        assert.ifError(outcome.error);
        assert.equal(await w.db.user('bob'), undefined);
        await assertRevoked(w);
        assert.deepEqual(outcome.result!.summary.sessions!.users, [{ username: 'bob', how: 'deleted', rows: w.expectedRows }]);
      } finally {
        await w.done();
      }
    });

    test('a run the deletion guard refuses revokes nothing', async () => {
      const w = await world(kind);
      try {
        const outcome = await syncWith({ ...w.withoutBob, LDAP_SYNC_DELETE_THRESHOLD: '0' });
        assert.match(String(outcome.error), /guard/i);
        assert.equal((await w.db.user('bob'))!.disabled, false);
        await assertUntouched(w);
      } finally {
        await w.done();
      }
    });

    test('a dry run lists whose credentials a run would revoke and how many rows, and changes nothing; the real run then revokes exactly those', async () => {
      const w = await world(kind);
      try {
        const dry = await syncWith(w.withoutBob, { dryRun: true });
        assert.ifError(dry.error);
        assert.deepEqual(dry.result!.summary.sessions!.users, [{ username: 'bob', how: 'disabled', rows: w.expectedRows }]);
        await assertUntouched(w);
        const real = await syncWith(w.withoutBob);
        assert.deepEqual(real.result!.summary.sessions, dry.result!.summary.sessions);
      } finally {
        await w.done();
      }
    });

    test('LDAP_SYNC_REVOKE_SESSIONS=false: disabled only, as Pocket ID', async () => {
      const w = await world(kind);
      try {
        const outcome = await syncWith({ ...w.withoutBob, LDAP_SYNC_REVOKE_SESSIONS: 'false' });
        assert.ifError(outcome.error);
        assert.equal((await w.db.user('bob'))!.disabled, true);
        assert.equal(outcome.result!.summary.sessions, undefined);
        await assertUntouched(w);
      } finally {
        await w.done();
      }
    });

    test('a schema without oauth2_sessions (Pocket ID before v2.10): the run succeeds, revokes nothing and warns once per run', async () => {
      const w = await world(kind);
      try {
        await sql`DROP TABLE oauth2_sessions`.execute(w.db.db);
        for (let run = 0; run < 2; run++) {
          const outcome = await syncWith(w.withoutBob);
          assert.ifError(outcome.error);
          assert.equal(outcome.logs.match(/WRN Session revocation is off for this run/g)?.length, 1, outcome.logs);
          assert.equal(outcome.result!.summary.sessions, undefined);
        }
        assert.equal((await w.db.user('bob'))!.disabled, true);
        assert.deepEqual(await reauthenticationTokens(w.db), w.reauthBefore);
      } finally {
        await w.done();
      }
    });
  });
}

test('SQLite in small batches (LDAP_SYNC_SQLITE_BATCH_ROWS): each disabled user\'s credentials are revoked in the write transaction that disables them', async () => {
  const w = await world('sqlite', { LDAP_SYNC_SQLITE_BATCH_ROWS: '2' });
  try {
    const alice = (await w.db.user('alice'))!.id;
    const without = { ...w.withoutBob, LDAP_USER_SEARCH_FILTER: `(&${w.env.LDAP_USER_SEARCH_FILTER}(!(uid=bob))(!(uid=alice)))` };
    const outcome = await syncWith(without);
    assert.ifError(outcome.error);
    const commits = [...outcome.logs.matchAll(/Committed write transaction (\d+) of (\d+) wrote="([^"]*)"/g)].map((m) => m[3]);
    assert.deepEqual(commits, ['disable users 1', 'disable users 1'], 'one user per transaction');
    const after = await sessionRows(w.db);
    for (const row of w.before.values()) {
      if (row.subject !== w.bob && row.subject !== alice) continue;
      const now = after.get(row.key);
      assert.ok(now === undefined || now.active === false, `${row.kind} of ${row.subject === w.bob ? 'bob' : 'alice'} revoked`);
    }
    assert.deepEqual(outcome.result!.summary.sessions!.users.map((u) => u.username).sort(), ['alice', 'bob']);
    assert.equal(outcome.result!.transactions?.count, 2);
  } finally {
    await w.done();
  }
});
