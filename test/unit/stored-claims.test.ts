// The stored claims' text from records whose values the database did not
// escape (src/sync/stored-claims.ts, escapeRecords): the escaped text itself,
// or null when a value holds the record separator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeRecords, storedClaimsText } from '../../src/sync/stored-claims.js';

type Row = { ownerId: string; key: string; value: string };

const PIECES = ['a', 'R&D', '\\', '\\R', '\\\\', '"', '\u001f', '\u0000', '\u00e9', '\u{1f600}', ' ', '+1 555'];

/** A seeded value of up to five pieces, so that every run checks the same rows. */
function valueOf(seed: number): string {
  let value = '';
  for (let n = seed % 6, s = seed; n > 0; n--, s = Math.floor(s / 7) + 3 * n) value += PIECES[s % PIECES.length];
  return value;
}

const rowsOf = (values: string[]): Row[] =>
  values.map((value, i) => ({ ownerId: `a0000000-0000-4000-8000-${String(i >> 1).padStart(12, '0')}`, key: `k${i % 3}`, value }));

/** What the plain query returns: the records joined, their values as stored. */
const plainText = (rows: Row[]) => rows.map((r) => `${r.ownerId}\u001f${r.key}\u001f${r.value}`).join('\u001e');

test('records without an RS in their values come out as the escaping query writes them', () => {
  const rows = rowsOf(Array.from({ length: 2000 }, (_, i) => valueOf(i * 7919)));
  assert.ok(rows.some((r) => r.value.includes('\\')) && rows.some((r) => r.value === ''), 'backslashes and empty values are among them');
  assert.equal(escapeRecords(plainText(rows), rows.length), storedClaimsText(rows));
  const plain = rowsOf(['dept-1', '"100001"', '["+1 555 1","+1 555 2"]']);
  assert.equal(escapeRecords(plainText(plain), plain.length), storedClaimsText(plain));
});

test('no record, one record, and a text whose count of separators is not the records\' give the escaped text or null', () => {
  assert.equal(escapeRecords('', 0), '');
  const one = rowsOf(['x\\y']);
  assert.equal(escapeRecords(plainText(one), 1), storedClaimsText(one));
  const withSeparator = rowsOf(['a', 'b \u001e c', 'd']);
  assert.equal(escapeRecords(plainText(withSeparator), withSeparator.length), null);
  assert.equal(escapeRecords(plainText(rowsOf(['\u001e'])), 1), null);
  // A record the aggregate left out (a NULL) makes the count disagree as well.
  assert.equal(escapeRecords(plainText(rowsOf(['a', 'b'])), 3), null);
});
