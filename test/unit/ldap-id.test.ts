import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ldapIdFromBytes } from '../../src/ldap/ldap-id.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));
const text = (s: string) => new TextEncoder().encode(s);

test('binary 16 bytes become a UUID in the given byte order', () => {
  assert.equal(
    ldapIdFromBytes(hex('12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f1')),
    '12345678-9abc-def0-1234-56789abcdef1',
  );
});

test('binary of another length becomes padded standard base64', () => {
  assert.equal(ldapIdFromBytes(hex('ff fe fd fc')), '//79/A==');
  assert.equal(ldapIdFromBytes(hex('c0 80')), 'wIA=');
});

test('an encoded surrogate is not UTF-8, so it is base64', () => {
  assert.equal(ldapIdFromBytes(hex('ed a0 80')), '7aCA');
});

test('empty input gives the empty ID', () => {
  assert.equal(ldapIdFromBytes(new Uint8Array()), '');
});

test('ASCII UUID text stays as it is', () => {
  const id = '12345678-9ABC-def0-1234-56789abcdef1';
  assert.equal(ldapIdFromBytes(text(id)), id);
});

test('NFD text is stored as NFC', () => {
  assert.equal(ldapIdFromBytes(text('Jose\u0301')), 'Jos\u00e9');
});

test('a leading BOM is kept', () => {
  assert.equal(ldapIdFromBytes(hex('ef bb bf 61')), '\uFEFFa');
});

test('16 bytes that are valid UTF-8 stay text', () => {
  assert.equal(ldapIdFromBytes(text('abcdefghijklmnop')), 'abcdefghijklmnop');
  assert.equal(ldapIdFromBytes(hex('c3a9 c3a9 c3a9 c3a9 c3a9 c3a9 c3a9 c3a9')), 'éééééééé');
});

test('16 bytes of valid UTF-8 containing NUL become a UUID (PostgreSQL cannot store NUL)', () => {
  assert.equal(
    ldapIdFromBytes(hex('00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f')),
    '00010203-0405-0607-0809-0a0b0c0d0e0f',
  );
});

test('other valid UTF-8 containing NUL becomes base64', () => {
  assert.equal(ldapIdFromBytes(text('a\u0000b')), 'YQBi');
});

test('a view into a larger buffer uses only its own bytes', () => {
  const backing = hex('aa bb 12 34 56 78 9a bc de f0 12 34 56 78 9a bc de f1 cc');
  assert.equal(ldapIdFromBytes(backing.subarray(2, 18)), '12345678-9abc-def0-1234-56789abcdef1');
  assert.equal(ldapIdFromBytes(backing.subarray(0, 2)), 'qrs=');
});

test('a Node Buffer is accepted', () => {
  assert.equal(ldapIdFromBytes(Buffer.from('fffefdfc', 'hex')), '//79/A==');
});

test('ASCII text in a view into a larger buffer uses only its own bytes', () => {
  assert.equal(ldapIdFromBytes(text('xx3f2a-uuid-textyy').subarray(2, 16)), '3f2a-uuid-text');
});
