// The reader's shortcut for plain values (src/ldap/plain-claims.ts) must give
// exactly the claim string of the general path (src/sync/claim-values.ts and
// src/sync/entry-claims.ts), or leave the entry to it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from 'ldapts';
import { readClaimValues } from '../../src/ldap/claim-reader.js';
import { EntryValues } from '../../src/ldap/entry-values.js';
import { plainParsesAsJson } from '../../src/ldap/claim-bytes.js';
import { plainEntryClaims } from '../../src/ldap/plain-claims.js';
import { claimValue, MAX_CLAIM_VALUE_BYTES, parsesAsJson } from '../../src/sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../../src/sync/entry-claims.js';
import type { ClaimMapping } from '../../src/sync/types.js';
import { prng } from '../support/prng.js';

const MAPPINGS: ClaimMapping[] = [
  { key: 'department', attribute: 'departmentNumber', multi: false },
  { key: 'retired', attribute: null, multi: false },
  { key: 'employee_id', attribute: 'employeeNumber', multi: false },
  { key: 'phones', attribute: 'telephoneNumber', multi: true },
];

/** The general path's claim string, value by value. */
function generalClaims(entry: Entry, mappings: ClaimMapping[]): string {
  const values = new EntryValues(entry);
  return joinClaimSlots(mappings.map((m) => (m.attribute === null ? '' : claimSlot(claimValue(m.attribute, values.all(m.attribute), m.multi)))));
}

/** Text from an alphabet that reaches every branch: numbers, literals, spaces, brackets, quotes, escapes, RS, non-ASCII. */
function randomText(random: () => number): string {
  const alphabet = ['0', '1', '9', '-', '+', '.', 'e', 'E', ' ', 't', 'r', 'u', 'e', 'f', 'a', 'l', 's', 'n', '{', '}', '[', ']', '"', '\\', ',', '\u001e', '\t', 'é', 'x'];
  const length = Math.floor(random() * 7);
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

test('whether a plain value parses as JSON is told from its bytes as JSON.parse tells it, or left open for objects and arrays', () => {
  const cases = ['123', '-1.5e3', '1E+2', '0', '-0', '007', '1.', '.5', '-', '1e', '1e+', '+1', ' 42 ', '4 2', 'true', ' null ', 'false', 'truex', 'tru', 'nullable', 'dept-5', '', '   '];
  for (const text of cases) assert.equal(plainParsesAsJson(Buffer.from(text)), parsesAsJson(text), text);
  assert.equal(plainParsesAsJson(Buffer.from('[1,2]')), null);
  assert.equal(plainParsesAsJson(Buffer.from(' {}')), null);
  const random = prng(7);
  for (let i = 0; i < 20000; i++) {
    const text = randomText(random).replace(/[^ -~]|["\\]/g, '');
    const told = plainParsesAsJson(Buffer.from(text));
    if (told !== null) assert.equal(told, parsesAsJson(text), JSON.stringify(text));
  }
});

test('plain entries get the general path\'s claim string; any other value leaves the entry to it', () => {
  const random = prng(11);
  let plain = 0;
  for (let i = 0; i < 5000; i++) {
    const phones = Array.from({ length: Math.floor(random() * 3) }, () => Buffer.from(randomText(random)));
    const entry: Entry = { dn: `uid=u${i}`, departmentNumber: Buffer.from(randomText(random)), employeeNumber: [Buffer.from(randomText(random)), Buffer.from('2nd')], telephoneNumber: phones };
    const expected = generalClaims(entry, MAPPINGS);
    const shortcut = plainEntryClaims(new EntryValues(entry), MAPPINGS);
    if (shortcut !== null) {
      plain += 1;
      assert.equal(shortcut, expected, JSON.stringify(entry));
    }
    assert.equal(readClaimValues({} as never, entry, new EntryValues(entry), MAPPINGS), expected, JSON.stringify(entry));
  }
  assert.ok(plain > 500, `the shortcut took ${plain} of 5000 entries`);
});

test('a value that is not plain, or a slot over the size limit, is left to the general path', () => {
  const entryOf = (department: Buffer | Buffer[], phones: Buffer[] = []): Entry => ({ dn: 'uid=a', departmentNumber: department, telephoneNumber: phones });
  for (const text of ['a"b', 'a\\b', 'tab\there', 'caf\u00e9', 'nul\u0000', 'rs\u001e', '{"a":1}', '[1]']) {
    assert.equal(plainEntryClaims(new EntryValues(entryOf(Buffer.from(text))), MAPPINGS), null, text);
  }
  assert.equal(plainEntryClaims(new EntryValues(entryOf(Buffer.from('ok'), [Buffer.from('x"y')])), MAPPINGS), null);
  const atLimit = entryOf(Buffer.from('x'.repeat(MAX_CLAIM_VALUE_BYTES)));
  assert.equal(plainEntryClaims(new EntryValues(atLimit), MAPPINGS), `${'x'.repeat(MAX_CLAIM_VALUE_BYTES)}\u001e\u001e\u001e`);
  const overLimit = entryOf(Buffer.from('x'), [Buffer.from('y'.repeat(MAX_CLAIM_VALUE_BYTES))]);
  assert.equal(plainEntryClaims(new EntryValues(overLimit), MAPPINGS), null, 'the array with its quotes and brackets is over the limit');
  assert.equal(readClaimValues({} as never, overLimit, new EntryValues(overLimit), MAPPINGS), generalClaims(overLimit, MAPPINGS));
  // Only the first value of a string claim counts: a bad second value does not leave the entry.
  assert.equal(plainEntryClaims(new EntryValues(entryOf([Buffer.from('R&D'), Buffer.from([0xff])])), MAPPINGS), 'R&D\u001e\u001e\u001e');
});
