/**
 * Against a real Samba Active Directory DC (scripts/samba-ad.sh): objectGUID
 * and objectSid ids, sAMAccountName, a 3 000-member group read through
 * explicit ranges, nested groups with a cycle, userAccountControl-disabled
 * accounts, and the continuation references Samba returns from the domain
 * root. Samba binds the fixed ports 389/636: this file must run alone (the
 * suite runs files one at a time), and it skips when the port is taken or
 * samba cannot be installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { closeLdapConnection, openLdapConnection } from '../../src/ldap/connection.js';
import { describeInspection, inspectDirectory } from '../../src/ldap/vendor-settings.js';
import { createLogger } from '../../src/log/logger.js';
import { createSyncMemory } from '../../src/run/sync-memory.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { skipUnlessCi } from '../support/requirement.js';
import { AD_BASE, adLdif, bigUser, groupDn, ldapsearchBytes, ldbsearch, startSamba, stopSamba, userDn, type SambaInstance } from '../support/samba.js';
import { adEnv, adminClient, BIG, BUILT_IN_USERS, FEATURES, GROUPS, membersOf, pocketIdUuid, setUac, USERS, within } from '../support/samba-ad-fixture.js';
import { syncOnce, syncWith } from '../support/sync-harness.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../support/test-database.js';

const setup = await startSamba(adLdif(USERS, GROUPS));
const skip = skipUnlessCi('skip' in setup && `Samba AD DC not available: ${setup.skip}`);
const samba = 'skip' in setup ? undefined : setup;
if (samba) console.log(`# Samba AD DC up: ${samba.timings}`);

after(async () => {
  if (samba) await stopSamba(samba);
});

describe('Samba Active Directory DC', { skip }, () => {
  let instance: SambaInstance;
  before(() => {
    instance = samba as SambaInstance;
  });

  test('the root DSE says Samba; the suggested settings are the AD ones', async () => {
    const log = createLogger({ level: 'error', json: false });
    const config = loadConfig(adEnv(instance, { connectionString: ':memory:' } as TestDatabase));
    const client = await openLdapConnection(config.ldap, log);
    try {
      const inspection = await inspectDirectory(client, config.ldap);
      assert.equal(inspection.vendor.kind, 'samba');
      assert.equal(inspection.vendor.activeDirectoryCompatible, true);
      assert.equal(inspection.vendor.pagedResults, true);
      assert.equal(inspection.vendor.defaultBase, AD_BASE);
      assert.ok(inspection.vendor.evidence.includes('supportedCapabilities=1.2.840.113556.1.4.800'));
      // The test's settings are the suggested ones except the features it turns on per test.
      assert.deepEqual(inspection.differences.map((d) => d.name), ['LDAP_SYNC_DISABLED_ACCOUNTS']);
      // What `check` prints for it.
      assert.match(describeInspection(inspection), /^Samba Active Directory domain controller \(vendorName=.*, supportedCapabilities=1\.2\.840\.113556\.1\.4\.800\); settings that differ from the usual ones for it: LDAP_SYNC_DISABLED_ACCOUNTS=true \(configured: false\)$/);
    } finally {
      await closeLdapConnection(client);
    }
  });

  for (const kind of DB_KINDS) {
    test(`every AD feature on (${kind}): ids, disabled account, nested groups with a cycle, 3 000 members in ranges, references ignored`, async () => {
      const db = await createTestDatabase(kind);
      try {
        const outcome = await syncWith(adEnv(instance, db, FEATURES));
        assert.ifError(outcome.error);
        const result = outcome.result!;
        assert.match(outcome.logs, /LDAP directory recognised vendor=samba/);

        // Users: every one read, the three built-ins without mail skipped, nothing else.
        assert.equal(result.entriesRead.users, USERS.length + BUILT_IN_USERS.length);
        assert.deepEqual(
          result.plan.skips.filter((s) => s.kind === 'user').map((s) => `${s.reason} ${s.dn}`).sort(),
          BUILT_IN_USERS.map((u) => `missing-email CN=${u},CN=Users,${AD_BASE}`).sort(),
        );
        assert.equal(result.summary.users.created, USERS.length);
        assert.equal((await db.users()).length, USERS.length);

        // objectGUID: exactly what Pocket ID stores (wire byte order), checked against ldapsearch's raw bytes
        // and, for the Windows form, against ldbsearch.
        const alice = (await db.user('alice'))!;
        const guid = await ldapsearchBytes(instance, userDn('alice'), 'objectGUID');
        assert.equal(guid.length, 16);
        assert.equal(alice.ldap_id, pocketIdUuid(guid));
        const fromLdb = await ldbsearch(instance, '(sAMAccountName=alice)', ['objectGUID']);
        assert.notEqual(fromLdb.objectGUID, alice.ldap_id, 'Windows shows the mixed-endian form; Pocket ID does not');
        assert.equal(fromLdb.objectGUID?.slice(19), alice.ldap_id?.slice(19), 'the last two fields agree');
        assert.deepEqual(
          { username: alice.username, email: alice.email, first: alice.first_name, last: alice.last_name, display: alice.display_name, admin: alice.is_admin, disabled: alice.disabled },
          { username: 'alice', email: 'alice@ad.example.test', first: 'Alice', last: 'Archer', display: 'Alice Archer', admin: true, disabled: false },
        );

        // userAccountControl 0x2.
        assert.equal((await db.user('dave'))!.disabled, true);
        assert.deepEqual((await db.users()).filter((u) => u.disabled).map((u) => u.username), ['dave']);

        // Nested groups with a cycle, and the admin flag through a member group.
        for (const group of ['eng', 'platform', 'sre']) assert.deepEqual(await membersOf(db, group), ['alice', 'bob', 'carol'], group);
        assert.deepEqual(await membersOf(db, 'all-staff'), ['alice', 'bob', 'carol', 'frank']);
        assert.deepEqual(await membersOf(db, 'pocket-admins'), ['alice', 'erin']);
        assert.deepEqual((await db.users()).filter((u) => u.is_admin).map((u) => u.username).sort(), ['alice', 'erin']);
        assert.deepEqual(await membersOf(db, 'disabled-team'), ['dave'], 'a disabled user keeps its memberships');

        // 3 000 members through explicit ranges of 1000: the search's block plus two follow-ups.
        assert.equal((await membersOf(db, 'big')).length, BIG);
        assert.ok(outcome.logs.includes(`Read ranged member values group="${groupDn('big')}" values=3000 requests=3`), 'one block in the search, two follow-ups');
        assert.equal(result.plan.skips.filter((s) => s.dn === groupDn('big')).length, 0);

        // Continuation references from the domain root: logged, never a failure, never an entry.
        const references = [...outcome.logs.matchAll(/Ignoring search continuation references search=(users|groups) references=(\d+)/g)];
        assert.ok(references.some((m) => m[1] === 'users') && references.some((m) => m[1] === 'groups'), 'Samba sent references for both searches');
        assert.ok(!result.plan.skips.some((s) => /Configuration|DomainDnsZones|ldap:\/\//.test(`${s.dn} ${s.message}`)), 'no reference turned into a skip');
        console.log(`# references: ${references.map((m) => `${m[1]}=${m[2]}`).join(' ')}; read ${Math.round(result.timings.readMs)} ms, plan ${Math.round(result.timings.planMs)} ms, apply ${Math.round(result.timings.applyMs)} ms`);

        // A second run changes nothing.
        const before = await db.dump();
        const again = await syncWith(adEnv(instance, db, FEATURES));
        assert.ifError(again.error);
        assert.equal(again.result!.summary.users.unchanged, USERS.length);
        assert.equal(await db.dump(), before);
      } finally {
        await db.close();
      }
    });
  }

  test('every feature off: Pocket ID\'s flat behaviour (plain member values, no disabling)', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const outcome = await syncWith(adEnv(instance, db));
      assert.ifError(outcome.error);
      assert.equal((await db.user('dave'))!.disabled, false, 'Pocket ID enables everyone it reads');
      assert.deepEqual(await membersOf(db, 'eng'), ['alice']);
      assert.deepEqual(await membersOf(db, 'platform'), ['bob']);
      assert.deepEqual(await membersOf(db, 'pocket-admins'), ['alice']);
      // Samba returns all 3 000 values without ranges when none are asked for.
      assert.equal((await membersOf(db, 'big')).length, BIG);
      assert.doesNotMatch(outcome.logs, /Read ranged member values/);
      // As in Pocket ID, a member group adds nobody; the skip says it is a group and names the setting.
      const memberGroups = outcome.result!.plan.skips.filter((s) => s.dn === groupDn('eng') && s.kind === 'member');
      assert.deepEqual(
        memberGroups.map((s) => `${s.reason}: ${s.message}`),
        [`member-is-group: member is a group; its members are not included while LDAP_SYNC_NESTED_GROUPS=false (set it to true to include them): ${groupDn('platform')}`],
      );
    } finally {
      await db.close();
    }
  });

  test('objectSid as the unique id: S-1-5-21-…-RID, as ldbsearch prints it', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const outcome = await syncWith(adEnv(instance, db, { LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'objectSid', LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'objectSid' }));
      assert.ifError(outcome.error);
      const expected = await ldbsearch(instance, '(sAMAccountName=alice)', ['objectSid']);
      assert.match(expected.objectSid ?? '', /^S-1-5-21-\d+-\d+-\d+-\d+$/);
      assert.equal((await db.user('alice'))!.ldap_id, expected.objectSid);
      const users = await db.users();
      assert.ok(users.every((u) => u.ldap_id?.startsWith(`${instance.domainSid}-`)), 'every id is a SID of this domain');
      assert.equal(new Set(users.map((u) => u.ldap_id)).size, users.length);
      const groups = await db.groups();
      assert.equal(groups.find((g) => g.name === 'eng')?.ldap_id, (await ldbsearch(instance, '(sAMAccountName=eng)', ['objectSid'])).objectSid);
      // What Pocket ID would have stored instead: the base64 of the same 28 bytes.
      const raw = await ldapsearchBytes(instance, userDn('alice'), 'objectSid');
      assert.equal(raw.length, 28);
      assert.notEqual((await db.user('alice'))!.ldap_id, raw.toString('base64'));
    } finally {
      await db.close();
    }
  });

  test('changes in AD: an account disabled and one enabled via userAccountControl, a member removed from the cycle', async () => {
    const db = await createTestDatabase('sqlite');
    try {
      assert.ifError((await syncWith(adEnv(instance, db, FEATURES))).error);
      await adminClient(instance, async (client) => {
        await setUac(client, 'erin', 546);
        await setUac(client, 'dave', 544);
        await client.modify(groupDn('sre'), [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn('carol')] }) })]);
      });
      try {
        const outcome = await syncWith(adEnv(instance, db, FEATURES));
        assert.ifError(outcome.error);
        assert.equal((await db.user('erin'))!.disabled, true);
        assert.equal((await db.user('dave'))!.disabled, false);
        assert.equal(outcome.result!.summary.users.disabled, 1);
        assert.equal(outcome.result!.summary.users.reEnabled, 1);
        assert.equal((await db.user('erin'))!.is_admin, true, 'still in the admin group; Pocket ID refuses the disabled login');
        for (const group of ['eng', 'platform', 'sre']) assert.deepEqual(await membersOf(db, group), ['alice', 'bob'], group);
        assert.deepEqual(await membersOf(db, 'all-staff'), ['alice', 'bob', 'frank']);
      } finally {
        await adminClient(instance, async (client) => {
          await setUac(client, 'erin', 544);
          await setUac(client, 'dave', 546);
          await client.modify(groupDn('sre'), [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [userDn('carol')] }) })]);
        });
      }
    } finally {
      await db.close();
    }
  });

  test('incremental runs by uSNChanged: no change, a disable and a member removal as a full run sees them; another DC or a lower USN means full', async () => {
    const db = await createTestDatabase('sqlite');
    const config = loadConfig(adEnv(instance, db, { ...FEATURES, LDAP_SYNC_INCREMENTAL: 'true' }));
    const memory = createSyncMemory();
    const run = async () => {
      const outcome = await syncOnce(config, { memory, deletionScan: 'never' });
      assert.ifError(outcome.error);
      return outcome.result!;
    };
    try {
      assert.equal((await run()).fullReason, 'first-run');
      const quiet = await run();
      assert.deepEqual([quiet.mode, quiet.transactions?.count, quiet.entriesRead.users, quiet.entriesRead.groups], ['incremental', 0, 0, 0]);
      await adminClient(instance, async (client) => {
        await setUac(client, 'erin', 546);
        await client.modify(groupDn('sre'), [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn('carol')] }) })]);
        // Two groups of a few changed: read by one paged search, where the big group's values come ranged (candidate-reads.ts).
        await client.modify(groupDn('big'), [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn(bigUser(1))] }) })]);
      });
      try {
        const changed = await run();
        assert.equal(changed.mode, 'incremental');
        assert.equal(changed.summary.users.disabled, 1);
        for (const group of ['eng', 'platform', 'sre']) assert.deepEqual(await membersOf(db, group), ['alice', 'bob'], group);
        assert.equal((await membersOf(db, 'big')).length, BIG - 1);
        const full = await syncWith(adEnv(instance, db, FEATURES), { dryRun: true });
        assert.ifError(full.error);
        const { users: u, memberships: m } = full.result!.summary;
        assert.deepEqual([u.created, u.updated, u.disabled, u.reEnabled, m.added, m.removed], [0, 0, 0, 0, 0, 0], 'a full run finds nothing left to do');
      } finally {
        await adminClient(instance, async (client) => {
          await setUac(client, 'erin', 544);
          await client.modify(groupDn('sre'), [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [userDn('carol')] }) })]);
          await client.modify(groupDn('big'), [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [userDn(bigUser(1))] }) })]);
        });
      }
      const watermark = memory.watermark;
      assert.equal(watermark?.kind, 'usn');
      if (watermark?.kind !== 'usn') return;
      memory.watermark = { ...watermark, dsServiceName: 'CN=NTDS Settings,CN=OTHER-DC,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=ad,DC=example,DC=test' };
      assert.equal((await run()).fullReason, 'dc-changed');
      const after = memory.watermark;
      if (after?.kind === 'usn') memory.watermark = { ...after, next: after.next + 1_000_000n };
      assert.equal((await run()).fullReason, 'usn-went-backwards');
      assert.equal((await run()).mode, 'incremental');
    } finally {
      await db.close();
    }
  });

  // A deadline: the proxy's hook waits for a range read that a run gone wrong may never send.
  test('a range that cannot be completed (the group shrank between two reads) fails the run and writes nothing', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('sqlite');
    const proxy = await startCuttingProxy(`${instance.ldapUrl}:389`);
    const removed = Array.from({ length: 1001 }, (_, i) => userDn(bigUser(2000 + i)));
    try {
      const plain = adEnv(instance, db, { ...FEATURES, LDAP_URL: proxy.url, LDAP_TLS_CA_FILE: '' });
      assert.ifError((await syncWith(plain)).error);
      const before = await db.dump();
      // Hold the third range read until 1 001 members are gone: values 2000- no longer exist.
      let shrunk = false;
      const shrink = proxy.onRequest('member;range=2000-2999', async () => {
        await adminClient(instance, (client) => client.modify(groupDn('big'), [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: removed }) })]));
        shrunk = true;
      });
      // Our own deadline, below the test's: the finally below must still close the proxy, or its sockets keep the file's process alive.
      const failed = await within(90_000, syncWith(plain), 'the run held at the range read');
      // A run that ended before asking for that range never fires the hook: say so instead of waiting for it.
      assert.ok(shrunk, `the run ended before reading member;range=2000-2999: ${failed.error?.message ?? 'it succeeded'}`);
      await shrink;
      assert.ok(failed.error, 'the run must fail');
      assert.match(failed.error.message, /failed to read all values of member of CN=big,OU=Groups,DC=ad,DC=example,DC=test \(range retrieval\): the server returned no values for member;range=2000-2999/);
      assert.equal(await db.dump(), before, 'nothing was written: no member was removed');
      // The next run sees the smaller group whole.
      const next = await syncWith(plain);
      assert.ifError(next.error);
      assert.equal((await membersOf(db, 'big')).length, BIG - removed.length);
    } finally {
      await adminClient(instance, (client) =>
        client.modify(groupDn('big'), [new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: removed }) })]),
      ).catch(() => undefined);
      await proxy.close();
      await db.close();
    }
  });
});
