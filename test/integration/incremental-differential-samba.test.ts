/**
 * Incremental runs equal full runs, on Samba's Active Directory (uSNChanged).
 *
 * The same seeded change stream and comparison as incremental-differential.test.ts
 * (its header says what is changed and what is compared after which run),
 * spelt for AD (test/support/change-stream/samba-flavour.ts): sAMAccountName
 * renamed with the RDN, userAccountControl's ACCOUNTDISABLE as the disabled
 * flag, and member values as linked attributes: the DC makes them follow
 * renames and moves and removes them with a deleted entry, without changing
 * the group's own uSNChanged in every case, which is what an incremental run
 * here must cope with.
 *
 * Samba binds the fixed ports 389/636: this file must run alone (the suite
 * runs files one at a time), and it skips when the port is taken or samba
 * cannot be installed (fails under CI). DIFFERENTIAL_SAMBA_SEED=<seed>
 * replays a failure (random: a new one), DIFFERENTIAL_BATCHES a longer stream.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { applyOps, readIds } from '../support/change-stream/flavour.js';
import { sambaFlavour, sambaLdif } from '../support/change-stream/samba-flavour.js';
import { ChangeStream } from '../support/change-stream/stream.js';
import { runDifferential, seedFrom, testPictures } from '../support/differential.js';
import { skipUnlessCi } from '../support/requirement.js';
import { sambaConnectionEnv, startSamba, stopSamba } from '../support/samba.js';
import { withLdapClient } from '../support/sync-harness.js';

const SEED = seedFrom('DIFFERENTIAL_SAMBA_SEED', 20261201);
const BATCHES = Number(process.env.DIFFERENTIAL_BATCHES ?? 30);

const flavour = sambaFlavour(await testPictures());
const stream = new ChangeStream(flavour, SEED, { users: 40, groups: 8 });
const setup = await startSamba(sambaLdif(flavour, stream.model));
const skip = skipUnlessCi('skip' in setup && `Samba AD DC not available: ${setup.skip}`);
const samba = 'skip' in setup ? undefined : setup;

after(async () => {
  if (samba) await stopSamba(samba);
});

test(`Samba AD: ${BATCHES} batches of random directory changes (seed ${SEED}); after every run the incremental database equals the full one`, { skip }, async () => {
  const dc = samba!;
  console.log(`Samba AD DC up: ${dc.timings}`);
  const stats = await withLdapClient(dc.ldapUrl, dc.bindDn, dc.bindPassword, (client) =>
    runDifferential({
      stream,
      seed: SEED,
      seedVariable: 'DIFFERENTIAL_SAMBA_SEED',
      // SQLite only: the databases are the slapd file's subject; here the change marker is.
      kinds: ['sqlite'],
      batches: BATCHES,
      maxBatch: 20,
      env: (db) => ({
        ...sambaConnectionEnv(dc),
        ...flavour.settings,
        LDAP_ADMIN_GROUP_NAME: 'admins',
        LDAP_SYNC_NESTED_GROUPS: 'true',
        LDAP_SYNC_DISABLED_ACCOUNTS: 'true',
        LDAP_SYNC_PAGE_SIZE: '25',
        LDAP_TIMEOUT: '30',
        FILE_BACKEND: 'database',
        DB_CONNECTION_STRING: db.connectionString,
      }),
      apply: (ops) => applyOps(client, ops),
      readIds: () => readIds(client, flavour),
      log: (line) => console.log(line),
    }),
  );
  assert.ok(stats.changes >= BATCHES * 5, `the stream made ${stats.changes} changes in ${BATCHES} batches`);
  assert.ok(stats.fullRowsChanged >= stats.changes / 2, `the full runs changed ${stats.fullRowsChanged} rows: the stream must reach what the sync owns`);
});
