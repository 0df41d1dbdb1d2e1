import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidUsername, USERNAME_PATTERN } from '../../src/sync/username.js';

test('the pattern is Pocket ID validateUsernameRegex', () => {
  assert.equal(USERNAME_PATTERN.source, '^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$');
  assert.equal(USERNAME_PATTERN.flags, '');
});

const cases: Array<[string, boolean, string]> = [
  ['alice', true, 'plain lowercase'],
  ['Alice', true, 'upper case is allowed'],
  ['a', true, 'a single alphanumeric'],
  ['7', true, 'a single digit'],
  ['a.b_c-d@e', true, 'dot, underscore, hyphen and @ inside'],
  ['alice@example.com', true, 'an email address'],
  ['a'.repeat(50), true, 'exactly 50 characters'],
  ['a'.repeat(51), false, '51 characters'],
  ['', false, 'empty'],
  ['.alice', false, 'leading dot'],
  ['alice-', false, 'trailing hyphen'],
  ['alice_', false, 'trailing underscore'],
  ['@alice', false, 'leading @'],
  ['ü', false, 'non-ASCII letter'],
  ['jürgen', false, 'non-ASCII letter inside'],
  ['alice bob', false, 'space'],
  ['alice\n', false, 'trailing newline ($ does not match before it)'],
  ['al+ice', false, 'plus sign'],
];

for (const [value, valid, reason] of cases) {
  test(`${valid ? 'accepts' : 'rejects'} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…` : value)}: ${reason}`, () => {
    assert.equal(isValidUsername(value), valid);
  });
}
