// Fault injection on the LDAP side: slapd killed or frozen mid-read, a server that never answers,
// a wrong password, a missing base, a referral, a size limit that breaks paging. Every failed run
// must leave Pocket ID's database byte for byte as it was, and the next healthy run must succeed
// (DESIGN.md §6).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { assertChangesLanded, assertFailed, changeDirectory, syncedFixture } from '../support/fault-fixture.js';
import { defaultSlapdLimits, freezeProcess, setSlapdLimits, startSilentServer } from '../support/fault-tools.js';
import { DEFAULT_LDIF_PATH, stopAllSlapd } from '../support/slapd.js';
import { syncWith } from '../support/sync-harness.js';
import { DB_KINDS } from '../support/test-database.js';

after(stopAllSlapd);

/** The default directory plus an entry that is a referral to another server. */
const REFERRAL_LDIF = `${readFileSync(DEFAULT_LDIF_PATH, 'utf8').trimEnd()}

dn: ou=elsewhere,dc=example,dc=com
objectClass: referral
objectClass: extensibleObject
ou: elsewhere
ref: ldap://ldap.other.example/ou=people,dc=other,dc=example
`;

for (const kind of DB_KINDS) {
  describe(`faults with ${kind}`, () => {
    for (const [phase, marker, occurrence, error, userFilter] of [
      // The second request of the user search asks for page 2: page 1 was already read.
      ['during the user search (after its first page)', 'inetOrgPerson', 2, /failed to query LDAP users: /, undefined],
      ['during the group search (after its first page)', 'groupOfNames', 2, /failed to query LDAP groups: /, undefined],
      // jdoe is not read by the user search, so its member DN (no uid in it) is looked up by DN.
      ['during a member lookup', 'CN=Doe\\2C John', 1, /failed to look up group member CN=Doe\\2C John,OU=People,DC=Example,DC=COM: /, '(&(objectClass=inetOrgPerson)(!(uid=jdoe)))'],
    ] as const) {
      test(`fault ${kind}: slapd killed ${phase} changes nothing; the next run succeeds`, async () => {
        const f = await syncedFixture(kind, userFilter ? { env: { LDAP_USER_SEARCH_FILTER: userFilter } } : {});
        const proxy = await startCuttingProxy(f.slapd.url);
        try {
          await changeDirectory(f.slapd);
          const before = await f.db.dump();
          const killed = proxy.onRequest(marker, () => f.slapd.kill(), { occurrence });
          const failed = await syncWith({ ...f.env, LDAP_URL: proxy.url });
          await killed;
          assertFailed(failed, error);
          assert.equal(await f.db.dump(), before);
          await f.slapd.start();
          await assertChangesLanded(f.db, await syncWith({ ...f.env, LDAP_URL: proxy.url }));
        } finally {
          await proxy.close();
          await f.done();
        }
      });
    }

    // Timeouts strike before any database work: they run against PostgreSQL only, and are reported skipped for SQLite.
    const timeoutSkip = kind === 'postgres' ? false : 'an LDAP timeout strikes before any database work: the PostgreSQL run covers it';

    test(`fault ${kind}: slapd frozen (SIGSTOP) during the group search fails within ~2 s with LDAP_TIMEOUT=1`, { skip: timeoutSkip }, async () => {
      const f = await syncedFixture(kind);
      const proxy = await startCuttingProxy(f.slapd.url);
      const pid = f.slapd.pid;
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        const frozen = proxy.onRequest('groupOfNames', () => freezeProcess(pid));
        const started = performance.now();
        const failed = await syncWith({ ...f.env, LDAP_URL: proxy.url, LDAP_TIMEOUT: '1' });
        const elapsed = performance.now() - started;
        await frozen;
        assertFailed(failed, /failed to query LDAP groups: .*time/i);
        assert.ok(elapsed < 2500, `took ${Math.round(elapsed)} ms`);
        assert.equal(await f.db.dump(), before);
        process.kill(pid, 'SIGCONT');
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        process.kill(pid, 'SIGCONT');
        await proxy.close();
        await f.done();
      }
    });

    test(`fault ${kind}: a wrong bind password fails the run and changes nothing`, async () => {
      const f = await syncedFixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BIND_PASSWORD: 'wrong' }), /failed to bind to LDAP as cn=reader,dc=example,dc=com: invalid credentials.*\(LDAP result 49\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a base DN that does not exist fails the run and changes nothing`, async () => {
      const f = await syncedFixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BASE: 'ou=nowhere,dc=example,dc=com' }), /failed to query LDAP users: no such object.*\(LDAP result 32\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a referral as the search base fails the run and changes nothing`, async () => {
      const f = await syncedFixture(kind, { ldif: REFERRAL_LDIF });
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        assertFailed(await syncWith({ ...f.env, LDAP_BASE: 'ou=elsewhere,dc=example,dc=com' }), /failed to query LDAP users: .*\(LDAP result 10\)/);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a server size limit that breaks paging (size.prtotal=10) fails the run and changes nothing`, async () => {
      const f = await syncedFixture(kind);
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        await setSlapdLimits(f.slapd, 'size.soft=5 size.hard=5 size.pr=noEstimate size.prtotal=10');
        assertFailed(await syncWith(f.env), /failed to query LDAP users: size limit exceeded.*\(LDAP result 4\)/);
        assert.equal(await f.db.dump(), before);
        await setSlapdLimits(f.slapd, defaultSlapdLimits(5));
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`fault ${kind}: a server that accepts and never answers fails within ~2 s with LDAP_TIMEOUT=1`, { skip: timeoutSkip }, async () => {
      const f = await syncedFixture(kind);
      const silent = await startSilentServer();
      try {
        await changeDirectory(f.slapd);
        const before = await f.db.dump();
        const started = performance.now();
        const failed = await syncWith({ ...f.env, LDAP_URL: silent.url, LDAP_TIMEOUT: '1' });
        const elapsed = performance.now() - started;
        assertFailed(failed, new RegExp(`failed to (connect to|bind to) LDAP .*time`, 'i'));
        assert.ok(silent.accepted >= 1, 'the client did connect');
        assert.ok(elapsed < 2500, `took ${Math.round(elapsed)} ms`);
        assert.equal(await f.db.dump(), before);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await silent.close();
        await f.done();
      }
    });
  });
}
