/**
 * Incremental runs equal full runs, on slapd (modifyTimestamp).
 *
 * A seeded random stream of directory changes (test/support/change-stream/):
 * user adds (some on a DN a group already names), name and mail changes
 * (some invalid, so the entry is skipped until fixed), renames by modrdn,
 * moves within the base and out of it and back, deletions, nsAccountLock
 * (the disabled flag src/ldap/account-status.ts reads on slapd), leaving and
 * re-entering the user and group filters (description=hidden), custom claim
 * attributes of users and groups, pictures, member values added and removed,
 * nested groups, the admin group's members, groups added, deleted and renamed
 * to and from the admin group's name. Renames, moves and deletions rewrite
 * the groups' member values as slapd's refint overlay would, except now and
 * then, when the values are left naming no entry (a directory without
 * referential integrity).
 *
 * The changes go to the directory in batches, without any pause: several
 * batches land in the same second of modifyTimestamp, which the incremental
 * design must re-read rather than skip (with its overlap removed, this test
 * fails at the second batch). After every batch, per database kind: the
 * reference database is made a copy of the incremental one
 * (test/support/db-copy.ts), then one incremental run (one `memory` for all
 * runs, LDAP_SYNC_INCREMENTAL=true) goes into the incremental database and a
 * full run into the reference. Both started from the same point, so both must
 * end with the same contents, compared normalised and keyed by ldap_id
 * (test/support/db-contents.ts): users (username, email, names, admin,
 * disabled, email verified), groups, memberships, custom claims, pictures.
 * Why not a reference kept by full runs alone: a full run freezes the row of a
 * user who left (disabled, admin flag as it was), and a run without a scan
 * learns of the departure later; the two rows then differ by history, not by
 * a fault of the run under test (the admin chain of a user changed after the
 * user had left the base; one came back with an invalid mail, so still skipped).
 *
 * Half the runs (chosen by the stream, so they replay) scan for deletions,
 * half do not. A run without a scan cannot see entries leave the view
 * (deleted, moved out of the base, out of the filter); after it the
 * comparison leaves out exactly what only a scan can see
 * (test/support/change-stream/view-tracker.ts): the rows of entries that left
 * the view since the last scan, rows holding a username, email or group name
 * such an entry held (the full run hands those over), and, when a group left
 * the view, memberships and admin flags (nested chains through it). Everything
 * else must be equal after every run, and after a run with a scan everything
 * must be equal. Leaving out less would fail correct designs; comparing only
 * after scans would let errors of the runs without one hide until the next.
 *
 * Reproduce a failure: the message names the seed and the last batches;
 * DIFFERENTIAL_SEED=<seed> replays the same stream (DIFFERENTIAL_SEED=random
 * tries a new one, DIFFERENTIAL_BATCHES=<n> a longer one, and
 * DIFFERENTIAL_KEEP_GOING=1 logs every run that differs instead of stopping
 * at the first). Timing is not replayed: which batches share a second of
 * modifyTimestamp can differ.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { applyOps, readIds } from '../support/change-stream/flavour.js';
import { slapdFlavour, slapdLdif } from '../support/change-stream/slapd-flavour.js';
import { ChangeStream } from '../support/change-stream/stream.js';
import { runDifferential, seedFrom, testPictures } from '../support/differential.js';
import { addNsAccountLockSchema } from '../support/ns-account-lock.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, testEnv } from '../support/sync-harness.js';
import { DB_KINDS } from '../support/test-database.js';

after(stopAllSlapd);

const SEED = seedFrom('DIFFERENTIAL_SEED', 20261130);
const BATCHES = Number(process.env.DIFFERENTIAL_BATCHES ?? 30);

/** One stream against a fresh slapd; `pictures` configures the picture attribute, `pocketIdEdits` local rows made by hand. */
async function differential(pictures: boolean, pocketIdEdits: boolean): Promise<void> {
  const flavour = slapdFlavour(pictures ? await testPictures() : null);
  const stream = new ChangeStream(flavour, SEED, { users: 40, groups: 8 });
  const slapd = await startSlapd({ ldif: slapdLdif(flavour, stream.model) });
  await addNsAccountLockSchema(slapd);
  const stats = await ldapAdmin(slapd, (client) =>
    runDifferential({
      stream,
      seed: SEED,
      seedVariable: 'DIFFERENTIAL_SEED',
      kinds: DB_KINDS,
      batches: BATCHES,
      maxBatch: 20,
      env: (db) =>
        testEnv(slapd, db, {
          ...flavour.settings,
          LDAP_SYNC_NESTED_GROUPS: 'true',
          LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
          LDAP_SYNC_PAGE_SIZE: '25',
          FILE_BACKEND: 'database',
        }),
      apply: (ops) => applyOps(client, ops),
      readIds: () => readIds(client, flavour),
      log: (line) => console.log(line),
      pocketIdEdits,
    }),
  );
  assert.ok(stats.changes >= BATCHES * 5, `the stream made ${stats.changes} changes in ${BATCHES} batches`);
  assert.ok(stats.fullRowsChanged >= stats.changes / 2, `the full runs changed ${stats.fullRowsChanged} rows: the stream must reach what the sync owns`);
}

test(`slapd: ${BATCHES} batches of random directory changes (seed ${SEED}); after every run the incremental database equals the full one`, () =>
  differential(true, false));

// Local users take usernames entries want and free them again: an incremental run reads Pocket ID's own rows afresh.
test(`slapd: the same stream with local users and groups made and deleted in Pocket ID between runs`, () => differential(true, true));
