// Incremental runs against slapd (docs/incremental.md): each change kind is
// picked up by an incremental run, and afterwards a full dry run from the same
// database finds nothing to do, i.e. the incremental run left what a full run leaves.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { createSyncMemory, type SyncMemory } from '../../src/run/sync-memory.js';
import type { SyncOptions, SyncResult } from '../../src/run/run-sync.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, startFixture, syncOnce, syncWith, type SyncFixture } from '../support/sync-harness.js';
import { DB_KINDS } from '../support/test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const GROUPS = 'ou=groups,dc=example,dc=com';

after(stopAllSlapd);

/** Every row a plan would change, custom claims included. */
function changes(result: SyncResult): number {
  const { users: u, groups: g, memberships: m, claims: c } = result.summary;
  return u.created + u.updated + u.disabled + u.reEnabled + u.deleted + g.created + g.updated + g.deleted + m.added + m.removed + (c ? c.created + c.updated + c.deleted : 0);
}

interface Incremental {
  fixture: SyncFixture;
  memory: SyncMemory;
  env: Record<string, string>;
  /** One run sharing the memory, as the daemon's scheduled runs do. */
  run(options?: SyncOptions): Promise<SyncResult>;
  /** A full dry run without memory must find nothing: the database is what a full run leaves. */
  assertFullAgrees(): Promise<void>;
}

async function incremental(kind: (typeof DB_KINDS)[number], env: Record<string, string> = {}): Promise<Incremental> {
  const fixture = await startFixture(kind, { env: { LDAP_SYNC_INCREMENTAL: 'true', ...env } });
  const memory = createSyncMemory();
  const config = loadConfig(fixture.env);
  return {
    fixture,
    memory,
    env: fixture.env,
    run: async (options = {}) => {
      const outcome = await syncOnce(config, { memory, ...options });
      assert.ifError(outcome.error);
      return outcome.result!;
    },
    assertFullAgrees: async () => {
      const full = await syncWith(fixture.env, { dryRun: true });
      assert.ifError(full.error);
      assert.equal(full.result!.mode, 'full');
      assert.equal(changes(full.result!), 0, `a full run would still change: ${JSON.stringify(full.result!.summary)}`);
    },
  };
}

const modify = (attribute: string, value: string) => new Change({ operation: 'replace', modification: new Attribute({ type: attribute, values: [value] }) });

