import assert from 'node:assert/strict';
import { BerWriter, MessageParser, type SearchEntry } from 'ldapts';

/** An attribute of a test entry; null values: the attribute has no SET at all (a malformed entry some tests need). */
export type EntryAttributes = [string, (string | Buffer)[] | null][];

/** A SearchEntry message (id 7) for `dn`, BER-encoded as a server sends it, for the unit tests of src/ldap's parsing hooks. */
export function searchEntryMessage(dn: string, attributes: EntryAttributes): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeInt(7);
  writer.startSequence(0x64);
  writer.writeString(dn);
  writer.startSequence();
  for (const [type, values] of attributes) {
    writer.startSequence();
    writer.writeString(type);
    if (values) {
      writer.startSequence(0x31);
      for (const value of values) writer.writeBuffer(Buffer.from(value), 0x04);
      writer.endSequence();
    }
    writer.endSequence();
  }
  writer.endSequence();
  writer.endSequence();
  writer.endSequence();
  return writer.buffer;
}

/** The SearchEntry ldapts parses from `message` as the answer to a search with these explicitBufferAttributes (the hooks decide by them). */
export function parsedSearchEntry(message: Buffer, explicitBufferAttributes: string[]): SearchEntry {
  const parser = new MessageParser();
  let entry: SearchEntry | undefined;
  parser.on('message', (m) => (entry = m as SearchEntry));
  parser.on('error', (error) => assert.fail(error));
  parser.read(message, new Map([['7', { message: { explicitBufferAttributes } }]]) as never);
  assert.ok(entry);
  return entry;
}
