import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OrderedIndex } from '../../src/sync/ordered-index.js';
import { prng } from '../support/prng.js';

test('finds every key as a map would, asked in order, with gaps, shuffled, or absent', () => {
  const rand = prng(17);
  for (let round = 0; round < 200; round++) {
    const keys = Array.from({ length: Math.floor(rand() * 60) }, (_, k) => `id-${round}-${k}`);
    const map = new Map(keys.map((key, index) => [key, index]));
    // Mostly in order, some keys left out, some moved elsewhere, some unknown.
    const asked: string[] = [];
    for (const key of keys) {
      const roll = rand();
      if (roll < 0.15) continue;
      if (roll < 0.25) asked.splice(Math.floor(rand() * (asked.length + 1)), 0, key);
      else asked.push(key);
      if (rand() < 0.05) asked.push(`unknown-${asked.length}`);
    }
    const index = new OrderedIndex(keys);
    for (const key of asked) assert.equal(index.find(key), map.get(key), `round ${round}: ${key}`);
  }
});

test('keys asked in their own order are found without building a map', () => {
  const keys = Array.from({ length: 1000 }, (_, k) => `id-${k}`);
  const index = new OrderedIndex(keys);
  keys.forEach((key, k) => {
    if (k % 3 !== 0) assert.equal(index.find(key), k);
  });
  assert.equal((index as unknown as { map?: unknown }).map, undefined);
});
