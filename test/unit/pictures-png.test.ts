// The PNG a profile picture becomes: any accepted format rendered to a 300x300 8-bit PNG (centre
// crop, EXIF orientation, grey/alpha/16-bit sources, broken input refused with a reason), and the
// marker chunk that tells our pictures from ones uploaded in Pocket ID.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { crc32, MARKER_HEAD_BYTES, markerText, readMarker, withMarker } from '../../src/pictures/png-marker.js';
import { renderProfilePicture } from '../../src/pictures/render.js';
import { PictureError } from '../../src/pictures/source.js';

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
