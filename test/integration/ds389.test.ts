/**
 * What 389 Directory Server does differently, against a real one (one
 * instance for the whole file, test/support/ds389.ts): entryUUID after an
 * offline import, nsAccountLock set directly and through a locked role,
 * uniqueMember values with the optional #'…'B UID suffix, memberOf and
 * referential integrity on a rename, the 2000-entry size limit of non-root
 * binds against the page size, and an ACI that hides nsAccountLock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { runChecks } from '../../src/service/check.js';
import { DS_BASE, startDs389, type Ds389Instance } from '../support/ds389.js';
import { skipUnlessCi } from '../support/requirement.js';
import { syncWith, type SyncOutcome } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PEOPLE = `ou=People,${DS_BASE}`;
const GROUPS = `ou=Groups,${DS_BASE}`;
const SERVICES = `ou=Services,${DS_BASE}`;
const READER = `cn=reader,${SERVICES}`;
const BLIND_READER = `cn=blind-reader,${SERVICES}`;
const PASSWORD = 'Reader_Password1';
/** More than the 2000 entries 389 returns to a non-root bind at once (nsslapd-sizelimit). */
const BULK = 2100;

/** The attributes an ordinary reader ACI lists, without nsAccountLock. */
const VISIBLE = 'objectClass || uid || cn || sn || givenName || mail || entryUUID || member || uniqueMember || employeeType';

function person(uid: string, extra: string[] = [], mail = true): string {
  return [`dn: uid=${uid},${PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: ${uid} Tester`, 'sn: Tester', `givenName: ${uid}`, ...(mail ? [`mail: ${uid}@example.com`] : []), ...extra].join('\n');
}

function ldif(): string {
  const blocks = [
    [`dn: ${DS_BASE}`, 'objectClass: top', 'objectClass: domain', 'dc: example',
      `aci: (targetattr="*")(version 3.0; acl "reader"; allow (read, search, compare) userdn="ldap:///${READER}";)`,
      `aci: (targetattr="${VISIBLE}")(version 3.0; acl "blind-reader"; allow (read, search, compare) userdn="ldap:///${BLIND_READER}";)`].join('\n'),
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: People`,
    `dn: ${GROUPS}\nobjectClass: organizationalUnit\nou: Groups`,
    `dn: ${SERVICES}\nobjectClass: organizationalUnit\nou: Services`,
    `dn: ${READER}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${PASSWORD}`,
    `dn: ${BLIND_READER}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: blind-reader\nuserPassword: ${PASSWORD}`,
    person('alice'),
    person('bob', ['nsAccountLock: TRUE']),
    person('carol', ['nsAccountLock: true']),
    person('dave'),
    person('erin'),
    person('frank', [], false),
    `dn: cn=admins,${GROUPS}\nobjectClass: groupOfNames\ncn: admins\nmember: uid=alice,${PEOPLE}\nmember: uid=erin,${PEOPLE}`,
    // frank has no mail (skipped), and a member group while nesting is off.
    `dn: cn=eng,${GROUPS}\nobjectClass: groupOfNames\ncn: eng\nmember: uid=alice,${PEOPLE}\nmember: uid=frank,${PEOPLE}\nmember: cn=admins,${GROUPS}`,
    // uniqueMember may carry the optional UID suffix (RFC 4517 NameAndOptionalUID).
    `dn: cn=ustaff,${GROUPS}\nobjectClass: groupOfUniqueNames\ncn: ustaff\nuniqueMember: uid=alice,${PEOPLE}#'0101'B\nuniqueMember: uid=bob,${PEOPLE}\nuniqueMember: uid=dave,${PEOPLE}#'1'B`,
  ];
  for (let i = 0; i < BULK; i++) blocks.push(person(`bulk${String(i).padStart(4, '0')}`, ['employeeType: bulk']));
  return `${blocks.join('\n\n')}\n`;
}

/** The people and groups, without the bulk users (they are for the size-limit test). */
const PEOPLE_ONLY = '(&(objectClass=inetOrgPerson)(!(employeeType=bulk)))';

