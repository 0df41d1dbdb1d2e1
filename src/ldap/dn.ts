// DN handling as Pocket ID v2.14.0 does it (ldapsync/service.go normalizeLDAPDN,
// getDNProperty, and ldap.ParseDN in resolveGroupMemberUsername), with
// go-ldap/ldap v3.4.14 v3/dn.go ParseDN: the code after PRs #588 (reject raw
// `"` `;` `<` `>` NUL), #598 (no bytes after a #hex BER value) and #603
// (backslash parity for an escaped trailing space); #606 (strip spaces before
// a #hex value) was still open and is not reproduced. #hex values are read like go-asn1-ber
// v1.5.8-0.20250403174932-29230038a667 (Pocket ID's pin) ReadPacket.
import { decodeGoString, decodeUtf8, goToLower, goTrimSpace } from '../text/go-text.js';

export interface RdnAttribute {
  type: string;
  value: string;
}

export type Rdn = RdnAttribute[];

/**
 * go-ldap's ParseDN: null exactly where it returns an error. Blank input
 * (Go TrimSpace) is the empty DN, not an error. Escaped bytes that are not
 * valid UTF-8 come back as U+FFFD per byte, which is what Go's ToLower
 * makes of them in normalizeDN.
 */
export function parseDN(dn: string): Rdn[] | null {
  if (goTrimSpace(dn) === '') return [];
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  // go-ldap tests len(Type) == 0, so a type that decodes to "" counts as no
  // type and a later '=' sets it again.
  let type = '';
  let escaping = false;
  let start = 0;
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (escaping) {
      escaping = false;
    } else if (c === '\\') {
      escaping = true;
    } else if (c === '=' && type === '') {
      const decoded = decodeString(dn.slice(start, i));
      if (decoded === null) return null;
      type = decoded;
      start = i + 1;
    } else if (c === ',' || c === '+' || c === ';') {
      if (type === '') return null;
      const value = decodeValue(dn.slice(start, i));
      if (value === null) return null;
      rdn.push({ type, value });
      type = '';
      start = i + 1;
      if (c !== '+') {
        rdns.push(rdn);
        rdn = [];
      }
    }
  }
  if (type === '') return null;
  const value = decodeValue(dn.slice(start));
  if (value === null) return null;
  rdn.push({ type, value });
  rdns.push(rdn);
  return rdns;
}

/**
 * A DN of plain ASCII types and values only (no spaces, escapes, quotes, '+',
 * '#', ';'): parsed and joined again it is itself, lower-cased. Most DNs are
 * so; the 5,000 group DNs of L parsed in every incremental run that resolves
 * cost 17-31 ms and 16 MB of garbage in the profiles of the 1 % run.
 */
const PLAIN_DN = /^[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+(?:,[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._@-]+)*$/;

/** Pocket ID's normalizeLDAPDN: the key of its DN → username cache. */
export function normalizeDN(dn: string): string {
  if (PLAIN_DN.test(dn)) return dn.toLowerCase();
  const parsed = parseDN(dn);
  if (parsed === null) return goToLower(goTrimSpace(dn));
  return parsed
    .map((rdn) => rdn.map((a) => `${goToLower(a.type)}=${goToLower(a.value)}`).join('+'))
    .join(',');
}

/**
 * Pocket ID's getDNProperty, byte for byte: split on every ',' (escaped or
 * not), TrimSpace each part, and return the bytes after `attr=` of the first
 * part whose lower-cased bytes start with it and that has a non-empty value.
 * Escapes are not decoded. Go compares a prefix of the lower-cased part but
 * slices the original part, so a part whose prefix changes byte length when
 * lower-cased (İ, K) is cut at a shifted offset; where the lower-cased part
 * is shorter than the prefix Go panics, which is taken here as no match.
 */
export function getDNProperty(attribute: string, dn: string): string {
  const prefix = utf8(`${goToLower(attribute)}=`);
  const l = prefix.length;
  for (const rawPart of dn.split(',')) {
    const trimmed = goTrimSpace(rawPart);
    const part = utf8(trimmed);
    if (part.length <= l) continue;
    const lowered = utf8(goToLower(trimmed));
    if (lowered.length < l) continue;
    if (prefix.every((byte, i) => lowered[i] === byte)) return decodeGoString(part.subarray(l));
  }
  return '';
}

/** Whether Pocket ID treats a member value as a DN (ParseDN succeeds; "" does). */
export function isDN(value: string): boolean {
  return parseDN(value) !== null;
}

const ENCODER = new TextEncoder();

function utf8(s: string): Uint8Array {
  return ENCODER.encode(s);
}

function decodeValue(raw: string): string | null {
  // The '#' test is on the raw value, before spaces are stripped.
  return raw.startsWith('#') ? decodeBerHex(raw.slice(1)) : decodeString(raw);
}

/** Strips unescaped outer spaces (only U+0020) and decodes RFC 4514 escapes. */
function decodeString(raw: string): string | null {
  const s = stripSpaces(raw);
  if (!s.includes('\\')) return /["<>;\u0000]/.test(s) ? null : s;
  const chars = Array.from(s);
  const out: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch !== '\\') {
      if ('"<>;\u0000'.includes(ch)) return null;
      out.push(...utf8(ch));
      continue;
    }
    const next = chars[i + 1];
    if (next === undefined) return null;
    if (' "#+,;<=>\\'.includes(next)) {
      out.push(next.charCodeAt(0));
      i += 1;
      continue;
    }
    const pair = `${next}${chars[i + 2] ?? ''}`;
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) return null;
    out.push(Number.parseInt(pair, 16));
    i += 2;
  }
  return decodeGoString(Uint8Array.from(out));
}

