/**
 * Nested groups and directory-disabled accounts against OpenLDAP slapd:
 * nesting is flattened from the snapshot alone (slapd's member holds group
 * DNs as they are), and 389-ds/FreeIPA's nsAccountLock is reproduced with a
 * schema added live through cn=config (slapd has no such attribute) on an
 * extensibleObject entry.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { addNsAccountLockSchema, slapdConfigChange } from '../support/ns-account-lock.js';
import { stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { ldapAdmin, startFixture, syncWith, type SyncFixture } from '../support/sync-harness.js';
import type { TestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

const BASE = 'dc=example,dc=com';
const PEOPLE = `ou=people,${BASE}`;
const GROUPS = `ou=groups,${BASE}`;
const ID = (n: number) => `00000000-0000-4000-8000-00000000${String(n).padStart(4, '0')}`;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];

function ldif(): string {
  const blocks = [
    `dn: ${BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\nentryUUID: ${ID(1)}`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people\nentryUUID: ${ID(2)}`,
    `dn: ${GROUPS}\nobjectClass: organizationalUnit\nou: groups\nentryUUID: ${ID(3)}`,
    `dn: cn=reader,${BASE}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: readerpw\nentryUUID: ${ID(4)}`,
  ];
  USERS.forEach((name, i) => {
    blocks.push(
      [`dn: uid=${name},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${name}`, `cn: ${name}`, `sn: Tester`, `givenName: ${name}`, `mail: ${name}@example.com`, `entryUUID: ${ID(1001 + i)}`].join('\n'),
    );
  });
  const groups: [string, string[], string[], string?][] = [
    ['admins', ['alice'], ['oncall']],
    ['oncall', ['erin'], []],
    // eng ∋ platform ∋ sre ∋ eng: a cycle; eng also holds a group the group filter does not match.
    ['eng', ['alice'], ['platform', 'hidden']],
    ['platform', ['bob'], ['sre']],
    ['sre', ['carol'], ['eng']],
    ['all-staff', ['frank'], ['eng']],
    ['hidden', ['dave'], [], 'hidden'],
  ];
  groups.forEach(([name, users, memberGroups, description], i) => {
    blocks.push(
      [
        `dn: cn=${name},${GROUPS}`,
        'objectClass: groupOfNames',
        `cn: ${name}`,
        ...(description ? [`description: ${description}`] : []),
        ...users.map((u) => `member: uid=${u},${PEOPLE}`),
        ...memberGroups.map((g) => `member: cn=${g},${GROUPS}`),
        `entryUUID: ${ID(2001 + i)}`,
      ].join('\n'),
    );
  });
  return `${blocks.join('\n\n')}\n`;
}


/** An olcAccess rule, ahead of the others, that hides one attribute from the reader (slapd then leaves it out silently). */
const hideFromReader = (slapd: SlapdInstance, attribute: string) =>
  slapdConfigChange(
    slapd,
    'ldapmodify',
    ['dn: olcDatabase={1}mdb,cn=config', 'changetype: modify', 'add: olcAccess', `olcAccess: {0}to attrs=${attribute} by dn.exact="cn=reader,${BASE}" none by * read`, ''].join('\n'),
  );

const lockedWithExtensibleObject = (slapd: SlapdInstance, user: string) =>
  ldapAdmin(slapd, (client) =>
    client.modify(`uid=${user},${PEOPLE}`, [
      new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['extensibleObject'] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['TRUE'] }) }),
    ]),
  );

const GROUP_FILTER = '(&(objectClass=groupOfNames)(!(description=hidden)))';

function fixture(): Promise<SyncFixture> {
  return startFixture('sqlite', { ldif: ldif(), sizeLimit: 100, env: { LDAP_USER_GROUP_SEARCH_FILTER: GROUP_FILTER, LDAP_SYNC_PAGE_SIZE: '3' } });
}

async function membersOf(db: TestDatabase, group: string): Promise<string[]> {
  return (await db.memberships()).filter((m) => m.startsWith(`${group}:`)).map((m) => m.slice(group.length + 1)).sort();
}

const lock = (value: string | null) => (slapd: SlapdInstance, user: string) =>
  ldapAdmin(slapd, (client) =>
    client.modify(
      `uid=${user},${PEOPLE}`,
      value === null
        ? [new Change({ operation: 'delete', modification: new Attribute({ type: 'nsAccountLock' }) })]
        : [new Change({ operation: 'replace', modification: new Attribute({ type: 'nsAccountLock', values: [value] }) })],
    ),
  );

