import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkipReason } from '../../src/sync/types.js';
import { USERNAME_PATTERN } from '../../src/sync/username.js';
import { validateUser } from '../../src/sync/validation.js';

/** The username rules as the plan applies them: validateUser on an otherwise valid user. */
function usernameVerdict(username: string): SkipReason | null {
  const fields = { username, email: null, firstName: 'A', lastName: 'B', displayName: 'A B', emailVerified: false, disabled: false };
  return validateUser(fields, false)?.reason ?? null;
}

test('the pattern is Pocket ID validateUsernameRegex', () => {
  assert.equal(USERNAME_PATTERN.source, '^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$');
  assert.equal(USERNAME_PATTERN.flags, '');
});

const cases: Array<[string, SkipReason | null, string]> = [
  ['alice', null, 'plain lowercase'],
  ['Alice', null, 'upper case is allowed'],
  ['a', null, 'a single alphanumeric'],
  ['7', null, 'a single digit'],
  ['a.b_c-d@e', null, 'dot, underscore, hyphen and @ inside'],
  ['alice@example.com', null, 'an email address'],
  ['a'.repeat(50), null, 'exactly 50 characters'],
  ['a'.repeat(51), 'username-too-long', '51 characters'],
  ['', 'invalid-username', 'empty'],
  ['.alice', 'invalid-username', 'leading dot'],
  ['alice-', 'invalid-username', 'trailing hyphen'],
  ['alice_', 'invalid-username', 'trailing underscore'],
  ['@alice', 'invalid-username', 'leading @'],
  ['ü', 'invalid-username', 'non-ASCII letter'],
  ['jürgen', 'invalid-username', 'non-ASCII letter inside'],
  ['alice bob', 'invalid-username', 'space'],
  ['alice\n', 'invalid-username', 'trailing newline ($ does not match before it)'],
  ['al+ice', 'invalid-username', 'plus sign'],
];

for (const [value, verdict, reason] of cases) {
  test(`${verdict === null ? 'accepts' : `rejects (${verdict})`} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 8)}…` : value)}: ${reason}`, () => {
    assert.equal(usernameVerdict(value), verdict);
  });
}
