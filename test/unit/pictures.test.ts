import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { crc32, MARKER_HEAD_BYTES, markerText, readMarker, withMarker } from '../../src/pictures/png-marker.js';
import { renderProfilePicture } from '../../src/pictures/render.js';
import { PictureError, resolvePictureSource } from '../../src/pictures/source.js';
import { forEachLimited, profilePicturePath } from '../../src/pictures/store.js';
import { pictureTargets } from '../../src/pictures/sync-pictures.js';
import type { DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import type { CurrentState, SyncPlan } from '../../src/sync/types.js';
import { validEnv } from '../support/env.js';
import { emptyClaimPlan } from '../../src/sync/plan-claims.js';

const LIMITS = { timeoutMs: 2000, maxBytes: 100_000 };
const SHA = 'ab'.repeat(32);

/** A two-colour image: left half red, right half blue. */
function halves(width: number, height: number): Sharp {
  const half = Math.floor(width / 2);
  const red = { r: 255, g: 0, b: 0 };
  return sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 255 } } }).composite([
    { input: { create: { width: half, height, channels: 3, background: red } }, left: 0, top: 0 },
  ]);
}

async function pixel(png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i] as number, data[i + 1] as number, data[i + 2] as number];
}

const isRed = ([r, g, b]: number[]) => (r as number) > 200 && (g as number) < 60 && (b as number) < 60;
const isBlue = ([r, g, b]: number[]) => (r as number) < 60 && (g as number) < 60 && (b as number) > 200;

describe('pictures: PNG marker', () => {
  test('crc32 is the PNG/zlib CRC', () => {
    assert.equal(crc32(Buffer.from('IEND', 'latin1')), 0xae426082);
    assert.equal(crc32(Buffer.from('123456789', 'latin1')), 0xcbf43926);
  });

  test('a marked PNG is still a valid PNG and the marker reads back from its first bytes', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } }).png().toBuffer();
    const marked = withMarker(png, markerText(SHA));
    const meta = await sharp(marked).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 4, 4]);
    // libvips decodes it again without complaint: the chunk is well-formed.
    assert.equal((await sharp(marked).raw().toBuffer()).length, 4 * 4 * 3);
    assert.equal(readMarker(marked.subarray(0, MARKER_HEAD_BYTES)), `v1 sha256=${SHA}`);
  });

  test('no marker: foreign PNG, other files, truncated or corrupted chunk', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } }).png().toBuffer();
    assert.equal(readMarker(png), null, 'an uploaded picture carries no marker');
    assert.equal(readMarker(Buffer.from('not a png at all')), null);
    assert.equal(readMarker(Buffer.alloc(0)), null);
    const marked = withMarker(png, markerText(SHA));
    assert.equal(readMarker(marked.subarray(0, 60)), null, 'a head cut inside the chunk');
    const corrupt = Buffer.from(marked);
    corrupt[60] = (corrupt[60] as number) ^ 0xff;
    assert.equal(readMarker(corrupt), null, 'a CRC mismatch');
    assert.throws(() => withMarker(Buffer.from('nope'), 'x'));
  });
});