function env(ds: Ds389Instance, db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    LDAP_ENABLED: 'true',
    LDAP_URL: ds.url,
    LDAP_BIND_DN: READER,
    LDAP_BIND_PASSWORD: PASSWORD,
    LDAP_BASE: DS_BASE,
    LDAP_USER_SEARCH_FILTER: PEOPLE_ONLY,
    LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=groupOfNames)',
    LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'entryUUID',
    LDAP_ATTRIBUTE_USER_USERNAME: 'uid',
    LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
    LDAP_ATTRIBUTE_USER_FIRST_NAME: 'givenName',
    LDAP_ATTRIBUTE_USER_LAST_NAME: 'sn',
    LDAP_ATTRIBUTE_GROUP_MEMBER: 'member',
    LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'entryUUID',
    LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
    LDAP_ADMIN_GROUP_NAME: 'admins',
    LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
    LDAP_SYNC_PAGE_SIZE: '500',
    DB_CONNECTION_STRING: db.connectionString,
    ...overrides,
  };
}

let ds: Ds389Instance | undefined;
let skip: string | undefined;
/** A sync run right after the offline import, before the entryUUID fixup. */
let beforeFixup: SyncOutcome | undefined;
let fixupMs = 0;
const databases: TestDatabase[] = [];

async function freshDb(): Promise<TestDatabase> {
  const db = await createTestDatabase('sqlite');
  databases.push(db);
  return db;
}

