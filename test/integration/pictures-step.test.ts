// Profile pictures: when and how the step runs (after the commit, with the write lock free; an
// unwritable store; the job's log line; hard deletes without the attribute; dry runs), and the time
// per picture of a 200-user first run and of a run that writes none.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Attribute } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createLogger } from '../../src/log/logger.js';
import { syncRunWith } from '../../src/run/run-sync.js';
import { runJob } from '../../src/service/job.js';
import { dn, OLD_SECONDS, PEOPLE, photo, pictureFixture, PictureServer, setPicture, type Backend } from '../support/picture-fixture.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, syncWith } from '../support/sync-harness.js';

after(stopAllSlapd);

const server = new PictureServer();
before(() => server.start());
after(() => server.stop());

describe('pictures: when and how the step runs', () => {
  test('pictures are processed after the commit: the rows are visible and the SQLite write lock is free', async () => {
    const f = await pictureFixture('database', 'sqlite');
    try {
      await ldapAdmin(f.slapd, (client) => setPicture(client, 'Dave.Smith', `${server.base}/ok.webp`));
      const seen: { user: boolean; wrote: boolean }[] = [];
      server.onRequest = async () => {
        // Another connection: sees only committed rows, and BEGIN IMMEDIATE fails at once under a held write lock.
        const user = await f.db.user('Dave.Smith');
        let wrote = false;
        try {
          await sql`UPDATE kv SET value = value WHERE key = 'none'`.execute(f.db.db);
          wrote = true;
        } catch {
          wrote = false;
        }
        seen.push({ user: user !== undefined, wrote });
      };
      const outcome = await syncWith(f.env);
      assert.ifError(outcome.error);
      assert.deepEqual(seen, [{ user: true, wrote: true }]);
      assert.equal(outcome.result!.summary.pictures?.written, 1);
      assert.ok((outcome.result!.timings.picturesMs ?? -1) >= 0);
    } finally {
      server.onRequest = null;
      await f.done();
    }
  });

  test('a store that cannot be written is one ERROR; the run still succeeds and counts the pictures as failed', async () => {
    const f = await pictureFixture('filesystem', 'sqlite');
    try {
      await ldapAdmin(f.slapd, async (client) => {
        for (const [i, uid] of ['alice', 'bob', 'user01'].entries()) await setPicture(client, uid, await photo(20 + i, 'jpeg'));
      });
      const missing = path.join(f.uploads, 'not-mounted');
      const outcome = await syncWith({ ...f.env, UPLOAD_PATH: missing });
      assert.ifError(outcome.error);
      assert.equal(outcome.result!.summary.users.created, 28);
      assert.deepEqual(outcome.result!.summary.pictures, { written: 0, unchanged: 0, failed: 3, deleted: 0 });
      const errors = outcome.logs.split('\n').filter((l) => / ERR /.test(l));
      assert.equal(errors.length, 1, outcome.logs);
      assert.match(errors[0]!, /Cannot store profile pictures .*does not exist \(is Pocket ID's upload volume mounted here\?\)/);

      // A read-only profile-pictures directory: the same, one ERROR.
      const dir = path.join(f.uploads, 'profile-pictures');
      mkdirSync(dir, { mode: 0o500 });
      if (process.getuid?.() !== 0) {
        const readOnly = await syncWith(f.env);
        assert.ifError(readOnly.error);
        assert.equal(readOnly.result!.summary.pictures?.failed, 3);
        assert.equal(readOnly.logs.split('\n').filter((l) => / ERR /.test(l)).length, 1, readOnly.logs);
      }
    } finally {
      await f.done();
    }
  });

  test("the job's log line carries the picture counts", async () => {
    const f = await pictureFixture('filesystem', 'sqlite');
    try {
      await ldapAdmin(f.slapd, async (client) => {
        await setPicture(client, 'alice', await photo(30, 'jpeg'));
        await setPicture(client, 'bob', 'not base64, not a URL, not an image');
      });
      const config = loadConfig(f.env);
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const db = await openDatabase(config.database);
      try {
        const outcome = await runJob({ jsonLog: config.log.json, log: createLogger({ level: 'info', json: false, stream }), database: { get: async () => db }, sync: syncRunWith(config) });
        assert.equal(outcome.result, 'success');
      } finally {
        await db.close();
      }
      const logs = Buffer.concat(chunks).toString('utf8');
      assert.match(logs, / INF Job run successfully name=SyncLdap .* memberSkips=\d+ sessionsRevoked=0 sessionsRevokedUsers=0 picturesWritten=1 picturesUnchanged=0 picturesFailed=1 picturesDeleted=0$/m, logs);
      assert.match(logs, new RegExp(` WRN Error saving profile picture for LDAP user name=SyncLdap jobID=\\S+ dn="uid=bob,${PEOPLE}" username=bob error="not an image: `), logs);
    } finally {
      await f.done();
    }
  });

  test('without a picture attribute a hard delete still removes the picture (as Pocket ID); with FILE_BACKEND=s3 it warns instead', async () => {
    const f = await pictureFixture('filesystem', 'sqlite');
    try {
      await ldapAdmin(f.slapd, (client) => setPicture(client, 'bob', 'ignored: the attribute is not configured'));
      const off = { ...f.env, LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: '', LDAP_SOFT_DELETE_USERS: 'false' };
      assert.ifError((await syncWith(off)).error);
      const bob = await f.idOf('bob');
      const alice = await f.idOf('alice');
      // Pictures uploaded in Pocket ID.
      mkdirSync(path.join(f.uploads, 'profile-pictures'), { mode: 0o700 });
      for (const id of [bob, alice]) writeFileSync(path.join(f.uploads, 'profile-pictures', `${id}.png`), await photo(60, 'png', 300, 300));
      await ldapAdmin(f.slapd, (client) => client.del(dn('bob')));
      const deleted = await syncWith(off);
      assert.ifError(deleted.error);
      assert.equal(deleted.result!.summary.users.deleted, 1);
      assert.equal(deleted.result!.summary.pictures, undefined, 'no counts without the attribute');
      assert.deepEqual([...(await f.stored()).keys()], [`profile-pictures/${alice}.png`]);

      await ldapAdmin(f.slapd, (client) => client.del(dn('alice')));
      const s3 = await syncWith({ ...off, FILE_BACKEND: 's3' });
      assert.ifError(s3.error);
      assert.match(s3.logs, / WRN Pictures of deleted users were not removed: FILE_BACKEND=s3 is not supported by this daemon users=1$/m);
      assert.equal((await f.stored()).size, 1, 'nothing touched on the filesystem');
    } finally {
      await f.done();
    }
  });

  test('a dry run looks at no picture; without the attribute nothing is read or counted', async () => {
    const f = await pictureFixture('filesystem', 'sqlite');
    try {
      await ldapAdmin(f.slapd, (client) => setPicture(client, 'alice', `${server.base}/ok.webp`));
      const hitsBefore = server.hits.get('/ok.webp') ?? 0;
      const dry = await syncWith(f.env, { dryRun: true });
      assert.ifError(dry.error);
      assert.equal(dry.result!.summary.pictures, undefined);
      const off = await syncWith({ ...f.env, LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: '' });
      assert.ifError(off.error);
      assert.equal(off.result!.summary.pictures, undefined);
      assert.doesNotMatch(off.logs, /pictures/);
      assert.equal(server.hits.get('/ok.webp') ?? 0, hitsBefore);
      assert.deepEqual((await f.stored()).size, 0);
    } finally {
      await f.done();
    }
  });
});

describe('pictures: time per picture', () => {
  const COUNT = 200;
  for (const backend of ['filesystem', 'database'] as Backend[]) {
    test(`${COUNT} users with a distinct 640x480 JPEG each (${backend}, sqlite): first run, then a run that writes none`, async (t) => {
      const f = await pictureFixture(backend, 'sqlite');
      try {
        let totalBytes = 0;
        await ldapAdmin(f.slapd, async (client) => {
          for (let i = 0; i < COUNT; i++) {
            const jpeg = await photo(1000 + i, 'jpeg');
            totalBytes += jpeg.length;
            const text = (type: string, ...values: string[]) => new Attribute({ type, values });
            await client.add(`uid=pic${i},${PEOPLE}`, [
              text('objectClass', 'top', 'person', 'organizationalPerson', 'inetOrgPerson'),
              text('uid', `pic${i}`), text('cn', `Pic ${i}`), text('sn', 'Pic'), text('mail', `pic${i}@example.com`),
              new Attribute({ type: 'jpegPhoto', values: [jpeg] }),
            ]);
          }
        });
        const first = await syncWith(f.env);
        assert.ifError(first.error);
        assert.equal(first.result!.summary.pictures?.written, COUNT);
        const firstMs = first.result!.timings.picturesMs!;
        await f.age();
        const second = await syncWith(f.env);
        assert.ifError(second.error);
        assert.deepEqual(second.result!.summary.pictures, { written: 0, unchanged: COUNT, failed: 0, deleted: 0 });
        for (const picture of (await f.stored()).values()) assert.equal(picture.time, OLD_SECONDS);
        const secondMs = second.result!.timings.picturesMs!;
        t.diagnostic(
          `${backend}: ${COUNT} JPEGs (avg ${Math.round(totalBytes / COUNT / 1024)} KiB) written in ${Math.round(firstMs)} ms = ${(firstMs / COUNT).toFixed(2)} ms/picture (concurrency 4, 2 cores); unchanged run ${Math.round(secondMs)} ms = ${(secondMs / COUNT).toFixed(3)} ms/picture, 0 written`,
        );
      } finally {
        await f.done();
      }
    });
  }
});
