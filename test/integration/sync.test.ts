import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, startFixture, syncWith, testEnv, type SyncFixture } from '../support/sync-harness.js';
import { createTestDatabase, DB_KINDS, type DbKind, type TestDatabase } from '../support/test-database.js';

const ID = (n: number) => `00000000-0000-4000-8000-00000000${String(n).padStart(4, '0')}`;
const PEOPLE = 'ou=people,dc=example,dc=com';

after(stopAllSlapd);

/** Local rows an admin made in Pocket ID: the sync must never touch them. */
async function addLocalRows(db: TestDatabase): Promise<void> {
  const time = db.kind === 'postgres' ? new Date('2026-01-01T00:00:00Z') : 1767225600;
  const no = db.kind === 'postgres' ? false : 0;
  await db.db
    .insertInto('users')
    .values([
      { id: 'a0000000-0000-4000-8000-000000000001', created_at: time, updated_at: time, username: 'LocalClash', email: 'local@example.org', first_name: 'Local', last_name: 'Clash', display_name: 'Local Clash', is_admin: no, ldap_id: null, locale: 'de', disabled: no, email_verified: no },
      { id: 'a0000000-0000-4000-8000-000000000002', created_at: time, updated_at: time, username: 'helper', email: 'helper@example.org', first_name: 'Help', last_name: 'Er', display_name: 'Help Er', is_admin: no, ldap_id: null, locale: null, disabled: no, email_verified: no },
    ])
    .execute();
  await db.db
    .insertInto('user_groups')
    .values([
      { id: 'b0000000-0000-4000-8000-000000000001', created_at: time, updated_at: time, name: 'marketing', friendly_name: 'Marketing', ldap_id: null },
      { id: 'b0000000-0000-4000-8000-000000000002', created_at: time, updated_at: time, name: 'local-team', friendly_name: 'Local team', ldap_id: null },
    ])
    .execute();
  await db.db.insertInto('user_groups_users').values({ user_id: 'a0000000-0000-4000-8000-000000000002', user_group_id: 'b0000000-0000-4000-8000-000000000002' }).execute();
}

async function fixture(kind: DbKind, options: { local?: boolean } = {}): Promise<SyncFixture> {
  const started = await startFixture(kind);
  if (options.local ?? true) await addLocalRows(started.db);
  return started;
}

