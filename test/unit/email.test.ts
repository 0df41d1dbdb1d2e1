import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMAIL_REGEX, isValidEmail, matchesEmailRegex, passesBothChecks, PLAIN_ADDRESS } from '../../src/sync/email.js';
import { prng } from '../support/prng.js';

// [value, Pocket ID accepts it, the validator regex alone matches it, why]
const cases: Array<[string, boolean, boolean, string]> = [
  ['alice@example.com', true, true, 'plain address'],
  ['first.last@example.com', true, true, 'single dots in the local part'],
  ['user+tag@mail.example.co.uk', true, true, 'plus tag and several labels'],
  ["o'brien@example.ie", true, true, 'apostrophe is atext'],
  ['a@b.c', true, true, 'one-letter labels and TLD'],
  ['1@2.de', true, true, 'labels may start with a digit'],
  ['a~b@x~y.com', true, true, 'tilde allowed in the local part and inside a domain label'],
  ['üser@exämple.com', true, true, 'non-ASCII letters in both parts'],
  ['"john doe"@example.com', true, true, 'quoted local part with a space'],
  ['"a@b"@example.com', true, true, 'quoted local part containing @'],
  ['"a\\"b"@example.com', true, true, 'escaped quote inside a quoted local part'],
  ['a..b@example.com', false, false, 'double dot in the local part (both reject)'],
  ['.alice@example.com', false, false, 'leading dot in the local part (both reject)'],
  ['alice.@example.com', false, false, 'trailing dot in the local part (both reject)'],
  ['x@b..c.com', false, true, 'double dot in the domain: the regex lets labels contain dots, Go rejects'],
  ['x@example.com.', false, true, 'trailing dot on the domain: the regex allows it, Go rejects'],
  ['""@example.com', false, true, 'empty quoted local part: Go rejects'],
  ['"a\u0001b"@example.com', false, true, 'control character in quotes: regex obs-qtext allows it, Go rejects'],
  ['"a"b"@example.com', false, true, 'bare quote inside quotes: the regex quoted-pair lost its backslash, Go rejects'],
  ['"a\r\n b"@example.com', false, true, 'folded quoted string: regex FWS allows CRLF, Go rejects'],
  ['x@localhost', false, false, 'domain without a dot: Go accepts, the regex needs two labels'],
  ['x@example.123', false, false, 'numeric TLD: the regex needs a letter'],
  ['x@-example.com', false, false, 'label starting with a hyphen: Go accepts, the regex rejects'],
  ['x@exa_mple.com', false, false, 'underscore in the domain: Go accepts, the regex rejects'],
  ['😀@example.com', false, false, 'emoji outside the regex Unicode ranges: Go accepts'],
  ['a\u0085@example.com', false, false, 'C1 control U+0085: Go counts it as VCHAR, the regex rejects'],
  ['John <john@example.com>', false, false, 'display name and angle brackets: Go accepts, the regex rejects'],
  ['john@example.com (John)', false, false, 'trailing comment: Go accepts, the regex rejects'],
  [' john@example.com', false, false, 'leading space: Go skips it, the regex rejects'],
  ['john@ example.com', false, false, 'space after @: Go skips it, the regex rejects'],
  ['a@[192.0.2.1]', false, false, 'domain literal: Go accepts, the regex rejects'],
  ['john@example.com\n', false, false, 'trailing newline (both reject)'],
  ['a@@example.com', false, false, 'two @ signs (both reject)'],
  ['alice', false, false, 'no @ at all (both reject)'],
  ['', false, false, 'empty (both reject)'],
];

for (const [value, valid, regex, reason] of cases) {
  test(`${valid ? 'accepts' : 'rejects'} ${JSON.stringify(value)}: ${reason}`, () => {
    assert.equal(EMAIL_REGEX.test(value), regex, 'validator regex');
    assert.equal(matchesEmailRegex(value), regex, 'linear equivalent');
    assert.equal(isValidEmail(value), valid);
    assert.equal(passesBothChecks(value), valid, 'without the shortcut');
  });
}

