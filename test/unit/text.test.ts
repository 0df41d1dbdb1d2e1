import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeGoString, decodeUtf8, goToLower, goTrimSpace, nfc, runeCount } from '../../src/text/go-text.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('decodeUtf8 returns the text of valid UTF-8', () => {
  assert.equal(decodeUtf8(bytes(0x68, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80)), 'hé😀');
  assert.equal(decodeUtf8(bytes()), '');
});

test('decodeUtf8 keeps a leading BOM as a character', () => {
  assert.equal(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x41)), '\uFEFFA');
});

test('decodeUtf8 accepts noncharacters like Go does', () => {
  assert.equal(decodeUtf8(bytes(0xef, 0xbf, 0xbf)), '\uFFFF');
});

for (const [name, input] of [
  ['a stray continuation byte', bytes(0x80)],
  ['0xff', bytes(0xff)],
  ['an overlong NUL', bytes(0xc0, 0x80)],
  ['an overlong 3-byte form', bytes(0xe0, 0x80, 0xaf)],
  ['an encoded surrogate', bytes(0xed, 0xa0, 0x80)],
  ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
  ['a truncated sequence', bytes(0x61, 0xe2, 0x82)],
] as const) {
  test(`decodeUtf8 rejects ${name}`, () => {
    assert.equal(decodeUtf8(input), null);
  });
}

test('decodeGoString replaces each invalid byte separately, as Go ranging does', () => {
  // TextDecoder would give one U+FFFD for the truncated E2 82 prefix.
  assert.equal(decodeGoString(bytes(0xe2, 0x82, 0x41)), '\uFFFD\uFFFDA');
  assert.equal(decodeGoString(bytes(0xed, 0xa0, 0x80)), '\uFFFD\uFFFD\uFFFD');
  assert.equal(decodeGoString(bytes(0xff, 0xc3, 0xa9)), '\uFFFDé');
  assert.equal(decodeGoString(bytes(0xf0, 0x9f, 0x98, 0x80)), '😀');
});

test('goTrimSpace trims the Go unicode.IsSpace set', () => {
  const goSpaces = '\t\n\v\f\r \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000';
  assert.equal(goTrimSpace(`${goSpaces}a b${goSpaces}`), 'a b');
});

test('goTrimSpace trims U+0085, which String.prototype.trim keeps', () => {
  assert.equal(goTrimSpace('\u0085alice\u0085'), 'alice');
  assert.notEqual('\u0085alice'.trim(), 'alice');
});

test('goTrimSpace keeps U+FEFF and U+200B, which are not Go spaces', () => {
  assert.equal(goTrimSpace('\uFEFFalice\uFEFF'), '\uFEFFalice\uFEFF');
  assert.equal(goTrimSpace('\u200Balice'), '\u200Balice');
});

test('goTrimSpace handles blank and long inputs', () => {
  assert.equal(goTrimSpace(' \t '), '');
  const long = `a${' '.repeat(100_000)}b`;
  assert.equal(goTrimSpace(long), long);
});

test('goToLower maps one rune at a time like Go strings.ToLower', () => {
  assert.equal(goToLower('ABC-xyz'), 'abc-xyz');
  assert.equal(goToLower('\u0130'), 'i');
  assert.equal(goToLower('ΟΔΟΣ'), 'οδοσ');
  assert.equal(goToLower('\u212A'), 'k');
});

test('runeCount counts code points, not UTF-16 units', () => {
  assert.equal(runeCount(''), 0);
  assert.equal(runeCount('abc'), 3);
  assert.equal(runeCount('😀'), 1);
  assert.equal(runeCount('e\u0301'), 2);
  assert.equal(runeCount('\u00e9'), 1);
});

test('nfc leaves Latin-1 text as Unicode NFC does: every character and every pair of them (its fast path)', () => {
  for (let a = 0; a < 256; a++) {
    const one = String.fromCharCode(a);
    assert.equal(nfc(one), one.normalize('NFC'));
    for (let b = 0; b < 256; b++) {
      const two = one + String.fromCharCode(b);
      if (nfc(two) !== two.normalize('NFC')) assert.fail(`U+${a.toString(16)} U+${b.toString(16)}`);
    }
  }
  assert.equal(nfc('Zoë e\u0301'), 'Zoë \u00e9', 'text beyond Latin-1 is still composed');
});

test('nfc composes canonically', () => {
  assert.equal(nfc('e\u0301'), '\u00e9');
  assert.equal(nfc('\u212B'), '\u00c5');
  assert.equal(nfc('\u1100\u1161'), '\uac00');
  assert.equal(nfc('plain'), 'plain');
});
