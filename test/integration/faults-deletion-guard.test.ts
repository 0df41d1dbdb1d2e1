// The deletion guard (DESIGN.md §6) against real runs: a user filter that reads nobody, or half the
// users, fails the run with one ERROR naming the numbers and writes nothing; a threshold of 100%
// or one run with allowMassDelete lets it through.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { assertFailed, SYNCED_USERS, syncedFixture } from '../support/fault-fixture.js';
import { stopAllSlapd } from '../support/slapd.js';
import { syncWith } from '../support/sync-harness.js';
import { DB_KINDS } from '../support/test-database.js';

after(stopAllSlapd);

for (const kind of DB_KINDS) {
  describe(`deletion guard with ${kind}`, () => {
    // A filter that reads nobody, or half.
    const NOBODY = '(&(objectClass=inetOrgPerson)(uid=nobody-at-all))';
    // Leaves out user01..user13: 13 of the 28 synced users.
    const HALF = '(&(objectClass=inetOrgPerson)(!(|(uid=user0*)(uid=user10)(uid=user11)(uid=user12)(uid=user13))))';
    for (const [what, filter, removed, verdict] of [
      ['a user filter that matches nothing', NOBODY, SYNCED_USERS, `the user search returned no entries while ${SYNCED_USERS} LDAP users exist in Pocket ID`],
      ['a user filter that matches half the users', HALF, 13, `this run would disable or delete 13 of ${SYNCED_USERS} LDAP users, more than LDAP_SYNC_DELETE_THRESHOLD=20% allows (5)`],
    ] as const) {
      test(`guard ${kind}: ${what} trips the deletion guard: the run fails, nothing is written, the ERROR names the numbers`, async () => {
        const f = await syncedFixture(kind);
        try {
          const before = await f.db.dump();
          const failed = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter });
          const error = assertFailed(failed, /^deletion guard: /);
          assert.ok(error.message.includes(verdict), error.message);
          assert.match(error.message, /LDAP_SYNC_DELETE_THRESHOLD/);
          const errors = failed.logs.split('\n').filter((line) => / ERR /.test(line));
          assert.equal(errors.length, 1, failed.logs);
          assert.match(errors[0]!, /ERR Deletion guard refused the run detail=/);
          assert.ok(errors[0]!.includes(verdict), errors[0]);
          assert.match(errors[0]!, /LDAP_SYNC_DELETE_THRESHOLD/);
          assert.equal(await f.db.dump(), before);
          // The next healthy run (the usual filter) succeeds and changes nothing.
          const healthy = await syncWith(f.env);
          assert.ifError(healthy.error);
          assert.equal(await f.db.dump(), before);
        } finally {
          await f.done();
        }
      });

      test(`guard ${kind}: ${what} goes through with LDAP_SYNC_DELETE_THRESHOLD=100%`, async () => {
        const f = await syncedFixture(kind);
        try {
          const outcome = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter, LDAP_SYNC_DELETE_THRESHOLD: '100%' });
          assert.ifError(outcome.error);
          assert.equal(outcome.result!.summary.users.disabled, removed);
          assert.equal((await f.db.users()).filter((u) => u.ldap_id !== null && u.disabled).length, removed);
        } finally {
          await f.done();
        }
      });

      test(`guard ${kind}: ${what} goes through for one run with allowMassDelete, with a WARN`, async () => {
        const f = await syncedFixture(kind);
        try {
          const outcome = await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: filter }, { allowMassDelete: true });
          assert.ifError(outcome.error);
          assert.equal(outcome.result!.summary.users.disabled, removed);
          assert.match(outcome.logs, /WRN Deletion guard overridden for this run/);
          assert.ok(outcome.logs.includes(verdict));
          // The override was for that run only.
          assertFailed(await syncWith({ ...f.env, LDAP_USER_SEARCH_FILTER: NOBODY }), /^deletion guard: /);
        } finally {
          await f.done();
        }
      });
    }
  });
}
