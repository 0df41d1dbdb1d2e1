// The change marker of a stored picture: one PNG tEXt chunk, right after IHDR,
// that says which source bytes the PNG was rendered from. Any PNG decoder skips
// it (tEXt is an ancillary chunk); we read it back from the first bytes of the
// stored file or row, so an unchanged picture costs one SHA-256 of the source
// and a read of ~120 bytes, never a decode.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC). */
const IHDR_END = 33;
/** A tEXt keyword: 1-79 Latin-1 characters. This one names who wrote the chunk. */
export const MARKER_KEYWORD = 'pocket-id-ldap-sync';
/**
 * The render version: bump it when the output changes (size, crop, encoder
 * settings), so that every stored picture is rendered again once.
 */
export const RENDER_VERSION = 'v1';
/** Enough bytes to hold IHDR and our chunk: what a store reads back per picture. */
export const MARKER_HEAD_BYTES = 160;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG computes it (ISO 3309), over the chunk type and data. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The marker text for source bytes with this SHA-256 (hex). */
export function markerText(sourceSha256: string): string {
  return `${RENDER_VERSION} sha256=${sourceSha256}`;
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

function isPng(png: Buffer): boolean {
  return png.length >= IHDR_END && png.subarray(0, 8).equals(SIGNATURE) && png.toString('latin1', 12, 16) === 'IHDR';
}

/** The PNG with our tEXt chunk inserted right after IHDR. */
export function withMarker(png: Buffer, text: string): Buffer {
  if (!isPng(png)) throw new Error('not a PNG with IHDR first');
  const data = Buffer.from(`${MARKER_KEYWORD}\0${text}`, 'latin1');
  return Buffer.concat([png.subarray(0, IHDR_END), chunk('tEXt', data), png.subarray(IHDR_END)]);
}

/**
 * The marker text of a stored PNG, from its first bytes; null when the bytes
 * are not a PNG or carry no (intact) marker of ours right after IHDR, e.g. a
 * picture uploaded in Pocket ID.
 */
export function readMarker(head: Buffer): string | null {
  if (!isPng(head) || head.length < IHDR_END + 12) return null;
  const length = head.readUInt32BE(IHDR_END);
  const end = IHDR_END + 8 + length + 4;
  if (head.toString('latin1', IHDR_END + 4, IHDR_END + 8) !== 'tEXt' || end > head.length) return null;
  const typeAndData = head.subarray(IHDR_END + 4, IHDR_END + 8 + length);
  if (crc32(typeAndData) !== head.readUInt32BE(IHDR_END + 8 + length)) return null;
  const text = head.toString('latin1', IHDR_END + 8, IHDR_END + 8 + length);
  const prefix = `${MARKER_KEYWORD}\0`;
  return text.startsWith(prefix) ? text.slice(prefix.length) : null;
}
