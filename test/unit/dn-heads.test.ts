import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnHeads } from '../../src/ldap/dn-heads.js';
import { seededPick } from '../support/prng.js';

/** The DN's bytes at an odd place among others, as a message holds a value, and a view of them all. */
function placed(dn: string, before: number): { view: DataView; start: number; end: number; bytes: Buffer } {
  const bytes = Buffer.concat([Buffer.alloc(before, 0x30), Buffer.from(dn, 'utf8'), Buffer.alloc(3, 0x04)]);
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), start: before, end: before + Buffer.byteLength(dn), bytes };
}

// Tails and heads of every length modulo four: same() reads four bytes at a time, then the rest one by one.
const TAILS = [',dc=com', ',dc=example,dc=com', ',ou=people,dc=example,dc=com', ',ou=people,dc=example,dc=co', ',o=x,c=de'];

test('a held DN matches exactly its own bytes wherever they lie, and no bytes differing anywhere or of another length', () => {
  const pick = seededPick(20261201);
  for (const tail of TAILS) {
    const dns = Array.from({ length: 25 }, (_, length) => `${'uid=abcdefghijklmnopqrst'.slice(0, length)}${tail}`).filter((dn) => DnHeads.tailOf(dn) === tail);
    const heads = new DnHeads(tail, 4);
    dns.forEach((dn, user) => heads.set(user, dn));
    dns.forEach((dn, user) => {
      const { view, start, end, bytes } = placed(dn, pick(9));
      assert.equal(heads.same(user, view, start, end), 1, dn);
      for (let at = start; at < end; at++) {
        const byte = bytes[at] as number;
        bytes[at] = byte ^ (1 << pick(7));
        assert.equal(heads.same(user, view, start, end), 0, `${dn}, byte ${at - start} changed`);
        bytes[at] = byte;
      }
      assert.equal(heads.same(user, view, start, end - 1), 0, `${dn} shortened`);
      const other = (user + 1) % dns.length;
      assert.equal(heads.same(other, view, start, end), 0, `${dn} as ${dns[other]}`);
    });
  }
});

test('a DN not held (longer head, another tail, not ASCII) answers -1; a forgotten user 0', () => {
  const tail = ',ou=people,dc=example,dc=com';
  const heads = new DnHeads(tail, 4);
  const dns = [`uid=${'x'.repeat(30)}${tail}`, 'uid=a,ou=groups,dc=example,dc=com', `uid=zoë${tail}`, `uid=ann${tail}`];
  dns.forEach((dn, user) => heads.set(user, dn));
  dns.slice(0, 3).forEach((dn, user) => {
    const { view, start, end } = placed(dn, 1);
    assert.equal(heads.same(user, view, start, end), -1, dn);
  });
  const { view, start, end } = placed(dns[3] as string, 2);
  assert.equal(heads.same(3, view, start, end), 1);
  heads.forget(3);
  assert.equal(heads.same(3, view, start, end), 0);
  // Users beyond those it made room for: held once set, not held before.
  assert.equal(heads.same(5000, view, start, end), -1);
  heads.set(5000, dns[3] as string);
  assert.equal(heads.same(5000, view, start, end), 1);
});
