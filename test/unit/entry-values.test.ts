import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerWriter, MessageParser, type Entry, type SearchEntry } from 'ldapts';
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

/** One SearchEntry message (id 7) with a `cn` of "é", BER-encoded as a server sends it. */
function searchEntryMessage(): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(7);
  writer.startSequence(0x64);
  writer.writeString('cn=a,dc=x');
  writer.startSequence();
  writer.startSequence();
  writer.writeString('cn');
  writer.startSequence(0x31);
  writer.writeString('é');
  writer.endSequence();
  writer.endSequence();
  writer.endSequence();
  writer.endSequence();
  writer.endSequence();
  return writer.buffer;
}

/** The attribute values ldapts parses for that message, answering a search with these explicitBufferAttributes. */
function parsedValues(explicitBufferAttributes: string[]): unknown[] {
  const parser = new MessageParser();
  let values: unknown[] = [];
  parser.on('message', (message) => {
    values = (message as SearchEntry).attributes.flatMap((attribute): unknown[] => attribute.values);
  });
  parser.read(searchEntryMessage(), new Map([['7', { message: { explicitBufferAttributes } }]]) as never);
  return values;
}

test('an entry answering a search for every attribute as Buffers is not decoded to strings by ldapts; other searches are', () => {
  assert.deepEqual(parsedValues(ALL_ATTRIBUTES_AS_BUFFERS), [Buffer.from('é')]);
  assert.deepEqual(parsedValues([]), ['é']);
  assert.deepEqual(parsedValues(['cn']), ['é']);
});
