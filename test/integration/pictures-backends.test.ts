// Profile pictures end to end on each store (files under UPLOAD_PATH or the storage table) and
// each database: real slapd entries with jpegPhoto values (image bytes, base64 text, URLs of a
// local HTTP server, garbage), whole syncs, and the pictures read back: written once, rewritten
// only when they change, deleted only with the user (or LDAP_SYNC_PICTURE_DELETE_CLEARED).
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { summaryFields } from '../../src/run/summary.js';
import { assertProfilePng, dn, OLD_SECONDS, photo, pictureFixture, PictureServer, pictureWarnings, setPicture, type Backend } from '../support/picture-fixture.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, syncWith } from '../support/sync-harness.js';
import type { DbKind } from '../support/test-database.js';

after(stopAllSlapd);

const server = new PictureServer();
before(() => server.start());
after(() => server.stop());

const SCENARIOS: { backend: Backend; db: DbKind }[] = [
  { backend: 'filesystem', db: 'sqlite' },
  { backend: 'filesystem', db: 'postgres' },
  { backend: 'database', db: 'sqlite' },
  { backend: 'database', db: 'postgres' },
];

for (const { backend, db: kind } of SCENARIOS) {
  describe(`pictures: FILE_BACKEND=${backend}, ${kind}`, () => {
    test('every accepted form is stored as a 300x300 PNG once; broken ones warn; an unchanged directory writes no picture', async () => {
      const f = await pictureFixture(backend, kind);
      try {
        const jpeg = await photo(1, 'jpeg');
        const png = await photo(2, 'png', 200, 400);
        const base64Jpeg = (await photo(3, 'jpeg')).toString('base64');
        const base64Png = (await photo(4, 'png')).toString('base64').replace(/.{76}/g, '$&\n');
        assert.ok(base64Jpeg.startsWith('/9j/'));
        await ldapAdmin(f.slapd, async (client) => {
          await setPicture(client, 'alice', jpeg);
          await setPicture(client, 'bob', png);
          await setPicture(client, 'amelie', base64Jpeg);
          await setPicture(client, 'user03', base64Png);
          await setPicture(client, 'Dave.Smith', `${server.base}/ok.webp`);
          await setPicture(client, 'user01', `${server.base}/missing.png`);
          await setPicture(client, 'user02', Buffer.from('\x00\x01 definitely not an image \xff'));
          // Skipped by the plan (missing email): gets no picture, as in Pocket ID.
          await setPicture(client, 'nomail', jpeg);
        });

        const downloads = () => (server.hits.get('/ok.webp') ?? 0) - downloadsBefore;
        const downloadsBefore = server.hits.get('/ok.webp') ?? 0;
        const first = await syncWith(f.env);
        assert.ifError(first.error);
        assert.deepEqual(first.result!.summary.pictures, { written: 5, unchanged: 0, failed: 2, deleted: 0 });
        assert.equal(first.result!.summary.users.created, 28);
        const fields = summaryFields(first.result!.summary);
        assert.deepEqual([fields.picturesWritten, fields.picturesUnchanged, fields.picturesFailed, fields.picturesDeleted], [5, 0, 2, 0]);

        const warnings = pictureWarnings(first);
        assert.equal(warnings.length, 2, first.logs);
        assert.ok(warnings.some((w) => w.includes(`dn="${dn('user01')}"`) && /answered HTTP 404 Not Found/.test(w)), warnings.join('\n'));
        assert.ok(warnings.some((w) => w.includes(`dn="${dn('user02')}"`) && /not an image/.test(w)), warnings.join('\n'));

        const stored = await f.stored();
        const expected = ['alice', 'bob', 'amelie', 'user03', 'Dave.Smith'];
        const ids = await Promise.all(expected.map((u) => f.idOf(u)));
        assert.deepEqual([...stored.keys()].sort(), ids.map((id) => `profile-pictures/${id}.png`).sort());
        for (const [key, picture] of stored) {
          await assertProfilePng(picture.data, key);
          if (picture.size !== undefined) assert.equal(picture.size, picture.data.length, 'storage.size is the PNG length');
          assert.ok(Math.abs(picture.time - Date.now() / 1000) < 120, 'written now');
        }
        if (backend === 'filesystem') {
          const dir = path.join(f.uploads, 'profile-pictures');
          assert.equal(statSync(dir).mode & 0o777, 0o700, 'directories are created with mode 0700, as Pocket ID does');
          assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('-tmp')), [], 'no temporary file is left');
        }
        assert.equal(downloads(), 1);

        // Second run, nothing changed in LDAP: no picture is written (times stay at the sentinel).
        await f.age();
        const before = await f.stored();
        const second = await syncWith(f.env);
        assert.ifError(second.error);
        assert.deepEqual(second.result!.summary.pictures, { written: 0, unchanged: 5, failed: 2, deleted: 0 });
        const after = await f.stored();
        for (const [key, picture] of after) {
          assert.equal(picture.time, OLD_SECONDS, `${key} was not rewritten`);
          assert.ok(picture.data.equals(before.get(key)!.data));
        }
        assert.equal(downloads(), 2, 'a URL is downloaded on every run (to see whether it changed), but not stored again');

        // One picture changes: only that one is written.
        await ldapAdmin(f.slapd, (client) => setPicture(client, 'bob', Buffer.from(jpeg)));
        const third = await syncWith(f.env);
        assert.ifError(third.error);
        assert.deepEqual(third.result!.summary.pictures, { written: 1, unchanged: 4, failed: 2, deleted: 0 });
        const bobKey = `profile-pictures/${await f.idOf('bob')}.png`;
        for (const [key, picture] of await f.stored()) {
          assert.equal(picture.time === OLD_SECONDS, key !== bobKey, `${key}: rewritten only if it is bob's`);
          if (picture.created !== undefined) assert.equal(picture.created, OLD_SECONDS, `${key}: the upsert keeps created_at`);
        }
      } finally {
        await f.done();
      }
    });

    test('hard delete removes the picture; soft delete and an emptied attribute keep it unless LDAP_SYNC_PICTURE_DELETE_CLEARED', async () => {
      const f = await pictureFixture(backend, kind);
      try {
        await ldapAdmin(f.slapd, async (client) => {
          for (const [i, uid] of ['alice', 'bob', 'user01', 'user04'].entries()) await setPicture(client, uid, await photo(10 + i, 'jpeg'));
        });
        const first = await syncWith(f.env);
        assert.ifError(first.error);
        assert.equal(first.result!.summary.pictures?.written, 4);
        const id = Object.fromEntries(await Promise.all(['alice', 'bob', 'user01', 'user02', 'user04'].map(async (u) => [u, await f.idOf(u)] as const)));
        const key = (u: string) => `profile-pictures/${id[u]}.png`;

        // A picture uploaded in Pocket ID (no marker) for a user without the attribute.
        const uploaded = await photo(50, 'png', 300, 300);
        if (backend === 'filesystem') writeFileSync(path.join(f.uploads, key('user02')), uploaded);
        else {
          const now = kind === 'postgres' ? new Date() : Math.floor(Date.now() / 1000);
          await sql`INSERT INTO storage (path, data, size, mod_time, created_at) VALUES (${key('user02')}, ${uploaded}, ${uploaded.length}, ${now}, ${now})`.execute(f.db.db);
        }

        // user04 leaves LDAP under soft delete (the default): disabled, picture kept.
        await ldapAdmin(f.slapd, (client) => client.del(dn('user04')));
        const soft = await syncWith(f.env);
        assert.ifError(soft.error);
        assert.equal(soft.result!.summary.users.disabled, 1);
        assert.deepEqual(soft.result!.summary.pictures, { written: 0, unchanged: 3, failed: 0, deleted: 0 });
        assert.ok((await f.stored()).has(key('user04')), 'a disabled user keeps the picture');

        // bob leaves LDAP under hard delete; alice's attribute is emptied.
        await ldapAdmin(f.slapd, async (client) => {
          await client.del(dn('bob'));
          await setPicture(client, 'alice', null);
        });
        const hard = await syncWith({ ...f.env, LDAP_SOFT_DELETE_USERS: 'false' });
        assert.ifError(hard.error);
        assert.equal(hard.result!.summary.users.deleted, 2, 'bob, and user04 that was disabled before');
        assert.deepEqual(hard.result!.summary.pictures, { written: 0, unchanged: 1, failed: 0, deleted: 2 });
        let stored = await f.stored();
        assert.ok(!stored.has(key('bob')), "the deleted user's picture is gone");
        assert.ok(!stored.has(key('user04')));
        assert.ok(stored.has(key('alice')), 'an emptied attribute leaves the picture alone (as Pocket ID)');
        assert.ok(stored.has(key('user02')));

        // With LDAP_SYNC_PICTURE_DELETE_CLEARED, our picture goes; the uploaded one stays.
        const cleared = await syncWith({ ...f.env, LDAP_SOFT_DELETE_USERS: 'false', LDAP_SYNC_PICTURE_DELETE_CLEARED: 'true' });
        assert.ifError(cleared.error);
        assert.deepEqual(cleared.result!.summary.pictures, { written: 0, unchanged: 1, failed: 0, deleted: 1 });
        stored = await f.stored();
        assert.ok(!stored.has(key('alice')));
        assert.ok(stored.get(key('user02'))?.data.equals(uploaded), 'a picture without our marker is never deleted');
        assert.ok(stored.has(key('user01')));
      } finally {
        await f.done();
      }
    });
  });
}
