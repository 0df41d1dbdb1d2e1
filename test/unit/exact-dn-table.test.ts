import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactDnIndex } from '../../src/ldap/exact-dn-table.js';

/** The index with values to read in a test: each DN's value is a position in `values`. */
class ExactDnTable<V> {
  private readonly index = new ExactDnIndex();
  private readonly values: V[] = [];

  get size(): number {
    return this.index.size;
  }

  set(dn: string, value: V): void {
    this.index.set(dn, this.values.length);
    this.values.push(value);
  }

  get(raw: Uint8Array): V | undefined {
    const at = this.index.get(raw);
    return at < 0 ? undefined : this.values[at];
  }
}

const bytes = (s: string) => Buffer.from(s, 'utf8');

test('finds a DN by its exact bytes only: case, spacing, a prefix or a longer value miss', () => {
  const table = new ExactDnTable<string>();
  table.set('uid=alice,ou=people,dc=example,dc=com', 'alice');
  table.set('cn=Zoë Ünal,ou=people,dc=example,dc=com', 'zoe');
  assert.equal(table.get(bytes('uid=alice,ou=people,dc=example,dc=com')), 'alice');
  assert.equal(table.get(bytes('cn=Zoë Ünal,ou=people,dc=example,dc=com')), 'zoe');
  for (const miss of ['UID=alice,ou=people,dc=example,dc=com', 'uid=alice, ou=people,dc=example,dc=com', 'uid=alice,ou=people', 'uid=alice,ou=people,dc=example,dc=com,dc=x', '']) {
    assert.equal(table.get(bytes(miss)), undefined, miss);
  }
  // The same text in Latin-1 is other bytes.
  assert.equal(table.get(Buffer.from('cn=Zoë Ünal,ou=people,dc=example,dc=com', 'latin1')), undefined);
});

test('a DN set again keeps the later value; a value is found in the middle of a larger buffer', () => {
  const table = new ExactDnTable<string>();
  table.set('cn=a', 'first');
  table.set('cn=a', 'second');
  assert.equal(table.size, 1);
  const message = bytes('xxcn=ayy');
  assert.equal(table.get(message.subarray(2, 6)), 'second');
});

test('keeps every entry across growth (more DNs and bytes than its first allocation)', () => {
  const table = new ExactDnTable<number>();
  const dns = Array.from({ length: 20_000 }, (_, i) => `uid=user${i},ou=people,dc=example,dc=com`);
  dns.forEach((dn, i) => table.set(dn, i));
  assert.equal(table.size, dns.length);
  dns.forEach((dn, i) => assert.equal(table.get(bytes(dn)), i));
  assert.equal(table.get(bytes('uid=user20000,ou=people,dc=example,dc=com')), undefined);
});

test('the tail every DN shares is left out of the hash, never out of the comparison', () => {
  const table = new ExactDnTable<string>();
  table.set('uid=alice,ou=people,dc=example,dc=com', 'alice');
  table.set('uid=bob,ou=people,dc=example,dc=com', 'bob');
  // Same bytes up to the shared tail, same length, another tail: a miss.
  assert.equal(table.get(bytes('uid=alice,ou=people,dc=example,dc=org')), undefined);
  assert.equal(table.get(bytes('uid=alice,ou=people,dc=example,dc=com')), 'alice');
  // Set after the first lookup, with another tail: still found, and the earlier ones too.
  table.set('uid=carol,ou=staff,dc=example,dc=org', 'carol');
  table.set('uid=bob,ou=people,dc=example,dc=com', 'bob again');
  assert.equal(table.get(bytes('uid=carol,ou=staff,dc=example,dc=org')), 'carol');
  assert.equal(table.get(bytes('uid=bob,ou=people,dc=example,dc=com')), 'bob again');
  assert.equal(table.get(bytes('uid=alice,ou=people,dc=example,dc=com')), 'alice');
  assert.equal(table.size, 3);
  // A DN that is nothing but the shared tail hashes only its length.
  const short = new ExactDnTable<string>();
  short.set('dc=com', 'root');
  short.set('ou=a,dc=com', 'a');
  assert.equal(short.get(bytes('dc=com')), 'root');
  assert.equal(short.get(bytes('dc=org')), undefined);
});
