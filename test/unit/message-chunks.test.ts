import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageParser, type SearchEntry } from 'ldapts';
import { elementLength } from '../../src/ldap/message-chunks.js';
import { ALL_ATTRIBUTES_AS_BUFFERS } from '../../src/ldap/entry-values.js';
import { searchEntryMessage } from '../support/ber-entry.js';

/** A SearchEntry message (id 7) for `dn` with `values` of `member`. */
function entryMessage(dn: string, values: string[]): Buffer {
  return searchEntryMessage(dn, [['member', values]]);
}

const DETAILS = new Map([['7', { message: { explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS } }]]) as never;

/** What a parser emits for `stream` delivered in chunks of the given sizes (cycled), as DN and member values. */
function parsed(stream: Buffer, sizes: number[]): { parser: MessageParser; entries: string[] } {
  const parser = new MessageParser();
  const entries: string[] = [];
  parser.on('message', (message) => {
    const entry = message as SearchEntry;
    entries.push(`${entry.name}:${entry.attributes.flatMap((a) => a.parsedBuffers.map((b) => b.toString())).join(',')}`);
  });
  for (let at = 0, k = 0; at < stream.length; k++) {
    const size = sizes[k % sizes.length] as number;
    parser.read(stream.subarray(at, at + size), DETAILS);
    at += size;
  }
  return { parser, entries };
}

const member = (k: number) => `uid=user${k},ou=people,dc=example,dc=com`;
const stream = Buffer.concat([
  entryMessage('cn=small', [member(1)]),
  entryMessage('cn=large', Array.from({ length: 5000 }, (_, k) => member(k))),
  ...Array.from({ length: 50 }, (_, k) => entryMessage(`cn=g${k}`, [member(k), member(k + 1)])),
  entryMessage('cn=empty', []),
]);

test('messages split across chunks anywhere are parsed as from one chunk', () => {
  const whole = parsed(stream, [stream.length]).entries;
  assert.equal(whole.length, 53);
  for (const sizes of [[1], [2, 3], [7, 1, 64], [1000], [65536], [200_000, 1], [13, 4096, 2]]) {
    assert.deepEqual(parsed(stream, sizes).entries, whole, `chunks of ${sizes.join('/')}`);
  }
});

test('an unfinished message waits as its chunks, not as one buffer copied again for each', () => {
  const large = entryMessage('cn=large', Array.from({ length: 5000 }, (_, k) => member(k)));
  const { parser, entries } = parsed(large.subarray(0, large.length - 1), [1024]);
  assert.deepEqual(entries, []);
  // ldapts itself would hold every byte so far in its `buffer`, concatenated once per chunk.
  assert.equal((parser as unknown as { buffer?: Buffer }).buffer, undefined);
  parser.read(large.subarray(large.length - 1), DETAILS);
  assert.equal(entries.length, 1);
});

test('elementLength reads short and long BER lengths, and waits for missing length bytes', () => {
  assert.equal(elementLength(Buffer.from([0x30, 0x05])), 7);
  assert.equal(elementLength(Buffer.from([0x30, 0x82, 0x01, 0x00])), 4 + 256);
  assert.equal(elementLength(Buffer.from([0x30, 0x82, 0x01])), undefined);
  assert.equal(elementLength(Buffer.from([0x30])), undefined);
  assert.equal(elementLength(Buffer.from([0x30, 0x80])), undefined);
});
