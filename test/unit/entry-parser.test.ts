import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues, MANY_VALUES_PACKED } from '../../src/ldap/entry-values.js';
import { PACK_AT_LEAST, parseSearchEntry } from '../../src/ldap/entry-parser.js';
import { findRange } from '../../src/ldap/range.js';
import { parsedSearchEntry, searchEntryMessage, type EntryAttributes } from '../support/ber-entry.js';
import { seededPick } from '../support/prng.js';

const TYPES = ['uid', 'UID', 'mail', 'cn', 'member', 'entryUUID', 'photo;binary', 'dn', 'ñame', ''];
const DNS = ['uid=a,dc=x', '', 'cn=Dœ\\, J,dc=x', 'x'.repeat(300)];
const SIZES = [0, 1, 5, 127, 128, 300, 70_000];

test('entries read by entry-parser.ts become the objects ldapts makes of them, whatever their shape', () => {
  const pick = seededPick(17);
  for (let round = 0; round < 300; round++) {
    const attributes: EntryAttributes = Array.from({ length: pick(6) }, () => {
      const count = pick(5) === 0 ? null : pick(4);
      const values = count === null ? null : Array.from({ length: count }, () => Buffer.from(Array.from({ length: SIZES[pick(SIZES.length)] as number }, () => pick(256))));
      return [TYPES[pick(TYPES.length)] as string, values];
    });
    const message = searchEntryMessage(DNS[pick(DNS.length)] as string, attributes);
    const requested = [...new Set([...attributes.map(([type]) => type), 'telephoneNumber', 'Mail'])].filter(() => pick(3) > 0);
    const everyType = attributes.map(([type]) => type);
    const made = parsedSearchEntry(message, ALL_ATTRIBUTES_AS_BUFFERS).toObject(requested, ALL_ATTRIBUTES_AS_BUFFERS);
    assert.deepEqual(made, parsedSearchEntry(message, everyType).toObject(requested, everyType), `round ${round}`);
  }
});

test('an entry of another shape is left to ldapts', () => {
  const message = searchEntryMessage('uid=a,dc=x', [['cn', [Buffer.from('a')]]]);
  // The value's tag made an INTEGER (0x02): not a plain entry.
  const odd = Buffer.from(message);
  odd[odd.length - 3] = 0x02;
  const at = message.indexOf(Buffer.from('uid=a')) - 2;
  assert.ok(parseSearchEntry(message, at, message.length));
  assert.equal(parseSearchEntry(odd, at, odd.length), undefined);
  // A length running past the message.
  assert.equal(parseSearchEntry(message, at, message.length - 1), undefined);
});

test('asked for with MANY_VALUES_PACKED, an entry reads the same, and attributes of many values are also packed where they lie', () => {
  const pick = seededPick(1201);
  for (let round = 0; round < 100; round++) {
    const counts = Array.from({ length: 1 + pick(4) }, () => [0, 1, 2, PACK_AT_LEAST - 1, PACK_AT_LEAST, 40][pick(6)] as number);
    const attributes: EntryAttributes = counts.map((count, i) => [`${TYPES[pick(4)] as string}${i}`, Array.from({ length: count }, () => Buffer.from(Array.from({ length: pick(60) }, () => pick(256))))]);
    const message = searchEntryMessage('cn=g,dc=x', attributes);
    const requested = [...attributes.map(([type]) => type), 'description'];
    const made = parsedSearchEntry(message, MANY_VALUES_PACKED).toObject(requested, MANY_VALUES_PACKED);
    const values = new EntryValues(made);
    for (const [type, list] of attributes) {
      const packed = values.packed(type);
      assert.equal(packed !== undefined, (list as Buffer[]).length >= PACK_AT_LEAST, `round ${round} ${type}`);
      if (packed) assert.deepEqual(packed.all(), list);
      assert.deepEqual(values.all(type), list);
      assert.deepEqual(values.first(type), (list as Buffer[])[0]);
    }
    assert.equal(findRange(made, 'uid0'), null);
    assert.deepEqual(made, parsedSearchEntry(message, ALL_ATTRIBUTES_AS_BUFFERS).toObject(requested, ALL_ATTRIBUTES_AS_BUFFERS), `round ${round}`);
  }
});