before(async () => {
  const started = await startDs389(ldif(), { plugins: ['memberof', 'referint'] });
  if ('skip' in started) {
    skip = started.skip;
    return;
  }
  ds = started;
  const t = ds.timings;
  process.stderr.write(`389-ds instance: create ${Math.round(t.createMs)} ms, offline import of ${BULK + 13} entries ${Math.round(t.importMs)} ms, start ${Math.round(t.startMs)} ms\n`);
  beforeFixup = await syncWith(env(ds, await freshDb()));
  const fixupStarted = performance.now();
  await ds.runTask('entryuuid task', { basedn: DS_BASE, filter: '(objectClass=*)' });
  fixupMs = performance.now() - fixupStarted;
  // A role lock: dave is in a managed role that is then locked (a virtual nsAccountLock through CoS).
  await ds.dsidm(['role', 'create-managed', '--cn', 'contractors']);
  await ds.admin((client) =>
    client.modify(`uid=dave,${PEOPLE}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'nsRoleDN', values: [`cn=contractors,${DS_BASE}`] }) })]),
  );
  await ds.dsidm(['role', 'lock', `cn=contractors,${DS_BASE}`]);
  await untilRoleLockVisible(ds, `uid=dave,${PEOPLE}`);
});

/**
 * 389's Class of Service cache is rebuilt by a background thread after
 * `dsidm role lock`, so the virtual nsAccountLock appears a moment later; a
 * run started before that reads dave as unlocked. Wait for the condition.
 */
async function untilRoleLockVisible(instance: Ds389Instance, dn: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const lock = await instance.admin(async (client) => {
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['nsAccountLock'] });
      return String(searchEntries[0]?.nsAccountLock ?? '');
    });
    if (lock.toLowerCase() === 'true') return;
    if (performance.now() > deadline) throw new Error(`${dn}: nsAccountLock still "${lock}" ${timeoutMs} ms after the role was locked`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

after(async () => {
  for (const db of databases) await db.close();
  await ds?.remove();
});

const need = (): Ds389Instance => {
  if (!ds) throw new Error(`no 389-ds instance: ${skip}`);
  return ds;
};

describe('389 Directory Server', { skip: skipUnlessCi(process.getuid?.() !== 0 && '389-ds instances need root') }, () => {
  test('entryUUID after an offline import: none until the fixup task, then every id is the entryUUID', async () => {
    const instance = need();
    assert.ifError(beforeFixup!.error);
    const skipped = beforeFixup!.result!.plan.skips.filter((s) => s.kind === 'user');
    assert.equal(skipped.length, 6, 'every user skipped before the fixup');
    assert.ok(skipped.every((s) => s.reason === 'missing-unique-id'));
    process.stderr.write(`389-ds entryUUID fixup task: ${Math.round(fixupMs)} ms\n`);

    const db = await freshDb();
    const outcome = await syncWith(env(instance, db));
    assert.ifError(outcome.error);
    const uuid = await instance.admin(async (client) => {
      const { searchEntries } = await client.search(`uid=alice,${PEOPLE}`, { scope: 'base', attributes: ['entryUUID'] });
      return String(searchEntries[0]?.entryUUID);
    });
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal((await db.user('alice'))!.ldap_id, uuid);
  });

  test('nsAccountLock: TRUE and true disable, a locked role disables; unlocking re-enables; created-disabled shows in the dry run', async () => {
    const instance = need();
    const db = await freshDb();
    const dry = await syncWith(env(instance, db), { dryRun: true });
    assert.ifError(dry.error);
    const created = dry.result!.plan.users.create.filter((u) => u.disabled).map((u) => u.username).sort();
    assert.deepEqual(created, ['bob', 'carol', 'dave']);
    assert.match(dry.logs, /Account disabled in the directory dn="uid=dave,ou=People,dc=example,dc=com" reason="nsAccountLock=true"/);

    assert.ifError((await syncWith(env(instance, db))).error);
    assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username).sort(), ['bob', 'carol', 'dave']);
    await instance.admin((client) => client.modify(`uid=bob,${PEOPLE}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'nsAccountLock' }) })]));
    try {
      const second = await syncWith(env(instance, db));
      assert.ifError(second.error);
      assert.doesNotMatch(second.logs, /Bind account may read/, 'probed once per process and configuration, not on every run');
      assert.equal(second.result!.summary.users.reEnabled, 1);
      assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username).sort(), ['carol', 'dave']);
    } finally {
      await instance.admin((client) => client.modify(`uid=bob,${PEOPLE}`, [new Change({ operation: 'add', modification: new Attribute({ type: 'nsAccountLock', values: ['TRUE'] }) })]));
    }
  });

  test("uniqueMember values with the optional #'…'B UID suffix resolve to their users", async () => {
    const instance = need();
    const db = await freshDb();
    const outcome = await syncWith(env(instance, db, { LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=groupOfUniqueNames)', LDAP_ATTRIBUTE_GROUP_MEMBER: 'uniqueMember', LDAP_ADMIN_GROUP_NAME: '' }));
    assert.ifError(outcome.error);
    assert.match(outcome.logs, /INF Bind account may read the attributes the sync trusts verified="nsAccountLock \(get-effective-rights\)"/, 'a changed configuration is probed again');
    assert.deepEqual((await db.memberships()).sort(), ['ustaff:alice', 'ustaff:bob', 'ustaff:dave']);
    assert.deepEqual(outcome.result!.plan.skips.filter((s) => s.kind === 'member'), []);
  });

  test('member skips say why: a member without mail was skipped, a member group needs LDAP_SYNC_NESTED_GROUPS', async () => {
    const outcome = await syncWith(env(need(), await freshDb()), { dryRun: true });
    assert.ifError(outcome.error);
    const eng = outcome.result!.plan.skips.filter((s) => s.kind === 'member' && s.dn === `cn=eng,${GROUPS}`).map((s) => `${s.reason}: ${s.message}`);
    assert.deepEqual(eng.sort(), [
      `member-is-group: member is a group; its members are not included while LDAP_SYNC_NESTED_GROUPS=false (set it to true to include them): cn=admins,${GROUPS}`,
      `member-skipped: member uid=frank,${PEOPLE} was skipped: user has no email and REQUIRE_USER_EMAIL=true`,
    ]);
  });

  test('memberOf and referential integrity: a renamed user keeps its row, its admin flag and its groups', async () => {
    const instance = need();
    const db = await freshDb();
    assert.ifError((await syncWith(env(instance, db))).error);
    const before = (await db.user('erin'))!;
    assert.equal(before.is_admin, true);
    await instance.admin((client) => client.modifyDN(`uid=erin,${PEOPLE}`, 'uid=erin2'));
    try {
      const memberOf = await instance.admin(async (client) => {
        const { searchEntries } = await client.search(`cn=admins,${GROUPS}`, { scope: 'base', attributes: ['member'] });
        const { searchEntries: users } = await client.search(`uid=erin2,${PEOPLE}`, { scope: 'base', attributes: ['memberOf'] });
        return { member: ([] as string[]).concat(searchEntries[0]?.member as string[]), memberOf: ([] as string[]).concat(users[0]?.memberOf as string[]) };
      });
      // referint writes the new DN in its own spelling (ou=people): members resolve by normalised DN.
      assert.ok(memberOf.member.map((m) => m.toLowerCase()).includes(`uid=erin2,${PEOPLE}`.toLowerCase()), 'referential integrity rewrote the member value');
      assert.ok(memberOf.memberOf.includes(`cn=admins,${GROUPS}`), 'memberOf follows');
      const outcome = await syncWith(env(instance, db));
      assert.ifError(outcome.error);
      const after = (await db.user('erin2'))!;
      assert.equal(after.id, before.id, 'the same row, found by entryUUID');
      assert.equal(after.is_admin, true);
      assert.ok((await db.memberships()).includes('admins:erin2'));
    } finally {
      await instance.admin((client) => client.modifyDN(`uid=erin2,${PEOPLE}`, 'uid=erin'));
    }
  });

  test('the 2000 size limit: pages below it read everything; LDAP_SYNC_PAGE_SIZE=2000 is retried smaller with a WARN, and `check` flags it', async () => {
    const instance = need();
    const db = await freshDb();
    const all = { LDAP_USER_SEARCH_FILTER: '(objectClass=inetOrgPerson)' };
    const paged = await syncWith(env(instance, db, { ...all, LDAP_SYNC_PAGE_SIZE: '1000' }), { dryRun: true });
    assert.ifError(paged.error);
    assert.equal(paged.result!.entriesRead.users, BULK + 6);
    assert.doesNotMatch(paged.logs, /size limit/);

    const tooBig = await syncWith(env(instance, db, { ...all, LDAP_SYNC_PAGE_SIZE: '2000' }), { dryRun: true });
    assert.ifError(tooBig.error);
    assert.equal(tooBig.result!.entriesRead.users, BULK + 6);
    assert.match(tooBig.logs, /WRN The server's size limit is below LDAP_SYNC_PAGE_SIZE; retrying with smaller pages \(set LDAP_SYNC_PAGE_SIZE below the limit\) search=users pageSize=2000 retryPageSize=1000/);

    const report = await runChecks(loadConfig(env(instance, db, { ...all, LDAP_SYNC_PAGE_SIZE: '2000' })), createLogger({ level: 'error', json: false }));
    const line = report.lines.find((l) => l.name === 'LDAP page size');
    assert.equal(line?.ok, false);
    assert.match(line!.detail, /^LDAP_SYNC_PAGE_SIZE=2000 is not below the server's size limit for cn=reader,ou=Services,dc=example,dc=com/);
    assert.equal(report.ldapOk, false);
  });

  test('an ACI that hides nsAccountLock: the run is refused before the plan, naming the attribute and the ACI; database unchanged; `check` fails', async () => {
    const instance = need();
    const db = await freshDb();
    assert.ifError((await syncWith(env(instance, db))).error);
    const before = await db.dump();
    const blind = env(instance, db, { LDAP_BIND_DN: BLIND_READER });
    const refused = await syncWith(blind);
    assert.ok(refused.error, 'the run fails');
    assert.equal(refused.error.name, 'HiddenAttributeError');
    assert.match(
      refused.error.message,
      /^the bind account cn=blind-reader,ou=Services,dc=example,dc=com may not read nsAccountLock on uid=\w+,ou=People,dc=example,dc=com \(get-effective-rights: nsAccountLock:none\), so a locked account would look unlocked and be re-enabled; grant read, search and compare on it, e\.g\. on dc=example,dc=com: aci: \(targetattr="nsAccountLock"\)/,
    );
    assert.match(refused.error.message, /nothing was changed$/);
    assert.equal(await db.dump(), before, 'nothing written');

    const report = await runChecks(loadConfig(blind), createLogger({ level: 'error', json: false }));
    const line = report.lines.find((l) => l.name === 'LDAP attributes the sync trusts');
    assert.equal(line?.ok, false);
    assert.match(line!.detail, /may not read nsAccountLock/);
  });

  test('check on 389: the directory and its usual settings, page size, the attributes the sync trusts verified with get-effective-rights', async () => {
    const report = await runChecks(loadConfig(env(need(), await freshDb())), createLogger({ level: 'error', json: false }));
    const lines = Object.fromEntries(report.lines.map((l) => [l.name, l]));
    assert.equal(report.ldapOk, true, JSON.stringify(report.lines));
    const directory = lines['LDAP directory']!.detail;
    assert.match(directory, /^389 Directory Server 2\.3\.\d+ \(vendorName=389 Project, vendorVersion=389-Directory\/2\.3\.\d+[^)]*\); settings that differ from the usual ones for it: /, directory);
    // This suite reads entryUUID (after the fixup) where 389's usual choice is nsUniqueId.
    assert.match(directory, /LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER=nsUniqueId \(configured: entryUUID\)/, directory);
    assert.match(lines['LDAP page size']!.detail, /^LDAP_SYNC_PAGE_SIZE=500: the first page of the user search returned \d+ entries$/);
    assert.equal(lines['LDAP attributes the sync trusts']!.detail, 'readable: nsAccountLock (get-effective-rights), member (get-effective-rights)');
  });
});
