import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry, SearchEntry } from 'ldapts';
import { parsedSearchEntry, searchEntryMessage } from '../support/ber-entry.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues, firstValue } from '../../src/ldap/entry-values.js';

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

/** The entry ldapts parses from a message with these attributes, answering a search with these explicitBufferAttributes. */
function parsedEntry(attributes: [string, string[]][], explicitBufferAttributes: string[]): SearchEntry {
  return parsedSearchEntry(entryMessage(attributes), explicitBufferAttributes);
}

const decoded = (entry: SearchEntry) => entry.attributes.flatMap((attribute): unknown[] => attribute.values);

test('an entry answering a search for every attribute as Buffers is not decoded to strings by ldapts; other searches are', () => {
  const asBuffers = parsedEntry([['cn', ['é']]], ALL_ATTRIBUTES_AS_BUFFERS);
  assert.ok(decoded(asBuffers).every((value) => Buffer.isBuffer(value)));
  assert.deepEqual(asBuffers.toObject(['cn'], ALL_ATTRIBUTES_AS_BUFFERS).cn, Buffer.from('é'));
  assert.deepEqual(decoded(parsedEntry([['cn', ['é']]], [])), ['é']);
  assert.deepEqual(decoded(parsedEntry([['cn', ['é']]], ['cn'])), ['é']);
});

/** A SearchEntry message (id 7) with these attributes. */
function entryMessage(attributes: [string, string[]][]): Buffer {
  return searchEntryMessage('uid=a,dc=x', attributes);
}

test('an entry answering a search for every attribute as Buffers becomes the object ldapts makes of it', () => {
  const attributes: [string, string[]][] = [['entryUUID', ['u-1']], ['mail', ['a@x', 'b@x']], ['cn', []], ['SN', ['s']]];
  // Requested: returned as spelt, returned spelt otherwise (sn), not returned (telephoneNumber).
  const requested = ['entryUUID', 'mail', 'cn', 'sn', 'telephoneNumber'];
  const made = parsedEntry(attributes, ALL_ATTRIBUTES_AS_BUFFERS).toObject(requested, ALL_ATTRIBUTES_AS_BUFFERS);
  assert.deepEqual(made, { dn: 'uid=a,dc=x', entryUUID: Buffer.from('u-1'), mail: [Buffer.from('a@x'), Buffer.from('b@x')], cn: [], SN: Buffer.from('s'), telephoneNumber: [] });
  // ldapts's own parser and toObject, reached with another list that asks for every type as Buffers.
  const everyType = ['entryUUID', 'mail', 'cn', 'SN'];
  assert.deepEqual(made, parsedEntry(attributes, everyType).toObject(requested, everyType));
});