describe('nested groups on slapd', () => {
  test('LDAP_SYNC_NESTED_GROUPS=true: members through member groups, a cycle, the admin flag; a group outside the filter is not expanded', async () => {
    const { db, env, done } = await fixture();
    try {
      const outcome = await syncWith({ ...env, LDAP_SYNC_NESTED_GROUPS: 'true' });
      assert.ifError(outcome.error);
      assert.match(outcome.logs, /LDAP directory recognised vendor=openldap/);
      for (const group of ['eng', 'platform', 'sre']) assert.deepEqual(await membersOf(db, group), ['alice', 'bob', 'carol'], group);
      assert.deepEqual(await membersOf(db, 'all-staff'), ['alice', 'bob', 'carol', 'frank']);
      assert.deepEqual(await membersOf(db, 'admins'), ['alice', 'erin']);
      assert.deepEqual((await db.users()).filter((u) => u.is_admin).map((u) => u.username), ['alice', 'erin']);
      // cn=hidden is not read (the filter excludes it): not a known group, so it goes the Pocket ID way,
      // a lookup that finds no uid, and dave does not become a member of eng.
      assert.ok(!(await membersOf(db, 'eng')).includes('dave'));
      assert.deepEqual(
        outcome.result!.plan.skips.map((s) => `${s.reason} ${s.dn} ${s.message}`),
        [`member-not-found cn=eng,${GROUPS} member entry has no uid attribute: cn=hidden,${GROUPS}`],
      );
      const second = await syncWith({ ...env, LDAP_SYNC_NESTED_GROUPS: 'true' });
      assert.equal(second.result!.summary.groups.unchanged, 6);
    } finally {
      await done();
    }
  });

  test('off: flat, exactly as Pocket ID (member groups add nobody; the skip names LDAP_SYNC_NESTED_GROUPS)', async () => {
    const { db, env, done } = await fixture();
    try {
      const outcome = await syncWith(env);
      assert.ifError(outcome.error);
      assert.deepEqual(await membersOf(db, 'eng'), ['alice']);
      assert.deepEqual(await membersOf(db, 'all-staff'), ['frank']);
      assert.deepEqual(await membersOf(db, 'admins'), ['alice']);
      const skips = outcome.result!.plan.skips;
      assert.equal(skips.filter((s) => s.reason === 'member-is-group').length, 5, 'every member value naming a group that was read');
      assert.ok(
        skips.some((s) => s.reason === 'member-is-group' && s.dn === `cn=eng,${GROUPS}` && s.message === `member is a group; its members are not included while LDAP_SYNC_NESTED_GROUPS=false (set it to true to include them): cn=platform,${GROUPS}`),
      );
      // cn=hidden is outside the group filter: not known as a group, so it is looked up as Pocket ID does.
      assert.deepEqual(skips.filter((s) => s.reason === 'member-not-found').map((s) => s.message), [`member entry has no uid attribute: cn=hidden,${GROUPS}`]);
    } finally {
      await done();
    }
  });

  test('switching nesting off removes the inherited memberships, and on again restores them', async () => {
    const { db, env, done } = await fixture();
    try {
      assert.ifError((await syncWith({ ...env, LDAP_SYNC_NESTED_GROUPS: 'true' })).error);
      const off = await syncWith(env);
      assert.ifError(off.error);
      assert.deepEqual(await membersOf(db, 'sre'), ['carol']);
      assert.equal(off.result!.summary.memberships.removed, 10);
      const on = await syncWith({ ...env, LDAP_SYNC_NESTED_GROUPS: 'true' });
      assert.equal(on.result!.summary.memberships.added, 10);
    } finally {
      await done();
    }
  });
});