function stripSpaces(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && raw[start] === ' ') start++;
  while (end > start && raw[end - 1] === ' ') end--;
  const trimmed = raw.slice(start, end);
  if (trimmed === '' || !raw.endsWith(' ')) return trimmed;
  let backslashes = 0;
  while (trimmed[trimmed.length - 1 - backslashes] === '\\') backslashes++;
  return backslashes % 2 === 1 ? `${trimmed} ` : trimmed;
}

class BerError extends Error {}

interface BerPacket {
  identifier: number;
  tag: bigint;
  data: Uint8Array;
}

const MAX_INT32 = 0x7fffffff;

/** go-ldap's decodeEncodedString: hex of exactly one BER element, its data as a string. */
function decodeBerHex(hex: string): string | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  const reader = { bytes, pos: 0 };
  try {
    const packet = readPacket(reader);
    return reader.pos === bytes.length ? decodeGoString(packet.data) : null;
  } catch (error) {
    if (error instanceof BerError) return null;
    throw error;
  }
}

interface Reader {
  bytes: Uint8Array;
  pos: number;
}

function readByte(r: Reader): number {
  const b = r.bytes[r.pos];
  if (b === undefined) throw new BerError('unexpected EOF');
  r.pos += 1;
  return b;
}

function readPacket(r: Reader): BerPacket {
  const identifier = readByte(r);
  let tag = BigInt(identifier & 0x1f);
  if (tag === 0x1fn) {
    tag = 0n;
    for (let n = 1; ; n++) {
      const b = readByte(r);
      tag = (tag << 7n) | BigInt(b & 0x7f);
      if (n === 1 && tag === 0n) throw new BerError('invalid first high-tag-number byte');
      if (n > 9) throw new BerError('high-tag-number overflow');
      if ((b & 0x80) === 0) break;
    }
  }
  const length = readLength(r);
  const constructed = (identifier & 0x20) !== 0;
  if (constructed) return { identifier, tag, data: readChildren(r, length) };
  if (length < 0) throw new BerError('indefinite length used with primitive type');
  if (length > MAX_INT32 || r.pos + length > r.bytes.length) throw new BerError('unexpected EOF');
  const data = r.bytes.subarray(r.pos, r.pos + length);
  r.pos += length;
  if ((identifier & 0xc0) === 0) checkUniversalString(tag, data);
  return { identifier, tag, data };
}

/** -1 for the indefinite form. */
function readLength(r: Reader): number {
  const b = readByte(r);
  if (b === 0xff) throw new BerError('invalid length byte 0xff');
  if (b === 0x80) return -1;
  if ((b & 0x80) === 0) return b;
  const count = b & 0x7f;
  if (count > 8) throw new BerError('long-form length overflow');
  let value = 0n;
  for (let i = 0; i < count; i++) value = (value << 8n) | BigInt(readByte(r));
  if (value >= 1n << 63n) throw new BerError('long-form length overflow');
  return Number(value);
}

/** A constructed value's data is its children re-encoded by go-asn1-ber's Bytes(). */
function readChildren(r: Reader, length: number): Uint8Array {
  const start = r.pos;
  const parts: number[] = [];
  for (;;) {
    if (length >= 0) {
      const read = r.pos - start;
      if (read === length) break;
      if (read > length) throw new BerError('child overran parent length');
    }
    const child = readPacket(r);
    const isEoc = child.identifier === 0 && child.data.length === 0;
    if (isEoc) {
      if (length < 0) break;
      throw new BerError('eoc child not allowed with definite length');
    }
    parts.push(...encodeIdentifier(child), ...encodeLength(child.data.length), ...child.data);
  }
  return Uint8Array.from(parts);
}

/** go-asn1-ber rejects malformed UTF8String, PrintableString and IA5String data. */
function checkUniversalString(tag: bigint, data: Uint8Array): void {
  if (tag === 0x0cn && decodeUtf8(data) === null) throw new BerError('invalid UTF-8 string');
  if (tag === 0x13n && !/^[a-zA-Z0-9'()+,\-.=/:? ]*$/.test(Buffer.from(data).toString('latin1'))) {
    throw new BerError('invalid PrintableString');
  }
  if (tag === 0x16n && data.some((b) => b >= 0x7f)) throw new BerError('invalid IA5String');
}

function encodeIdentifier(p: BerPacket): number[] {
  const first = p.identifier & 0xe0;
  if (p.tag < 0x1fn) return [first | Number(p.tag)];
  // go-asn1-ber sizes high tags as ceil(highBit / 7) bytes, one short when
  // the highest set bit is a multiple of 7; reproduced as is.
  let highBit = 63;
  while (((p.tag >> BigInt(highBit)) & 1n) === 0n) highBit--;
  const count = Math.ceil(highBit / 7);
  const out = [first | 0x1f];
  for (let i = count - 1; i >= 0; i--) {
    const b = Number((p.tag >> BigInt(i * 7)) & 0x7fn);
    out.push(i === 0 ? b : b | 0x80);
  }
  return out;
}

function encodeLength(length: number): number[] {
  const bytes: number[] = [];
  for (let v = length; ; v = Math.floor(v / 256)) {
    bytes.unshift(v % 256);
    if (v < 256) break;
  }
  return length > 127 || bytes.length > 1 ? [0x80 | bytes.length, ...bytes] : bytes;
}
