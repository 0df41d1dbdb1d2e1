// What a profile-picture attribute value is taken for: image bytes as they are, base64 text
// decoded, an http(s) URL downloaded from a local server (redirects, Basic auth, size and time
// caps, non-2xx answers and other schemes refused without leaking the URL's secrets).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { PictureError, resolvePictureSource } from '../../src/pictures/source.js';

const LIMITS = { timeoutMs: 2000, maxBytes: 100_000 };

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
