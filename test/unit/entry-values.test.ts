import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { EntryValues, firstValue } from '../../src/ldap/entry-values.js';

const entries: Entry[] = [
  { dn: 'uid=a,dc=x', entryUUID: [Buffer.from('u-1'), Buffer.from('u-2')] },
  { dn: 'uid=a,dc=x', entryuuid: Buffer.from('u-3') },
  { dn: 'uid=a,dc=x', 'entryUUID;binary': 'u-4' },
  { dn: 'uid=a,dc=x', entryUUID: [] },
  { dn: 'uid=a,dc=x', mail: Buffer.from('a@x') },
  { dn: 'uid=a,dc=x', entryUUID: Buffer.from('u-5'), 'entryUUID;binary': Buffer.from('u-6') },
];

test('firstValue reads what EntryValues.first reads, whatever the spelling or shape', () => {
  for (const entry of entries) {
    assert.deepEqual(firstValue(entry, 'entryUUID'), new EntryValues(entry).first('entryUUID'), JSON.stringify(Object.keys(entry)));
  }
  assert.equal(firstValue(entries[0] as Entry, 'ENTRYUUID')?.toString(), 'u-1');
  assert.equal(firstValue(entries[4] as Entry, 'entryUUID'), undefined);
});
