// Profile pictures end to end: real slapd entries with jpegPhoto values (image
// bytes, base64 text, URLs of a local HTTP server, garbage), a whole sync, and
// the pictures read back from the filesystem or the storage table of SQLite
// and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Attribute, Change, type Client } from 'ldapts';
import sharp from 'sharp';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createLogger } from '../../src/log/logger.js';
import { readMarker } from '../../src/pictures/png-marker.js';
import { syncRunWith } from '../../src/run/run-sync.js';
import { runJob } from '../../src/service/job.js';
import { summaryFields } from '../../src/run/summary.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { ldapAdmin, syncWith, testEnv, type SyncOutcome } from '../support/sync-harness.js';
import { createTestDatabase, type DbKind, type TestDatabase } from '../support/test-database.js';

const PEOPLE = 'ou=people,dc=example,dc=com';
const dn = (uid: string) => `uid=${uid},${PEOPLE}`;
const OLD_SECONDS = 1_000_000_000; // 2001-09-09: a time no write of this test can produce

after(stopAllSlapd);

type Backend = 'filesystem' | 'database';
const SCENARIOS: { backend: Backend; db: DbKind }[] = [
  { backend: 'filesystem', db: 'sqlite' },
  { backend: 'filesystem', db: 'postgres' },
  { backend: 'database', db: 'sqlite' },
  { backend: 'database', db: 'postgres' },
];

/** Grain shared by every generated photo, per size (making noise is the slow part). */
const grains = new Map<string, Promise<Buffer>>();
function grain(width: number, height: number): Promise<Buffer> {
  const key = `${width}x${height}`;
  let made = grains.get(key);
  if (!made) {
    made = sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } }).raw().toBuffer();
    grains.set(key, made);
  }
  return made;
}

/**
 * A photo-like image, distinct per seed: a coloured square on a background,
 * with grain so that it compresses like a photograph (a 640x480 JPEG is then
 * tens of KiB, like a real jpegPhoto, not 2 KiB like a flat colour).
 */
async function photo(seed: number, format: 'jpeg' | 'png' | 'webp', width = 640, height = 480): Promise<Buffer> {
  const side = Math.round(Math.min(width, height) / 3);
  const image = sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 200 } } }).composite([
    { input: { create: { width: side, height: side, channels: 3, background: { r: 255 - ((seed * 53) % 256), g: 40, b: (seed * 17) % 256 } } }, left: side, top: Math.round(side / 2) },
    { input: await grain(width, height), raw: { width, height, channels: 3 }, blend: 'overlay' },
  ]);
  return image.toFormat(format, format === 'jpeg' ? { quality: 85 } : {}).toBuffer();
}

/** Serves /ok.webp, counts requests, answers 404 for anything else. */
class PictureServer {
  hits = new Map<string, number>();
  body: Buffer = Buffer.alloc(0);
  onRequest: (() => Promise<void>) | null = null;
  private server: Server | null = null;
  base = '';