for (const kind of DB_KINDS) {
  describe(`sync into ${kind}`, () => {
    test('first sync writes exactly the rows Pocket ID would, skipping only the bad entries', async () => {
      const { db, env, done } = await fixture(kind);
      try {
        const outcome = await syncWith(env);
        assert.ifError(outcome.error);
        const summary = outcome.result!.summary;
        assert.deepEqual(summary.users, { created: 27, updated: 0, disabled: 0, reEnabled: 0, deleted: 0, unchanged: 0, skipped: 3 });
        assert.deepEqual(summary.groups, { created: 8, updated: 0, deleted: 0, unchanged: 0, skipped: 2 });
        assert.deepEqual(summary.memberships, { added: 25, removed: 0 });
        assert.deepEqual(
          outcome.result!.plan.skips.map((s) => `${s.kind} ${s.reason} ${s.dn}`).sort(),
          [
            `group group-name-taken cn=marketing,ou=groups,dc=example,dc=com`,
            `group group-name-too-short cn=x,ou=groups,dc=example,dc=com`,
            `member member-unknown cn=designers,ou=groups,dc=example,dc=com`,
            `user invalid-username uid=bad user,${PEOPLE}`,
            `user missing-email uid=nomail,${PEOPLE}`,
            `user username-taken uid=localclash,${PEOPLE}`,
          ],
        );
        assert.equal(outcome.result!.entriesRead.users, 30, 'paging read every user past the size limit of 5');

        const alice = await db.user('alice');
        assert.deepEqual(
          { ...alice, id: undefined, created_at: undefined },
          {
            id: undefined, created_at: undefined, username: 'alice', email: 'alice@example.com', first_name: 'Alice', last_name: 'Archer',
            display_name: 'Alice Archer', is_admin: true, ldap_id: ID(1001), locale: null, disabled: false, email_verified: true, updated_at: null,
          },
        );
        assert.match(alice!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'ids are lowercase v4 UUIDs');
        assert.ok(Math.abs(alice!.created_at! - Date.now() / 1000) < 60);
        assert.equal((await db.user('bob'))!.display_name, 'Bob Builder', 'display name falls back to first + last');
        assert.equal((await db.user('admin1'))!.is_admin, true);
        assert.equal((await db.user('bob'))!.is_admin, false);
        const amelie = await db.user('amelie');
        assert.equal(amelie!.first_name, 'Am\u00e9lie');
        assert.equal(amelie!.display_name, 'Am\u00e9lie M\u00fcller');
        assert.equal((await db.user('Dave.Smith'))!.email, 'dave.smith@example.com');

        const groups = await db.groups();
        assert.deepEqual(groups.map((g) => g.name), ['admins', 'designers', 'developers', 'local-team', 'marketing', 'team01', 'team02', 'team03', 'team04', 'team05']);
        assert.equal(groups.find((g) => g.name === 'developers')!.ldap_id, ID(2001));
        assert.equal(groups.find((g) => g.name === 'developers')!.friendly_name, 'developers');
        const members = await db.memberships();
        assert.deepEqual(
          members.filter((m) => m.startsWith('developers:')),
          ['developers:Dave.Smith', 'developers:alice', 'developers:bob', 'developers:jdoe', 'developers:rdlead'],
          'escaped and differently-cased member DNs resolve through the DN cache',
        );
        assert.deepEqual(members.filter((m) => m.startsWith('designers:')), ['designers:amelie', 'designers:user01', 'designers:user02']);
        assert.equal(members.length, 26, '25 synced memberships plus the local one');
        const local = await db.user('LocalClash');
        assert.equal(local!.ldap_id, null);
        assert.equal(local!.locale, 'de');
      } finally {
        await done();
      }
    });

    test('a second sync writes nothing: rows and updated_at stay byte for byte', async () => {
      const { db, env, done } = await fixture(kind);
      try {
        assert.ifError((await syncWith(env)).error);
        const before = await db.dump();
        const second = await syncWith(env);
        assert.ifError(second.error);
        const plan = second.result!.plan;
        assert.equal(plan.users.create.length + plan.users.update.length + plan.users.disable.length + plan.groups.update.length + plan.memberships.add.length + plan.memberships.remove.length, 0);
        assert.equal(second.result!.summary.users.unchanged, 27);
        assert.equal(second.result!.summary.groups.unchanged, 8);
        assert.equal(await db.dump(), before);
      } finally {
        await done();
      }
    });

    test('changes in LDAP: rename, email change, members added and removed, user removed and back, group removed', async () => {
      const { slapd, db, env, done } = await fixture(kind);
      const hiddenEnv = { ...env, LDAP_USER_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(!(description=hidden)))' };
      try {
        assert.ifError((await syncWith(hiddenEnv)).error);
        const jdoeId = (await db.user('jdoe'))!.id;
        await ldapAdmin(slapd, async (client) => {
          await client.modify(`cn=Doe\\, John,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'uid', values: ['john.doe'] }) })]);
          await client.modify(`uid=alice,${PEOPLE}`, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['alice.archer@example.com'] }) })]);
          await client.modify('cn=team01,ou=groups,dc=example,dc=com', [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user20,${PEOPLE}`] }) })]);
          await client.modify('cn=developers,ou=groups,dc=example,dc=com', [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=bob,${PEOPLE}`] }) })]);
          await client.modify(`uid=user19,${PEOPLE}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'description', values: ['hidden'] }) })]);
          await client.del('cn=team05,ou=groups,dc=example,dc=com');
        });
        const changed = await syncWith(hiddenEnv);
        assert.ifError(changed.error);
        assert.deepEqual(changed.result!.summary.users, { created: 0, updated: 2, disabled: 1, reEnabled: 0, deleted: 0, unchanged: 24, skipped: 3 });
        assert.deepEqual(changed.result!.summary.groups, { created: 0, updated: 2, deleted: 1, unchanged: 5, skipped: 2 });
        assert.deepEqual(changed.result!.summary.memberships, { added: 1, removed: 1 });

        const renamed = await db.user('john.doe');
        assert.equal(renamed!.id, jdoeId, 'a rename keeps the row (and its passkeys)');
        assert.ok(renamed!.updated_at !== null);
        assert.equal((await db.user('alice'))!.email, 'alice.archer@example.com');
        assert.equal((await db.user('user19'))!.disabled, true);
        const members = await db.memberships();
        assert.ok(members.includes('team01:user20'));
        assert.ok(!members.includes('developers:bob'));
        assert.ok(members.includes('developers:john.doe'));
        assert.ok(!(await db.groups()).some((g) => g.name === 'team05'));
        assert.equal((await db.user('bob'))!.disabled, false);

        await ldapAdmin(slapd, (client) =>
          client.modify(`uid=user19,${PEOPLE}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'description', values: ['hidden'] }) })]),
        );
        const back = await syncWith(hiddenEnv);
        assert.ifError(back.error);
        assert.equal(back.result!.summary.users.reEnabled, 1);
        assert.equal((await db.user('user19'))!.disabled, false);

        await ldapAdmin(slapd, (client) => client.del(`uid=user18,${PEOPLE}`));
        const hard = await syncWith({ ...hiddenEnv, LDAP_SOFT_DELETE_USERS: 'false' });
        assert.ifError(hard.error);
        assert.equal(hard.result!.summary.users.deleted, 1);
        assert.equal(await db.user('user18'), undefined);
        assert.ok(!(await db.memberships()).some((m) => m.endsWith(':user18')), 'memberships cascade with the user');
      } finally {
        await done();
      }
    });

    test('local users, local groups and local memberships are never touched', async () => {
      const { db, env, done } = await fixture(kind);
      try {
        const localBefore = JSON.stringify([(await db.users()).filter((u) => u.ldap_id === null), (await db.groups()).filter((g) => g.ldap_id === null)]);
        assert.ifError((await syncWith(env)).error);
        assert.ifError((await syncWith({ ...env, LDAP_SOFT_DELETE_USERS: 'false', LDAP_USER_SEARCH_FILTER: '(uid=alice)', LDAP_SYNC_DELETE_THRESHOLD: '100%' })).error);
        const localAfter = JSON.stringify([(await db.users()).filter((u) => u.ldap_id === null), (await db.groups()).filter((g) => g.ldap_id === null)]);
        assert.equal(localAfter, localBefore);
        assert.ok((await db.memberships()).includes('local-team:helper'));
      } finally {
        await done();
      }
    });

    test('posixGroup memberUid values are taken as usernames', async () => {
      const { db, env, done } = await fixture(kind, { local: false });
      try {
        const outcome = await syncWith({ ...env, LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=posixGroup)', LDAP_ATTRIBUTE_GROUP_MEMBER: 'memberUid' });
        assert.ifError(outcome.error);
        assert.deepEqual(await db.memberships(), ['posix-staff:alice', 'posix-staff:bob', 'posix-staff:user05']);
      } finally {
        await done();
      }
    });

    test('a member DN that is neither cached nor named by username is looked up in LDAP', async () => {
      const { db, env, done } = await fixture(kind, { local: false });
      try {
        // jdoe is not among the users read, and its DN (cn=Doe\, John) does not carry uid.
        const outcome = await syncWith({ ...env, LDAP_USER_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(!(uid=jdoe)))' });
        assert.ifError(outcome.error);
        assert.equal(outcome.result!.plan.skips.filter((s) => s.reason === 'member-unknown' && s.message.includes('"jdoe"')).length, 1, 'the lookup found username jdoe');
        assert.match(outcome.logs, /Resolved group member by lookup .*username=jdoe/);
        assert.ok(!(await db.memberships()).some((m) => m.endsWith(':jdoe')));
      } finally {
        await done();
      }
    });

    for (const [phase, marker] of [
      ['during the user search', 'inetOrgPerson'],
      ['after the user search, during the group search', 'groupOfNames'],
    ] as const) {
      test(`LDAP failing ${phase} leaves the database exactly as it was`, async () => {
        const { slapd, db, env, done } = await fixture(kind);
        const proxy = await startCuttingProxy(slapd.url);
        try {
          assert.ifError((await syncWith(env)).error);
          await ldapAdmin(slapd, (client) => client.del(`uid=user20,${PEOPLE}`));
          const before = await db.dump();
          proxy.cutOn(marker);
          const failed = await syncWith({ ...env, LDAP_URL: proxy.url });
          assert.ok(failed.error, 'the run must fail');
          assert.match(failed.error.message, /failed to query LDAP (users|groups)/);
          assert.equal(proxy.cuts, 1);
          assert.equal(await db.dump(), before);
          proxy.cutOn(null);
          const healthy = await syncWith({ ...env, LDAP_URL: proxy.url });
          assert.ifError(healthy.error);
          assert.equal(healthy.result!.summary.users.disabled, 1);
        } finally {
          await proxy.close();
          await done();
        }
      });
    }

    test('dry run computes the same plan and writes nothing', async () => {
      const { db, env, done } = await fixture(kind);
      try {
        const before = await db.dump();
        const dry = await syncWith(env, { dryRun: true });
        assert.ifError(dry.error);
        assert.equal(await db.dump(), before);
        const real = await syncWith(env);
        assert.deepEqual(real.result!.summary.users, dry.result!.summary.users);
        assert.deepEqual(real.result!.summary.groups, dry.result!.summary.groups);
        assert.deepEqual(real.result!.summary.memberships, dry.result!.summary.memberships);
      } finally {
        await done();
      }
    });
  });
}

test('the bind password never appears in logs or errors, even when the bind fails', async () => {
  const slapd = await startSlapd();
  const db = await createTestDatabase('sqlite');
  try {
    const secret = 'S3cret-Pa55word!';
    const outcome = await syncWith(testEnv(slapd, db, { LDAP_BIND_PASSWORD: secret }));
    assert.ok(outcome.error);
    assert.match(outcome.error.message, /failed to bind to LDAP as cn=reader,dc=example,dc=com: .*49/);
    assert.ok(!outcome.error.message.includes(secret));
    assert.ok(!outcome.logs.includes(secret));
  } finally {
    await db.close();
    await slapd.stop();
  }
});