describe('disabled accounts on slapd (nsAccountLock, as 389-ds and FreeIPA)', () => {
  test('nsAccountLock=TRUE disables the user, FALSE or removing it enables it again; the setting off ignores it', async () => {
    const { slapd, db, env, done } = await fixture();
    const on = { ...env, LDAP_SYNC_DISABLED_ACCOUNTS: 'true' };
    try {
      await addNsAccountLockSchema(slapd);
      await ldapAdmin(slapd, (client) =>
        client.modify(`uid=bob,${PEOPLE}`, [
          new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['extensibleObject'] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['TRUE'] }) }),
        ]),
      );
      await ldapAdmin(slapd, (client) =>
        client.modify(`uid=carol,${PEOPLE}`, [
          new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['extensibleObject'] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['false'] }) }),
        ]),
      );

      const first = await syncWith(on);
      assert.ifError(first.error);
      assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username), ['bob']);
      assert.match(first.logs, /Account disabled in the directory dn="uid=bob,ou=people,dc=example,dc=com" reason="nsAccountLock=TRUE"/);

      await lock('true')(slapd, 'carol');
      await lock('FALSE')(slapd, 'bob');
      const second = await syncWith(on);
      assert.ifError(second.error);
      assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username), ['carol']);
      assert.equal(second.result!.summary.users.disabled, 1);
      assert.equal(second.result!.summary.users.reEnabled, 1);
      assert.equal(second.result!.guard, null, 'a directory-disabled account is not a removal for the deletion guard');

      await lock(null)(slapd, 'carol');
      const third = await syncWith(on);
      assert.ifError(third.error);
      assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username), []);

      await ldapAdmin(slapd, (client) =>
        client.modify(`uid=dave,${PEOPLE}`, [
          new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['extensibleObject'] }) }),
          new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['TRUE'] }) }),
        ]),
      );
      const off = await syncWith(env);
      assert.ifError(off.error);
      assert.equal((await db.user('dave'))!.disabled, false, 'setting off: Pocket ID\'s behaviour, everyone read is enabled');
    } finally {
      await done();
    }
  });

  test('LDAP_SYNC_MEMBER_RANGE_SIZE on a server without ranged retrieval fails the run before anything is written', async () => {
    const { db, env, done } = await fixture();
    try {
      const before = await db.dump();
      const outcome = await syncWith({ ...env, LDAP_SYNC_MEMBER_RANGE_SIZE: '1000' });
      assert.ok(outcome.error);
      assert.match(outcome.error.message, /LDAP_SYNC_MEMBER_RANGE_SIZE=1000 needs Active Directory or Samba, but the directory is OpenLDAP/);
      assert.equal(await db.dump(), before);
    } finally {
      await done();
    }
  });
});

describe('attributes the reader may not see, on slapd (olcAccess)', () => {
  test('an ACL hiding nsAccountLock: the re-enable guard refuses to unlock, names the attribute and the ACL; database unchanged', async () => {
    const { slapd, db, env, done } = await fixture();
    const on = { ...env, LDAP_SYNC_DISABLED_ACCOUNTS: 'true' };
    try {
      await addNsAccountLockSchema(slapd);
      await lockedWithExtensibleObject(slapd, 'bob');
      assert.ifError((await syncWith(on)).error);
      assert.equal((await db.user('bob'))!.disabled, true);
      const before = await db.dump();

      await hideFromReader(slapd, 'nsAccountLock');
      const refused = await syncWith(on);
      assert.ok(refused.error, 'the run fails');
      assert.equal(refused.error.name, 'ReEnableGuardError');
      assert.match(refused.error.message, /^re-enable guard: no user entry carries any of userAccountControl, msDS-UserAccountDisabled, nsAccountLock while this run would re-enable 1 directory users/);
      assert.match(refused.error.message, /olcAccess to attrs=nsAccountLock by dn\.exact="cn=reader,dc=example,dc=com" read/);
      assert.match(refused.logs, /ERR Re-enable guard refused the run/);
      assert.equal(await db.dump(), before, 'nothing written');

      const dry = await syncWith(on, { dryRun: true });
      assert.ifError(dry.error);
      assert.match(dry.result!.reEnableGuard!.message, /no user entry carries/);
      const overridden = await syncWith(on, { allowMassReenable: true });
      assert.ifError(overridden.error);
      assert.match(overridden.logs, /WRN Re-enable guard overridden for this run/);
      assert.equal((await db.user('bob'))!.disabled, false, 'the operator said so for this one run');
    } finally {
      await done();
    }
  });

  test('an ACL hiding member: the admin group resolves to nobody, the run is refused; database unchanged', async () => {
    const { slapd, db, env, done } = await fixture();
    try {
      assert.ifError((await syncWith(env)).error);
      assert.deepEqual((await db.users()).filter((u) => u.is_admin).map((u) => u.username), ['alice']);
      const before = await db.dump();
      await hideFromReader(slapd, 'member');
      const refused = await syncWith(env);
      assert.ok(refused.error);
      assert.match(refused.error.message, /^re-enable guard: the admin group "admins" resolves to nobody while Pocket ID has 1 directory admins: .* its member attribute/);
      assert.equal(await db.dump(), before);
    } finally {
      await done();
    }
  });
});
