// Custom claims against slapd on both databases: creation, change, removal,
// multi-valued, JSON-looking strings, bad values skipped, local users' and
// admin-made claims untouched, no-change runs, group claims, retired keys,
// the deletion guard, and a Pocket ID whose claims table was renamed.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Attribute, Change } from 'ldapts';
import { formatPlanReport } from '../../src/cli/plan-report.js';
import { emittedValue } from '../../src/sync/claim-values.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, startFixture, syncWith, type SyncFixture } from '../support/sync-harness.js';
import { DB_KINDS, type TestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

const PEOPLE = 'ou=people,dc=example,dc=com';
const ALICE = `uid=alice,${PEOPLE}`;
const DEVELOPERS = 'cn=developers,ou=groups,dc=example,dc=com';
const LOCAL_USER = 'a0000000-0000-4000-8000-0000000000c1';
const CLAIMS = {
  LDAP_SYNC_USER_CLAIMS: 'department=departmentNumber, employee_id=employeeNumber, kind=employeeType, mails=mail[], badge=audio, photo=jpegPhoto, bio=description',
  LDAP_SYNC_GROUP_CLAIMS: 'cost_centre=businessCategory, units=ou[]',
};

const replace = (type: string, values: (string | Buffer)[]) =>
  new Change({ operation: 'replace', modification: new Attribute({ type, values: values as string[] }) });

async function modify(fixture: SyncFixture, dn: string, changes: Change[]): Promise<void> {
  await ldapAdmin(fixture.slapd, (client) => client.modify(dn, changes));
}

/** "user:alice:department=R&D", sorted: every claim row with its owner. */
async function claimRows(db: TestDatabase): Promise<string[]> {
  const rows = await sql<{ owner: string; key: string; value: string }>`
    SELECT COALESCE('user:' || u.username, 'group:' || g.name) AS owner, c.key, c.value
    FROM custom_claims c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN user_groups g ON g.id = c.user_group_id`.execute(db.db);
  return rows.rows.map((r) => `${r.owner}:${r.key}=${r.value}`).sort();
}

/** A local user with a claim of a configured key, and an admin's extra claim on alice and on developers. */
async function addAdminClaims(db: TestDatabase): Promise<void> {
  const time = db.kind === 'postgres' ? new Date('2026-01-01T00:00:00Z') : 1767225600;
  const no = db.kind === 'postgres' ? false : 0;
  await db.db.insertInto('users').values({
    id: LOCAL_USER, created_at: time, updated_at: time, username: 'localuser', email: 'local@example.org', first_name: 'L', last_name: 'U',
    display_name: 'L U', is_admin: no, ldap_id: null, locale: null, disabled: no, email_verified: no,
  }).execute();
  const alice = (await db.user('alice'))!.id;
  const developers = (await db.groups()).find((g) => g.name === 'developers')!.id;
  await db.db.insertInto('custom_claims').values([
    { id: 'c0000000-0000-4000-8000-000000000001', created_at: time, key: 'department', value: 'Local dept', user_id: LOCAL_USER, user_group_id: null },
    { id: 'c0000000-0000-4000-8000-000000000002', created_at: time, key: 'nickname', value: 'Ally', user_id: alice, user_group_id: null },
    { id: 'c0000000-0000-4000-8000-000000000003', created_at: time, key: 'floor', value: '3', user_id: null, user_group_id: developers },
  ]).execute();
}

const ADMIN_MADE = ['user:alice:nickname=Ally', 'group:developers:floor=3', 'user:localuser:department=Local dept'];

for (const kind of DB_KINDS) {
  describe(`custom claims on ${kind}`, () => {
    test('created, typed as configured, bad values skipped, then no-change, change, removal, dry run and retired keys', async () => {
      const fixture = await startFixture(kind, { env: CLAIMS });
      const { db, env } = fixture;
      try {
        await modify(fixture, ALICE, [
          replace('departmentNumber', ['R&D']),
          replace('employeeNumber', ['123']),
          replace('employeeType', ['null']),
          replace('mail', ['alice@example.com', 'alice.archer@example.com']),
          replace('audio', [Buffer.from('ab\u0000cd')]),
          replace('jpegPhoto', [Buffer.from([0xff, 0xd8, 0xff, 0xe0])]),
          replace('description', ['x'.repeat(9000)]),
        ]);
        await modify(fixture, `uid=bob,${PEOPLE}`, [replace('departmentNumber', ['Sales'])]);
        await modify(fixture, DEVELOPERS, [replace('businessCategory', ['4711']), replace('ou', ['Platform', 'Tools'])]);

        const first = await syncWith(env);
        assert.ifError(first.error);
        const rows = await claimRows(db);
        assert.deepEqual(rows.filter((r) => r.startsWith('user:alice:') || r.startsWith('user:bob:') || r.startsWith('group:developers:')), [
          'group:developers:cost_centre="4711"',
          'group:developers:units=["Platform","Tools"]',
          'user:alice:department=R&D',
          'user:alice:employee_id="123"',
          'user:alice:kind="null"',
          'user:alice:mails=["alice@example.com","alice.archer@example.com"]',
          'user:bob:department=Sales',
          'user:bob:mails=["bob@example.com"]',
        ]);
        // What Pocket ID puts in the token (json.Unmarshal, else the text): the types the operator configured.
        const value = (row: string) => emittedValue(row.slice(row.indexOf('=') + 1));
        assert.deepEqual(rows.filter((r) => r.startsWith('user:alice:')).map(value), ['R&D', '123', 'null', ['alice@example.com', 'alice.archer@example.com']]);
        const summary = first.result!.summary;
        assert.deepEqual(
          summary.skips.filter((s) => s.kind === 'claim').map((s) => [s.dn, s.reason, s.message.split(':')[0]]),
          [[ALICE, 'claim-not-text', 'claim "badge" of user alice'], [ALICE, 'claim-not-text', 'claim "photo" of user alice'], [ALICE, 'claim-too-long', 'claim "bio" of user alice']],
        );
        assert.equal(summary.skipsByReason['claim-not-text'], 2);
        assert.equal(summary.skipsByReason['claim-too-long'], 1);
        assert.equal(summary.claims?.skipped, 3);
        assert.equal(summary.claims?.created, rows.length);
        assert.equal((first.logs.match(/WRN Skipped custom claim /g) ?? []).length, 3, first.logs);
        assert.match(first.logs, /WRN Skipped custom claim kind=claim dn="uid=alice,ou=people,dc=example,dc=com" reason=claim-too-long detail="claim \\"bio\\" of user alice: attribute description gives a value of 9000 bytes, more than 8192; no claim is written"/);
        assert.equal((await db.user('alice'))?.email, 'alice@example.com', 'alice herself synced');

        await addAdminClaims(db);
        const before = await db.dump();
        const second = await syncWith(env);
        assert.ifError(second.error);
        assert.equal(await db.dump(), before, 'a run with nothing changed writes no row');
        assert.deepEqual(second.result!.summary.claims, { created: 0, updated: 0, deleted: 0, skipped: 3 });

        await modify(fixture, ALICE, [
          replace('departmentNumber', ['Ops']),
          new Change({ operation: 'delete', modification: new Attribute({ type: 'employeeNumber' }) }),
          replace('mail', ['alice@example.com']),
          new Change({ operation: 'delete', modification: new Attribute({ type: 'description' }) }),
        ]);
        await modify(fixture, DEVELOPERS, [new Change({ operation: 'delete', modification: new Attribute({ type: 'businessCategory' }) })]);
        const dry = await syncWith(env, { dryRun: true });
        assert.ifError(dry.error);
        const report = formatPlanReport(dry.result!);
        assert.match(report, /Custom claims to change \(4\)/);
        assert.match(report, /user\s+alice\s+department: "R&D" → "Ops"/);
        assert.match(report, /user\s+alice\s+mails: \["alice@example.com","alice.archer@example.com"\] → \["alice@example.com"\]/);
        assert.match(report, /user\s+alice\s+employee_id: "123" → \(deleted\)/);
        assert.match(report, /group\s+developers\s+cost_centre: "4711" → \(deleted\)/);
        assert.match(report, /Custom claims: 0 created, 2 updated, 2 deleted, 2 skipped/);
        assert.equal(await db.dump(), before, 'the dry run wrote nothing');

        const third = await syncWith(env);
        assert.ifError(third.error);
        const changed = await claimRows(db);
        assert.ok(changed.includes('user:alice:department=Ops'));
        assert.ok(changed.includes('user:alice:mails=["alice@example.com"]'));
        assert.ok(!changed.some((r) => r.startsWith('user:alice:employee_id') || r.startsWith('group:developers:cost_centre')));
        for (const row of ADMIN_MADE) assert.ok(changed.includes(row), `${row} untouched`);
        assert.deepEqual(third.result!.summary.claims, { created: 0, updated: 2, deleted: 2, skipped: 2 });

        // department removed from the configuration, as a retired key: gone from LDAP users, kept on the local user.
        const retired = await syncWith({ ...env, LDAP_SYNC_USER_CLAIMS: 'department=, mails=mail[]', LDAP_SYNC_GROUP_CLAIMS: '' });
        assert.ifError(retired.error);
        const after = await claimRows(db);
        assert.ok(!after.some((r) => /^user:(alice|bob):department=/.test(r)), after.join('\n'));
        assert.ok(after.includes('group:developers:units=["Platform","Tools"]'), 'a key simply left out of the settings is left alone');
        for (const row of ADMIN_MADE) assert.ok(after.includes(row), `${row} untouched`);
      } finally {
        await fixture.done();
      }
    });

    test('a run the deletion guard refuses writes no claim either; a renamed claims table stops the run before any write', async () => {
      const fixture = await startFixture(kind, { env: CLAIMS });
      const { db, env } = fixture;
      try {
        assert.ifError((await syncWith(env)).error);
        await modify(fixture, ALICE, [replace('departmentNumber', ['Guarded'])]);
        const before = await db.dump();
        const refused = await syncWith({ ...env, LDAP_USER_SEARCH_FILTER: '(uid=alice)', LDAP_SYNC_DELETE_THRESHOLD: '1' });
        assert.match(refused.error?.message ?? '', /^deletion guard: this run would disable or delete \d+ of \d+ LDAP users/);
        assert.equal(await db.dump(), before);

        // What Pocket ID's unmerged "custom fields" migration does to the table.
        await sql`ALTER TABLE custom_claims RENAME TO custom_field_values`.execute(db.db);
        const users = JSON.stringify(await db.users());
        const stopped = await syncWith(env);
        assert.match(
          stopped.error?.message ?? '',
          /LDAP_SYNC_USER_CLAIMS \/ LDAP_SYNC_GROUP_CLAIMS are set, but this Pocket ID keeps custom claims in table custom_field_values instead of custom_claims; custom claims are supported for Pocket ID v2\.2\.0 to v2\.14\.x/,
        );
        assert.equal(JSON.stringify(await db.users()), users, 'nothing written');
        // Without claim settings the table is not needed.
        assert.ifError((await syncWith({ ...env, LDAP_SYNC_USER_CLAIMS: '', LDAP_SYNC_GROUP_CLAIMS: '' })).error);
      } finally {
        await fixture.done();
      }
    });
  });
}

test('SQLite in small batches: claims of new users land in later transactions than their users, and equal a one-transaction run', async () => {
  const batched = await startFixture('sqlite', { env: { ...CLAIMS, LDAP_SYNC_SQLITE_BATCH_ROWS: '20' } });
  const whole = await startFixture('sqlite', { env: CLAIMS });
  try {
    const first = await syncWith(batched.env);
    assert.ifError(first.error);
    assert.ok((first.result!.transactions?.count ?? 0) > 5, `several write transactions, got ${first.result!.transactions?.count}`);
    assert.match(first.logs, /DBG Committed write transaction \d+ of \d+ wrote="[^"]*insert user claims/);
    assert.ifError((await syncWith(whole.env)).error);
    assert.deepEqual(await claimRows(batched.db), await claimRows(whole.db));
    assert.ok((await claimRows(batched.db)).length > 20);
  } finally {
    await batched.done();
    await whole.done();
  }
});
