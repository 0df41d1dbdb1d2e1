import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entry, SearchOptions, SearchResult } from 'ldapts';
import { completeRangedValues, findRange, parseRangeOption, rangeRequest, type RangeSearcher } from '../../src/ldap/range.js';

describe('parseRangeOption', () => {
  test('a bounded and an open range', () => {
    assert.deepEqual(parseRangeOption('member;range=0-1499'), { attribute: 'member', low: 0, high: 1499 });
    assert.deepEqual(parseRangeOption('member;range=1500-*'), { attribute: 'member', low: 1500, high: null });
  });

  test('names and the option are case-insensitive; the server spelling of the name is kept', () => {
    assert.deepEqual(parseRangeOption('Member;Range=3000-4499'), { attribute: 'Member', low: 3000, high: 4499 });
    assert.deepEqual(parseRangeOption('uniqueMember;RANGE=0-*'), { attribute: 'uniqueMember', low: 0, high: null });
  });

  test('other options stay in the attribute description', () => {
    assert.deepEqual(parseRangeOption('member;binary;range=0-9'), { attribute: 'member;binary', low: 0, high: 9 });
    assert.deepEqual(parseRangeOption('member;range=0-9;x-tag'), { attribute: 'member;x-tag', low: 0, high: 9 });
  });

  test('no range option, or a malformed one, is null', () => {
    for (const description of ['member', 'member;binary', 'member;range=', 'member;range=5', 'member;range=a-b', 'member;range=10-9', 'member;range=-1-5', 'member;range=0-1-2', 'range=0-5']) {
      assert.equal(parseRangeOption(description), null, description);
    }
  });

  test('a single-value range (low = high) is valid', () => {
    assert.deepEqual(parseRangeOption('member;range=7-7'), { attribute: 'member', low: 7, high: 7 });
  });
});

test('rangeRequest asks for the rest, or for a block of a given size', () => {
  assert.equal(rangeRequest('member', 1500), 'member;range=1500-*');
  assert.equal(rangeRequest('member', 0, 1000), 'member;range=0-999');
  assert.equal(rangeRequest('member', 2000, 1000), 'member;range=2000-2999');
});

const buffers = (values: string[]) => values.map((v) => Buffer.from(v));

test('findRange passes over the empty keys ldapts adds for requested attributes', () => {
  const entry: Entry = { dn: 'cn=g', 'member;range=0-*': buffers(['a', 'b']), 'member;range=0-999': [] };
  const found = findRange(entry, 'member');
  assert.deepEqual(found?.range, { attribute: 'member', low: 0, high: null });
  assert.deepEqual(found?.values.map(String), ['a', 'b']);
  assert.equal(findRange({ dn: 'cn=g', member: buffers(['a']) }, 'member'), null, 'plain values are not a range');
  assert.equal(findRange({ dn: 'cn=g', 'member;range=0-9': [] }, 'member'), null);
  assert.equal(findRange({ dn: 'cn=g', 'memberOf;range=0-1': buffers(['x']) }, 'member'), null, 'another attribute');
});

/** A fake directory: one entry with `count` values `v0..`, served in blocks of at most `maxRange`. */
function fakeServer(count: number, maxRange: number, tweak?: (low: number, high: number | null) => Entry | 'missing' | 'error' | undefined) {
  const requests: string[] = [];
  const searcher: RangeSearcher = {
    async search(base: string, options?: SearchOptions): Promise<SearchResult> {
      const attribute = options?.attributes?.[0] ?? '';
      requests.push(attribute);
      const match = /^member;range=(\d+)-(\d+|\*)$/.exec(attribute);
      assert.ok(match, `unexpected request ${attribute}`);
      assert.equal(options?.scope, 'base');
      const low = Number(match[1]);
      const askedHigh = match[2] === '*' ? count - 1 : Number(match[2]);
      const high = Math.min(askedHigh, low + maxRange - 1, count - 1);
      const last = high >= count - 1;
      const tweaked = tweak?.(low, last ? null : high);
      if (tweaked === 'error') throw new Error('connection reset');
      if (tweaked === 'missing') return { searchEntries: [], searchReferences: [] };
      if (tweaked) return { searchEntries: [tweaked], searchReferences: [] };
      const values = buffers(Array.from({ length: Math.max(0, high - low + 1) }, (_, i) => `v${low + i}`));
      const entry: Entry = { dn: base };
      if (values.length > 0) entry[`member;range=${low}-${last ? '*' : high}`] = values;
      entry[attribute] = entry[attribute] ?? [];
      return { searchEntries: [entry], searchReferences: [] };
    },
  };
  return { searcher, requests };
}