describe('pictures: interpreting the attribute', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  const body = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
  before(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/ok.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(body);
      else if (req.url === '/big') res.writeHead(200).end(Buffer.alloc(LIMITS.maxBytes + 1));
      else if (req.url === '/chunked-big') {
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write(Buffer.alloc(10_000));
        res.end();
      } else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(body), 5000).unref();
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok.jpg' }).end();
      else if (req.url === '/auth') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('user:p@ss').toString('base64')}`;
        res.writeHead(ok ? 200 : 401).end(ok ? body : '');
      }
      else res.writeHead(404, 'Not Found').end('<html>not here</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('image bytes are used as they are, whatever else they might look like', async () => {
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).jpeg().toBuffer();
    assert.deepEqual(await resolvePictureSource(jpeg, LIMITS), { kind: 'bytes', bytes: jpeg });
  });

  test('base64 text is decoded (padding required; CR/LF ignored as in Go), also base64 JPEG "/9j/..."', async () => {
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).jpeg().toBuffer();
    const text = jpeg.toString('base64');
    assert.ok(text.startsWith('/9j/'), 'Pocket ID takes this for a URL and fails; we decode it');
    assert.deepEqual(await resolvePictureSource(Buffer.from(text), LIMITS), { kind: 'base64', bytes: jpeg });
    const wrapped = text.replace(/.{20}/g, '$&\r\n');
    assert.deepEqual((await resolvePictureSource(Buffer.from(wrapped), LIMITS)).bytes, jpeg);
    assert.equal((await resolvePictureSource(Buffer.from('abc'), LIMITS)).kind, 'bytes', 'unpadded: not base64');
  });

  test('an http URL is downloaded; redirects are followed', async () => {
    hits = 0;
    assert.deepEqual(await resolvePictureSource(Buffer.from(`${base}/ok.jpg`), LIMITS), { kind: 'url', bytes: body });
    assert.deepEqual((await resolvePictureSource(Buffer.from(` ${base}/redirect\n`), LIMITS)).bytes, body);
    assert.equal(hits, 3);
    // user:password@ in the URL is sent as Basic auth, as Go's client does.
    const auth = new URL(`${base}/auth`);
    auth.username = 'user';
    auth.password = 'p@ss';
    assert.deepEqual((await resolvePictureSource(Buffer.from(auth.href), LIMITS)).bytes, body);
  });

  test('a non-2xx answer is an error, not a picture (a difference from Pocket ID)', async () => {
    await assert.rejects(resolvePictureSource(Buffer.from(`${base}/missing.png?token=secret`), LIMITS), (error: Error) => {
      assert.ok(error instanceof PictureError);
      assert.match(error.message, /answered HTTP 404 Not Found/);
      assert.doesNotMatch(error.message, /secret/, 'the query string never reaches a log line');
      return true;
    });
  });

  test('downloads are capped in size (declared or streamed) and in time', async () => {
    await assert.rejects(resolvePictureSource(Buffer.from(`${base}/big`), LIMITS), /larger than LDAP_SYNC_PICTURE_MAX_BYTES=100000/);
    await assert.rejects(resolvePictureSource(Buffer.from(`${base}/chunked-big`), LIMITS), /larger than LDAP_SYNC_PICTURE_MAX_BYTES/);
    const started = performance.now();
    await assert.rejects(resolvePictureSource(Buffer.from(`${base}/slow`), { ...LIMITS, timeoutMs: 300 }), /did not answer within 0.3 s/);
    assert.ok(performance.now() - started < 2000);
  });

  test('other URL schemes and unreachable servers are errors', async () => {
    await assert.rejects(resolvePictureSource(Buffer.from('ftp://example.com/a.png'), LIMITS), /only http and https/);
    await assert.rejects(resolvePictureSource(Buffer.from('file:///etc/passwd'), LIMITS), /only http and https/);
    await assert.rejects(resolvePictureSource(Buffer.from('http://user:pw@127.0.0.1:1/x.png'), LIMITS), (error: Error) => {
      assert.match(error.message, /cannot download http:\/\/127\.0\.0\.1:1\/x\.png/);
      assert.doesNotMatch(error.message, /pw@/);
      return true;
    });
  });
});

describe('pictures: rendering', () => {
  test('JPEG, PNG, GIF, WebP and TIFF become a 300x300 8-bit sRGB PNG', async () => {
    for (const format of ['jpeg', 'png', 'gif', 'webp', 'tiff'] as const) {
      const input = await halves(640, 480).toFormat(format).toBuffer();
      const png = await renderProfilePicture(input);
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.depth], ['png', 300, 300, 'uchar'], format);
      // Centre crop of a landscape image: both halves stay visible, left red, right blue.
      assert.ok(isRed(await pixel(png, 20, 150)), `${format}: left is red`);
      assert.ok(isBlue(await pixel(png, 280, 150)), `${format}: right is blue`);
    }
  });

  test('the crop is centred: a wide image loses its sides', async () => {
    // 900x300: the middle third (300..600) is green, the sides red.
    const wide = await sharp({ create: { width: 900, height: 300, channels: 3, background: '#f00' } })
      .composite([{ input: { create: { width: 300, height: 300, channels: 3, background: '#0f0' } }, left: 300, top: 0 }])
      .png()
      .toBuffer();
    const png = await renderProfilePicture(wide);
    for (const [x, y] of [[2, 2], [297, 297], [150, 150]] as const) {
      const [r, g] = await pixel(png, x, y);
      assert.ok(g > 200 && r < 60, `(${x},${y}) is green`);
    }
  });

  test('EXIF orientation is applied before cropping (as imageorient does)', async () => {
    // Stored landscape (left red, right blue) with orientation 6: displayed rotated 90° clockwise,
    // so red ends up on top and blue at the bottom.
    const jpeg = await halves(400, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const png = await renderProfilePicture(jpeg);
    assert.ok(isRed(await pixel(png, 150, 10)), 'top is red');
    assert.ok(isBlue(await pixel(png, 150, 290)), 'bottom is blue');
    assert.ok(isRed(await pixel(png, 10, 10)) && isRed(await pixel(png, 290, 10)), 'the whole top row is red');
  });

  test('grey, alpha and 16-bit sources come out as 8-bit RGB(A)', async () => {
    const grey = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#808080' } }).greyscale().jpeg().toBuffer();
    assert.equal((await sharp(await renderProfilePicture(grey)).metadata()).channels, 3);
    const alpha = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    assert.equal((await sharp(await renderProfilePicture(alpha)).metadata()).channels, 4);
    const deep = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#abcdef' } }).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    assert.equal((await sharp(await renderProfilePicture(deep)).metadata()).depth, 'uchar');
  });

  test('broken input is a PictureError with a reason', async () => {
    const jpeg = await halves(200, 200).jpeg().toBuffer();
    const cases: [string, Buffer, RegExp][] = [
      ['garbage', Buffer.from('this is not an image at all'), /not an image/],
      ['empty', Buffer.alloc(0), /empty/],
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), /JPEG|jpeg|premature|truncated/i],
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /unsupported image format svg/],
      ['BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]), /BMP pictures are not supported/],
    ];
    for (const [name, bytes, reason] of cases) {
      await assert.rejects(renderProfilePicture(bytes), (error: Error) => {
        assert.ok(error instanceof PictureError, name);
        assert.match(error.message, reason, name);
        return true;
      });
    }
  });
});

describe('pictures: whose pictures a run looks at', () => {
  const user = (dn: string, ldapId: string, picture?: string): DirectoryUser => ({
    dn, ldapId, username: dn.slice(4, dn.indexOf(',')), email: '', firstName: '', lastName: '', displayName: '',
    ...(picture ? { picture: Buffer.from(picture) } : {}),
  });
  const row = (id: string, ldapId: string | null) => ({
    id, ldapId, username: id, email: null, firstName: '', lastName: '', displayName: '', isAdmin: false, emailVerified: true, disabled: false,
  });

  test('created and kept users, not skipped entries, not users without a row', () => {
    const snapshot = {
      users: [
        user('uid=new,dc=x', 'L1', 'p1'),
        user('uid=kept,dc=x', 'L2', 'p2'),
        user('uid=skipped,dc=x', 'L3', 'p3'),
        user('uid=noid,dc=x', '', 'p4'),
        user('uid=bare,dc=x', 'L5'),
        user('uid=unknown,dc=x', 'L6', 'p6'),
      ],
      groups: [], unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 },
    } satisfies DirectorySnapshot;
    // The users the plan was made from: the skipped entry's old row is among them.
    const state: CurrentState = { users: [row('id-new', 'L1'), row('id-kept', 'L2'), row('id-skipped', 'L3'), row('id-bare', 'L5'), row('local', null)], groups: [], memberships: new Map() };
    const plan = {
      users: { create: [], update: [], disable: [], delete: [], unchanged: 0 },
      groups: { create: [], update: [], delete: [], unchanged: 0 },
      memberships: { add: [], remove: [] },
      vacate: { userIds: [], groupIds: [] },
      claims: emptyClaimPlan(),
      skips: [
        { kind: 'user', dn: 'uid=skipped,dc=x', reason: 'invalid-username', message: '' },
        { kind: 'user', dn: 'uid=noid,dc=x', reason: 'missing-unique-id', message: '' },
        { kind: 'member', dn: 'uid=kept,dc=x', reason: 'member-unknown', message: '' },
      ],
      managed: { users: 3, groups: 0 },
    } satisfies SyncPlan;
    const targets = pictureTargets(snapshot, state.users, plan);
    assert.deepEqual(targets.map((t) => [t.userId, t.value?.toString()]), [['id-new', 'p1'], ['id-kept', 'p2'], ['id-bare', undefined]]);
    assert.equal(profilePicturePath('id-new'), 'profile-pictures/id-new.png');
  });

  test('forEachLimited never runs more than the limit at once and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([...Array(25).keys()], 4, async (i) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      seen.push(i);
      running -= 1;
    });
    assert.equal(peak, 4);
    assert.deepEqual(seen.sort((a, b) => a - b), [...Array(25).keys()]);
  });
});

describe('pictures: configuration', () => {
  const VALID = validEnv({ LDAP_BIND_DN: 'cn=r', LDAP_BIND_PASSWORD: 'secret-pw', LDAP_BASE: 'dc=x' });
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };

  test("Pocket ID's defaults: filesystem under data/uploads; empty values mean the default", () => {
    const config = loadConfig(VALID);
    assert.deepEqual(config.pictures, { backend: 'filesystem', uploadPath: 'data/uploads', concurrency: 4, timeoutMs: 15_000, maxBytes: 10_485_760, deleteCleared: false });
    assert.equal(config.ldap.attributes.profilePicture, '');
    const empty = loadConfig({ ...VALID, FILE_BACKEND: '', UPLOAD_PATH: '' });
    assert.equal(empty.pictures.backend, 'filesystem');
    assert.equal(empty.pictures.uploadPath, 'data/uploads');
  });

  test('every setting is read', () => {
    const config = loadConfig({
      ...VALID, FILE_BACKEND: 'Database', UPLOAD_PATH: '/app/data/uploads', LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto',
      LDAP_SYNC_PICTURE_CONCURRENCY: '8', LDAP_SYNC_PICTURE_TIMEOUT: '5', LDAP_SYNC_PICTURE_MAX_BYTES: '2048', LDAP_SYNC_PICTURE_DELETE_CLEARED: 'true',
    });
    assert.deepEqual(config.pictures, { backend: 'database', uploadPath: '/app/data/uploads', concurrency: 8, timeoutMs: 5000, maxBytes: 2048, deleteCleared: true });
    assert.equal(config.ldap.attributes.profilePicture, 'jpegPhoto');
  });

  test('FILE_BACKEND=s3 with a picture attribute is a configuration error; without one it is accepted', () => {
    const found = problems({ ...VALID, FILE_BACKEND: 's3', LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: 'jpegPhoto' });
    assert.equal(found.length, 1);
    assert.match(found[0] as string, /^FILE_BACKEND: s3 is not supported by this daemon.*LDAP_ATTRIBUTE_USER_PROFILE_PICTURE/);
    assert.equal(loadConfig({ ...VALID, FILE_BACKEND: 's3' }).pictures.backend, 's3');
  });

  test('bad values are reported', () => {
    const found = problems({ ...VALID, FILE_BACKEND: 'nfs', LDAP_SYNC_PICTURE_CONCURRENCY: '0', LDAP_SYNC_PICTURE_TIMEOUT: 'soon' });
    assert.equal(found.length, 3, found.join('\n'));
    assert.ok(found.some((p) => /^FILE_BACKEND: .*"nfs" is not one of filesystem, database, s3/.test(p)), found.join('\n'));
  });
});
