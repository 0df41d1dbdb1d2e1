import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boolArray, textArray, uuidArray } from '../../src/db/postgres/binary-arrays.js';

/** ndim, has-nulls flag, element OID, then length and lower bound of the one dimension. */
const header = (oid: number, count: number, hasNull: 0 | 1) => [0, 0, 0, 1, 0, 0, 0, hasNull, 0, 0, oid >> 8, oid & 0xff, 0, 0, 0, count, 0, 0, 0, 1];
const int32 = (n: number) => [...Buffer.from(Int32Array.of(n).buffer).reverse()];

test('uuid[]: 16 bytes per canonical uuid in any case, -1 for null; any other spelling is left to the server as text', () => {
  const encoded = uuidArray(['00112233-4455-6677-8899-AABBCCDDEEFF', null]);
  assert.deepEqual([...(encoded ?? [])], [...header(2950, 2, 1), ...int32(16), ...Buffer.from('00112233445566778899aabbccddeeff', 'hex'), ...int32(-1)]);
  assert.equal(uuidArray(['00112233445566778899aabbccddeeff']), null);
  assert.equal(uuidArray(['{00112233-4455-6677-8899-aabbccddeeff}']), null);
  assert.equal(uuidArray(['00112233-4455-6677-8899-aabbccddeefg']), null);
  assert.equal(uuidArray(['0011223-34455-6677-8899-aabbccddeeff']), null);
});

test('text[]: each element its UTF-8 bytes, quotes and backslashes as they are', () => {
  const encoded = textArray(['é"\\', null, '']);
  assert.deepEqual([...encoded], [...header(25, 3, 1), ...int32(4), ...Buffer.from('é"\\', 'utf8'), ...int32(-1), ...int32(0)]);
});

test('bool[] and empty arrays', () => {
  assert.deepEqual([...boolArray([true, false])], [...header(16, 2, 0), ...int32(1), 1, ...int32(1), 0]);
  assert.deepEqual([...textArray([])], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25]);
  assert.deepEqual([...(uuidArray([]) ?? [])], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 134]);
});
