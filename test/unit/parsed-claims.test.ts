// The user search's claims read while its entries are parsed (src/ldap/parsed-claims.ts)
// must be the claim string readClaimValues gives for the entry as read before,
// and the entry must hold the same values of every attribute the sync reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from 'ldapts';
import { readClaimValues } from '../../src/ldap/claim-reader.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, claimsAsBytes, EntryValues } from '../../src/ldap/entry-values.js';
import { ClaimParsing, parsedClaims } from '../../src/ldap/parsed-claims.js';
import { MAX_CLAIM_VALUE_BYTES } from '../../src/sync/claim-values.js';
import type { ClaimMapping } from '../../src/sync/types.js';
import { parsedSearchEntry, searchEntryMessage, type EntryAttributes } from '../support/ber-entry.js';
import { seededPick } from '../support/prng.js';

const MAPPINGS: ClaimMapping[] = [
  { key: 'department', attribute: 'departmentNumber', multi: false },
  { key: 'retired', attribute: null, multi: false },
  { key: 'employee_id', attribute: 'employeeNumber', multi: false },
  { key: 'phones', attribute: 'telephoneNumber', multi: true },
  { key: 'phone', attribute: 'TelephoneNumber', multi: false },
  // Read by the sync too (OTHERS): the entry keeps it.
  { key: 'mail_claim', attribute: 'mail', multi: false },
  { key: 'aliases', attribute: 'mail', multi: true },
];
const OTHERS = ['uid', 'Mail', 'cn'];
const REQUESTED = [...OTHERS, 'departmentNumber', 'employeeNumber', 'telephoneNumber', 'TelephoneNumber', 'mail'];

function toObject(message: Buffer, asBuffers: string[]): Entry {
  return parsedSearchEntry(message, asBuffers).toObject(REQUESTED, asBuffers);
}

const claimsOf = (entry: Entry) => readClaimValues({} as never, entry, new EntryValues(entry), MAPPINGS);

/** Values that reach every branch: plain, JSON-looking, quotes, escapes, RS, multi-byte UTF-8, NUL, not UTF-8, empty, long. */
const PIECES = ['0', '12', '-', '.5', 'e', '+', ' ', 'true', 'null', 'fals', 'x', '{', '}', '[', ']', '"', '\\', ',', '\u001e', '\t', 'é', '日本', '😀', '\u0065\u0301', '\u0000'];
function randomValue(pick: (n: number) => number): Buffer {
  const kind = pick(20);
  if (kind === 0) return Buffer.alloc(0);
  if (kind === 1) return Buffer.from([0x41, 0xff, 0x42]);
  if (kind === 2) return Buffer.from('y'.repeat(MAX_CLAIM_VALUE_BYTES - 2 + pick(4)));
  return Buffer.from(Array.from({ length: 1 + pick(5) }, () => PIECES[pick(PIECES.length)] as string).join(''));
}

const TYPES = ['departmentNumber', 'DEPARTMENTNUMBER', 'employeeNumber', 'telephoneNumber', 'mail', 'uid', 'cn', 'description', 'cn;lang-en', 'mail;binary'];

test('claims read with the entry are the claim string of the entry as read before, and the sync\'s attributes are the same', () => {
  const pick = seededPick(1612);
  const asBuffers = claimsAsBytes(MAPPINGS, OTHERS);
  let parsedCount = 0;
  for (let round = 0; round < 3000; round++) {
    const attributes: EntryAttributes = Array.from({ length: pick(7) }, () => [TYPES[pick(TYPES.length)] as string, Array.from({ length: pick(4) }, () => randomValue(pick))]);
    const message = searchEntryMessage(`uid=u${round},dc=x`, attributes);
    const before = toObject(message, ALL_ATTRIBUTES_AS_BUFFERS);
    const now = toObject(message, asBuffers);
    const label = `round ${round}: ${JSON.stringify(attributes.map(([type, values]) => [type, values?.map((v) => v.toString('latin1').slice(0, 20))]))}`;
    assert.equal(claimsOf(now), claimsOf(before), label);
    if (parsedClaims(now) !== undefined) parsedCount += 1;
    else assert.ok(attributes.some(([type]) => type.includes(';')) || new Set(attributes.map(([type]) => type.toLowerCase())).size < attributes.length, label);
    const [valuesBefore, valuesNow] = [new EntryValues(before), new EntryValues(now)];
    for (const name of OTHERS) assert.deepEqual(valuesNow.all(name), valuesBefore.all(name), label);
  }
  assert.ok(parsedCount > 1000, `read with the entry: ${parsedCount} of 3000`);
});

test('plain values are written as the general path writes them, JSON-looking ones quoted', () => {
  const message = searchEntryMessage('uid=a,dc=x', [
    ['departmentNumber', ['123', 'second']],
    ['employeeNumber', [' true ']],
    ['telephoneNumber', ['+1 555', '', 'null']],
    ['mail', ['a@example.org']],
  ]);
  const now = toObject(message, claimsAsBytes(MAPPINGS, OTHERS));
  const slots = ['"123"', '', '" true "', '["+1 555","null"]', '+1 555', 'a@example.org', '["a@example.org"]'];
  assert.equal(parsedClaims(now), slots.join('\u001e'));
  assert.equal(claimsOf(now), claimsOf(toObject(message, ALL_ATTRIBUTES_AS_BUFFERS)));
  // Only the claims read them: not in the entry, not even as [] for a requested name.
  assert.deepEqual(Object.keys(now).sort(), ['cn', 'dn', 'mail', 'uid']);
});

test('an entry with ranged values or a claim attribute twice is read as before; a malformed one is left to ldapts', () => {
  const asBuffers = claimsAsBytes(MAPPINGS, OTHERS);
  const ranged = searchEntryMessage('uid=a,dc=x', [['telephoneNumber', []], ['telephoneNumber;range=0-1', ['1', '2']], ['departmentNumber', ['x']]]);
  const twice = searchEntryMessage('uid=a,dc=x', [['departmentNumber', ['x']], ['DepartmentNumber', ['y']]]);
  for (const message of [ranged, twice]) {
    const now = toObject(message, asBuffers);
    assert.equal(parsedClaims(now), undefined);
    assert.deepEqual(now, toObject(message, ALL_ATTRIBUTES_AS_BUFFERS));
  }
  const message = searchEntryMessage('uid=a,dc=x', [['uid', ['a']], ['departmentNumber', ['a']]]);
  const odd = Buffer.from(message);
  odd[odd.length - 3] = 0x02; // The claim value's tag made an INTEGER: not a plain entry.
  const at = message.indexOf(Buffer.from('uid=a')) - 2;
  const parsing = new ClaimParsing(MAPPINGS, OTHERS);
  assert.equal(parsedClaims(parsing.parse(message, at, message.length)?.entry ?? { dn: '' }), `a${'\u001e'.repeat(MAPPINGS.length - 1)}`);
  assert.equal(parsing.parse(odd, at, odd.length), undefined);
});

test('without claims the search asks for every attribute as bytes, as before', () => {
  assert.equal(claimsAsBytes([], OTHERS), ALL_ATTRIBUTES_AS_BUFFERS);
});