  async start(): Promise<void> {
    this.body = await photo(99, 'webp', 500, 500);
    this.server = createServer((req, res) => {
      const url = req.url ?? '';
      this.hits.set(url, (this.hits.get(url) ?? 0) + 1);
      const answer = async () => {
        if (this.onRequest) await this.onRequest();
        if (url === '/ok.webp') res.writeHead(200, { 'content-type': 'image/webp' }).end(this.body);
        else res.writeHead(404, 'Not Found').end('<html>gone</html>');
      };
      void answer();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server?.closeAllConnections();
    this.server?.close();
  }
}

const server = new PictureServer();
before(() => server.start());
after(() => server.stop());

async function setPicture(client: Client, uid: string, value: Buffer | string | null): Promise<void> {
  const values = value === null ? [] : [typeof value === 'string' ? Buffer.from(value) : value];
  await client.modify(dn(uid), [new Change({ operation: 'replace', modification: new Attribute({ type: 'jpegPhoto', values }) })]);
}

interface Stored {
  data: Buffer;
  /** File mtime or storage.mod_time, in seconds. */
  time: number;
  size?: number;
  /** storage.created_at, in seconds (database only). */
  created?: number;
}

interface Fixture {
  slapd: SlapdInstance;
  db: TestDatabase;
  uploads: string;
  env: Record<string, string>;
  stored(): Promise<Map<string, Stored>>;
  /** Moves every stored picture's time to OLD_SECONDS, so that any later write shows. */
  age(): Promise<void>;
  idOf(username: string): Promise<string>;
  done(): Promise<void>;
}

async function fixture(backend: Backend, kind: DbKind, overrides: Record<string, string> = {}): Promise<Fixture> {
  const slapd = await startSlapd();
  const db = await createTestDatabase(kind);
  const uploads = mkdtempSync(path.join(tmpdir(), 'pictures-uploads-'));
  const env = testEnv(slapd, db, { LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto', FILE_BACKEND: backend, UPLOAD_PATH: uploads, ...overrides });
  const pictureDir = path.join(uploads, 'profile-pictures');
  const toSeconds = (v: unknown) => (v instanceof Date ? Math.floor(v.getTime() / 1000) : Number(v));
  return {
    slapd, db, uploads, env,
    async stored() {
      const out = new Map<string, Stored>();
      if (backend === 'filesystem') {
        let names: string[] = [];
        try {
          names = readdirSync(pictureDir);
        } catch {
          return out;
        }
        for (const name of names) {
          const file = path.join(pictureDir, name);
          out.set(`profile-pictures/${name}`, { data: readFileSync(file), time: Math.floor(statSync(file).mtimeMs / 1000) });
        }
      } else {
        const rows = await sql<{ path: string; data: Buffer; size: number | string; mod_time: unknown; created_at: unknown }>`SELECT path, data, size, mod_time, created_at FROM storage`.execute(db.db);
        for (const row of rows.rows) {
          out.set(row.path, { data: Buffer.from(row.data), time: toSeconds(row.mod_time), size: Number(row.size), created: toSeconds(row.created_at) });
        }
      }
      return out;
    },
    async age() {
      if (backend === 'filesystem') {
        for (const name of readdirSync(pictureDir)) utimesSync(path.join(pictureDir, name), OLD_SECONDS, OLD_SECONDS);
      } else {
        const old = kind === 'postgres' ? new Date(OLD_SECONDS * 1000) : OLD_SECONDS;
        await sql`UPDATE storage SET mod_time = ${old}, created_at = ${old}`.execute(db.db);
      }
    },
    async idOf(username) {
      const user = await db.user(username);
      assert.ok(user, `user ${username} exists`);
      return user.id;
    },
    async done() {
      await db.close();
      await slapd.stop();
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}

function pictureWarnings(outcome: SyncOutcome): string[] {
  return outcome.logs.split('\n').filter((line) => / WRN Error saving profile picture for LDAP user /.test(line));
}

async function assertProfilePng(data: Buffer, label: string): Promise<void> {
  const meta = await sharp(data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 300, 300], label);
  assert.match(readMarker(data) ?? '', /^v1 sha256=[0-9a-f]{64}$/, `${label}: carries the change marker`);
}

for (const { backend, db: kind } of SCENARIOS) {
  describe(`pictures: FILE_BACKEND=${backend}, ${kind}`, () => {
    test('every accepted form is stored as a 300x300 PNG once; broken ones warn; an unchanged directory writes no picture', async () => {
      const f = await fixture(backend, kind);
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
      const f = await fixture(backend, kind);
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

describe('pictures: when and how the step runs', () => {
  test('pictures are processed after the commit: the rows are visible and the SQLite write lock is free', async () => {
    const f = await fixture('database', 'sqlite');
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
    const f = await fixture('filesystem', 'sqlite');
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
    const f = await fixture('filesystem', 'sqlite');
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
    const f = await fixture('filesystem', 'sqlite');
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
    const f = await fixture('filesystem', 'sqlite');
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
      const f = await fixture(backend, 'sqlite');
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