for (const kind of DB_KINDS) {
  describe(`incremental runs into ${kind}`, () => {
    test('first run full; no change: no plan, no write, no entry read whole; a change, an add and a rename each picked up as a full run would', async () => {
      const t = await incremental(kind);
      try {
        const first = await t.run();
        assert.equal(first.mode, 'full');
        assert.equal(first.fullReason, 'first-run');

        const quiet = await t.run({ deletionScan: 'never' });
        assert.equal(quiet.mode, 'incremental');
        assert.equal(changes(quiet), 0);
        assert.deepEqual(quiet.transactions, { count: 0, longestMs: 0 });
        assert.deepEqual([quiet.entriesRead.users, quiet.entriesRead.groups], [0, 0]);
        assert.equal(quiet.summary.users.unchanged, first.summary.users.created, 'the unchanged count is carried over');

        await ldapAdmin(t.fixture.slapd, (c) => c.modify(`uid=alice,${PEOPLE}`, modify('mail', 'alice.new@example.com')));
        const changed = await t.run({ deletionScan: 'never' });
        assert.equal(changed.mode, 'incremental');
        assert.equal(changed.summary.users.updated, 1);
        assert.equal(changed.entriesRead.users, 1);
        await t.assertFullAgrees();

        await ldapAdmin(t.fixture.slapd, async (c) => {
          await c.add(`uid=newbie,${PEOPLE}`, { objectClass: ['inetOrgPerson'], uid: 'newbie', cn: 'New Bie', sn: 'Bie', mail: 'newbie@example.com' });
          await c.modify(`cn=developers,${GROUPS}`, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=newbie,${PEOPLE}`] }) }));
        });
        const added = await t.run({ deletionScan: 'never' });
        assert.equal(added.summary.users.created, 1);
        assert.equal(added.summary.memberships.added, 1);
        await t.assertFullAgrees();

        // No refint overlay: the groups keep the old DN, which a full run resolves by the uid in it.
        await ldapAdmin(t.fixture.slapd, (c) => c.modifyDN(`uid=bob,${PEOPLE}`, 'uid=robert'));
        const renamed = await t.run({ deletionScan: 'never' });
        assert.equal(renamed.mode, 'incremental');
        assert.ok(renamed.summary.users.updated >= 1);
        await t.assertFullAgrees();

        await ldapAdmin(t.fixture.slapd, (c) => c.modifyDN(`cn=Doe\\, John,${PEOPLE}`, 'cn=Doe\\, Jane'));
        await t.run({ deletionScan: 'never' });
        await t.assertFullAgrees();
      } finally {
        await t.fixture.done();
      }
    });

    test('changed groups are read on a second connection while the change scan runs, and taken as the scan saw them', async () => {
      const t = await incremental(kind);
      try {
        await t.run();
        await ldapAdmin(t.fixture.slapd, async (c) => {
          await c.modify(`cn=developers,${GROUPS}`, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [`uid=alice,${PEOPLE}`] }) }));
          await c.modify(`cn=admins,${GROUPS}`, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [`uid=user05,${PEOPLE}`] }) }));
        });
        const outcome = await syncOnce(loadConfig(t.env), { memory: t.memory, deletionScan: 'never' });
        assert.ifError(outcome.error);
        assert.equal(outcome.result?.mode, 'incremental');
        assert.match(outcome.logs, /Read changed groups ahead of the change scan.*groups=2/);
        // Both taken from there: no search for changed groups after the scan, none read by DN.
        assert.doesNotMatch(outcome.logs, /search=changed groups/);
        assert.equal(outcome.result?.entriesRead.groups, 2);
        assert.equal(outcome.result?.summary.memberships.added, 1);
        assert.equal(outcome.result?.summary.memberships.removed, 1);
        await t.assertFullAgrees();
      } finally {
        await t.fixture.done();
      }
    });

    test('a deletion is caught by the id scan, a filter-leave by every incremental run', async () => {
      const t = await incremental(kind, { LDAP_USER_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(!(employeeType=left)))' });
      try {
        await t.run();
        await ldapAdmin(t.fixture.slapd, (c) => c.modify(`uid=user03,${PEOPLE}`, modify('employeeType', 'left')));
        const left = await t.run({ deletionScan: 'never' });
        assert.equal(left.mode, 'incremental');
        assert.equal(left.summary.users.disabled, 1);
        await t.assertFullAgrees();

        await ldapAdmin(t.fixture.slapd, (c) => c.del(`uid=user04,${PEOPLE}`));
        const unseen = await t.run({ deletionScan: 'never' });
        assert.equal(unseen.summary.users.disabled, 0, 'a deletion leaves no marker: only the id scan sees it');
        const scanned = await t.run({ deletionScan: 'always' });
        assert.equal(scanned.mode, 'incremental');
        assert.equal(scanned.deletionScan, true);
        assert.equal(scanned.summary.users.disabled, 1);
        await t.assertFullAgrees();
      } finally {
        await t.fixture.done();
      }
    });

    test('the deletion guard refuses an incremental run whose id scan lost too many users, as it would a full run; custom claims follow changed users', async () => {
      const t = await incremental(kind, { LDAP_SYNC_USER_CLAIMS: 'department=departmentNumber' });
      try {
        await t.run();
        await ldapAdmin(t.fixture.slapd, (c) => c.modify(`uid=alice,${PEOPLE}`, modify('departmentNumber', 'R&D')));
        const claimed = await t.run({ deletionScan: 'never' });
        assert.equal(claimed.mode, 'incremental');
        assert.equal(claimed.summary.claims?.created, 1);
        await t.assertFullAgrees();

        await ldapAdmin(t.fixture.slapd, async (c) => {
          for (const n of [11, 12, 13, 14, 15, 16, 17]) await c.del(`uid=user${n},${PEOPLE}`);
        });
        const refused = await syncOnce(loadConfig(t.env), { memory: t.memory, deletionScan: 'always' });
        assert.equal(refused.error?.name, 'DeletionGuardError');
        assert.equal(refused.result, undefined);
        const again = await syncOnce(loadConfig(t.env), { memory: t.memory });
        assert.equal(again.error?.name, 'DeletionGuardError', 'the full run that follows refuses too');
        assert.equal((await t.run({ allowMassDelete: true })).summary.users.disabled, 7);
        assert.equal((await t.run()).mode, 'incremental');
      } finally {
        await t.fixture.done();
      }
    });

    test('full-run reasons: requested, scheduled, configuration changed, many changes, previous run failed', async () => {
      const t = await incremental(kind);
      try {
        // The daemon's hook for a full read (idle-collect.ts): called for full reads only.
        let fullReads = 0;
        const counting = { beforeFullRead: () => (fullReads += 1) };
        await t.run(counting);
        assert.equal((await t.run({ forceFull: true, ...counting })).fullReason, 'requested');
        t.memory.lastFullAt = new Date(Date.now() - 25 * 3600_000);
        assert.equal((await t.run(counting)).fullReason, 'scheduled');
        assert.equal((await t.run(counting)).mode, 'incremental');
        assert.equal(fullReads, 3);

        // More changed entries than 1,000 (or a tenth of the directory): one full read instead of reading each.
        await ldapAdmin(t.fixture.slapd, async (c) => {
          for (let n = 0; n < 1001; n++) await c.add(`uid=bulk${n},${PEOPLE}`, { objectClass: ['inetOrgPerson'], uid: `bulk${n}`, cn: `Bulk ${n}`, sn: 'Bulk', mail: `bulk${n}@example.com` });
        });
        const bulk = await t.run(counting);
        assert.equal(bulk.fullReason, 'many-changes');
        assert.equal(fullReads, 4, 'an incremental run that turns full restores the growth too');
        assert.equal(bulk.summary.users.created, 1001);

        const other = loadConfig({ ...t.env, LDAP_ADMIN_GROUP_NAME: 'developers' });
        const reconfigured = await syncOnce(other, { memory: t.memory, dryRun: false });
        assert.equal(reconfigured.result?.fullReason, 'configuration-changed');

        const failing = await syncOnce(loadConfig({ ...t.env, LDAP_BIND_PASSWORD: 'wrong-password' }), { memory: t.memory });
        assert.ok(failing.error);
        assert.equal((await t.run()).fullReason, 'previous-run-failed');
        assert.equal((await t.run()).mode, 'incremental');
      } finally {
        await t.fixture.done();
      }
    });
  });
}
