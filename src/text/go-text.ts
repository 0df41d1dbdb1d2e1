import { isUtf8 } from 'node:buffer';
// Go string semantics that Pocket ID's checks depend on, matched against Go 1.26
// (unicode/utf8, strings.TrimSpace with unicode.IsSpace, strings.ToLower with
// unicode.ToLower) and golang.org/x/text v0.39 norm.NFC. Unicode table versions
// differ slightly between Go and Node's ICU; only characters added in the newest
// Unicode versions can be affected.

// fatal: Go's utf8.Valid rejects the same sequences (overlongs, surrogates,
// > U+10FFFF, truncation). ignoreBOM: Go keeps a leading BOM as a character.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text of `bytes`, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  // Node's native check is several times faster than a throwing TextDecoder on
  // the million member values of a large directory; both reject exactly what
  // Go's utf8.Valid rejects, and toString keeps a leading BOM.
  if (!isUtf8(bytes)) return null;
  // LDAP values arrive as Buffers: decoded in place, without a second Buffer object for each of a million values.
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Text of a Go byte string as Go sees it when ranging over runes: every byte
 * that does not start a valid sequence becomes one U+FFFD. TextDecoder's lossy
 * mode differs (one U+FFFD per maximal invalid subpart), so it is not used.
 */
export function decodeGoString(bytes: Uint8Array): string {
  const strict = decodeUtf8(bytes);
  if (strict !== null) return strict;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const width = validSequenceLength(bytes, i);
    if (width === 0) {
      out += '\uFFFD';
      i += 1;
    } else {
      out += STRICT_UTF8.decode(bytes.subarray(i, i + width));
      i += width;
    }
  }
  return out;
}

function validSequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => {
    const v = b[i + j];
    return v !== undefined && v >= lo && v <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Go's unicode.IsSpace. Unlike JS whitespace it includes U+0085 and excludes U+FEFF. */
function isGoSpace(code: number): boolean {
  switch (code) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20:
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202f: case 0x205f: case 0x3000:
      return true;
    default:
      return code >= 0x2000 && code <= 0x200a;
  }
}

/** Go's strings.TrimSpace. Every Go space is in the BMP, so code units suffice. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * Go's strings.ToLower: simple per-rune mapping. JS toLowerCase applies the
 * full mapping, which turns U+0130 into two code points and Σ into ς at word
 * ends; mapping one code point at a time avoids the context, and U+0130 is
 * the only unconditional full mapping that differs.
 */
export function goToLower(s: string): string {
  if (!/[^\x00-\x7f]/.test(s)) return s.toLowerCase();
  let out = '';
  for (const ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/** Unicode code points, like Go's utf8.RuneCountInString on valid text. */
export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Unicode NFC. x/text's norm additionally inserts U+034F after 30 consecutive
 * non-starters (UAX #15 stream-safe format); that case is not reproduced.
 */
export function nfc(s: string): string {
  return LATIN1.test(s) ? s : s.normalize('NFC');
}

/**
 * Text of Latin-1 characters only is already NFC: each of them is, and no two
 * compose (every pair is checked in test/unit/text.test.ts). V8 sends even that
 * text through ICU: 600,000 names of a full run of 100,000 users cost 130-155 ms
 * normalised, 24 ms tested first.
 */
const LATIN1 = /^[\x00-\xff]*$/;