function firstBlock(count: number, maxRange: number): Entry {
  const high = Math.min(maxRange, count) - 1;
  const last = high >= count - 1;
  return {
    dn: 'CN=big,OU=Groups,DC=ad,DC=example,DC=test',
    member: [],
    [`member;range=0-${last ? '*' : high}`]: buffers(Array.from({ length: high + 1 }, (_, i) => `v${i}`)),
  };
}

describe('completeRangedValues', () => {
  test('an entry without a ranged block needs nothing', async () => {
    const { searcher, requests } = fakeServer(3, 1500);
    assert.equal(await completeRangedValues(searcher, { dn: 'cn=g', member: buffers(['a']) }, 'member'), null);
    assert.deepEqual(requests, []);
  });

  test('follows the server\'s blocks (AD: 1500 at a time) until the range ends in *', async () => {
    const { searcher, requests } = fakeServer(4000, 1500);
    const result = await completeRangedValues(searcher, firstBlock(4000, 1500), 'member');
    assert.equal(result?.values.length, 4000);
    assert.deepEqual(result?.values.slice(1498, 1502).map(String), ['v1498', 'v1499', 'v1500', 'v1501']);
    assert.equal(new Set(result?.values.map(String)).size, 4000);
    assert.deepEqual(requests, ['member;range=1500-*', 'member;range=3000-*']);
    assert.equal(result?.requests, 2);
  });

  test('with a size, asks for bounded blocks', async () => {
    const { searcher, requests } = fakeServer(3000, 5000);
    const result = await completeRangedValues(searcher, firstBlock(3000, 1000), 'member', { size: 1000 });
    assert.equal(result?.values.length, 3000);
    assert.deepEqual(requests, ['member;range=1000-1999', 'member;range=2000-2999']);
  });

  test('exactly one full block: the first answer already ends in *', async () => {
    const { searcher, requests } = fakeServer(1500, 1500);
    const result = await completeRangedValues(searcher, firstBlock(1500, 1500), 'member');
    assert.equal(result?.values.length, 1500);
    assert.deepEqual(requests, []);
  });

  test('a follow-up that returns no block fails (the attribute shrank meanwhile)', async () => {
    const { searcher } = fakeServer(4000, 1500, (low) => (low === 3000 ? { dn: 'x', 'member;range=3000-*': [] } : undefined));
    await assert.rejects(completeRangedValues(searcher, firstBlock(4000, 1500), 'member'), /\(range retrieval\): the server returned no values for member;range=3000-\*/);
  });

  test('a follow-up that starts elsewhere fails', async () => {
    const { searcher } = fakeServer(4000, 1500, (low) => (low === 1500 ? { dn: 'x', 'member;range=1400-*': buffers(['v1400']) } : undefined));
    await assert.rejects(completeRangedValues(searcher, firstBlock(4000, 1500), 'member'), /asked for values from 1500, the server answered 1400-\*/);
  });

  test('a failing or empty follow-up search fails the read', async () => {
    const failing = fakeServer(4000, 1500, () => 'error');
    await assert.rejects(completeRangedValues(failing.searcher, firstBlock(4000, 1500), 'member'), /failed to read all values of member of CN=big.*connection reset/);
    const gone = fakeServer(4000, 1500, () => 'missing');
    await assert.rejects(completeRangedValues(gone.searcher, firstBlock(4000, 1500), 'member'), /the entry is gone/);
  });

  test('a first block that does not start at 0 fails', async () => {
    const { searcher } = fakeServer(10, 5);
    await assert.rejects(completeRangedValues(searcher, { dn: 'cn=g', 'member;range=5-9': buffers(['v5']) }, 'member'), /first block starts at 5/);
  });

  test('a server that never ends is stopped', async () => {
    const { searcher } = fakeServer(1_000_000, 1);
    await assert.rejects(completeRangedValues(searcher, firstBlock(1_000_000, 1), 'member', { maxRequests: 10 }), /more than 10 follow-up reads/);
  });

  test('works for any member attribute name, matched case-insensitively', async () => {
    const requests: string[] = [];
    const searcher: RangeSearcher = {
      async search(_base: string, options?: SearchOptions): Promise<SearchResult> {
        requests.push(options?.attributes?.[0] ?? '');
        return { searchEntries: [{ dn: 'cn=g', 'uniqueMember;range=2-*': buffers(['c']) }], searchReferences: [] };
      },
    };
    const result = await completeRangedValues(searcher, { dn: 'cn=g', 'UniqueMember;range=0-1': buffers(['a', 'b']) }, 'uniquemember');
    assert.deepEqual(result?.values.map(String), ['a', 'b', 'c']);
    assert.deepEqual(requests, ['UniqueMember;range=2-*']);
  });
});