test('every address the shortcut accepts passes both full checks', () => {
  const rnd = prng(20261130);
  const any = (alphabet: string) => alphabet[Math.floor(rnd() * alphabet.length)] ?? '';
  const run = (alphabet: string, max: number) => Array.from({ length: 1 + Math.floor(rnd() * max) }, () => any(alphabet)).join('');
  // Mostly the characters the shortcut allows, and now and then any other that matters to either check.
  const local = 'aZ09_+-.'.repeat(8) + '~!" \\()@é\t';
  const domain = 'aZ09.-'.repeat(8) + '_~[]@é\u0085 ';
  let plain = 0;
  for (let i = 0; i < 50_000; i++) {
    const value = `${run(local, 6)}@${run(domain, 8)}${rnd() < 0.7 ? `.${run('aZé1.', 2)}` : ''}`;
    if (!PLAIN_ADDRESS.test(value)) continue;
    plain += 1;
    assert.ok(passesBothChecks(value), JSON.stringify(value));
  }
  assert.ok(plain > 1_000, `only ${plain} generated values took the shortcut`);
});

test('matchesEmailRegex agrees with the validator regex on generated strings', () => {
  const rnd = prng(20260822);
  const any = (alphabet: string[]) => alphabet[Math.floor(rnd() * alphabet.length)] ?? '';
  const run = (alphabet: string[], max: number) => Array.from({ length: 1 + Math.floor(rnd() * max) }, () => any(alphabet)).join('');
  // Near-valid shapes with random damage, so both outcomes are common while
  // strings stay short enough for the backtracking regex.
  const damage = (text: string, noise: string[]) => {
    if (rnd() < 0.7) return text;
    const at = Math.floor(rnd() * (text.length + 1));
    return text.slice(0, at) + any(noise) + text.slice(at + (rnd() < 0.5 ? 1 : 0));
  };
  const atom = ['a', 'Z', '0', '!', '~', 'é'];
  const quoted = ['a', ' ', '\t', '"', '\\', '@', '\r\n ', '\r', '\u0001', '('];
  const label = ['a', 'b', 'é', 'a', '1', '-', '~'];
  const noise = ['\u0000', '\n', '\r', '😀', '\uFDD0', '@', ' ', '"', '\\', '.', '..', '_', '-', '1', '\r\n'];
  let matched = 0;
  for (let i = 0; i < 30_000; i++) {
    const local = rnd() < 0.6 ? `${run(atom, 3)}${rnd() < 0.3 ? `.${run(atom, 2)}` : ''}` : `"${run(quoted, 4)}"`;
    const labels = Array.from({ length: rnd() < 0.1 ? 1 : 2 + Math.floor(rnd() * 2) }, () => run(label, 3));
    const domain = labels.join('.') + (rnd() < 0.2 ? '.' : '');
    const value = `${damage(local, noise)}@${damage(domain, noise)}`;
    const expected = EMAIL_REGEX.test(value);
    if (expected) matched++;
    assert.equal(matchesEmailRegex(value), expected, JSON.stringify(value));
  }
  assert.ok(matched > 3_000 && matched < 27_000, `${matched} of 30000 matched`);
});

test('adversarial inputs are answered without exponential backtracking', () => {
  const started = Date.now();
  assert.equal(isValidEmail(`"${'a'.repeat(30)}"@-example.com`), false);
  assert.equal(isValidEmail(`"${'a'.repeat(30)}😀"@example.com`), false);
  assert.equal(isValidEmail(`x@${Array(30).fill('a').join('.')}.1`), false);
  assert.equal(isValidEmail(`"${'a '.repeat(5_000)}"@example.com`), true);
  assert.ok(Date.now() - started < 500, `took ${Date.now() - started} ms`);
});
