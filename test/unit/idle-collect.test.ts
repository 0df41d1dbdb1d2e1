// The daemon's collection after each run (src/service/idle-collect.ts): only with Node's gc() exposed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectAfterRun } from '../../src/service/idle-collect.js';

test('without --expose-gc nothing is collected; with it, gc() runs once and the time is returned', () => {
  const global = globalThis as { gc?: () => void };
  const exposed = global.gc;
  try {
    delete global.gc;
    assert.equal(collectAfterRun(), null);
    let calls = 0;
    global.gc = () => {
      calls += 1;
    };
    const ms = collectAfterRun();
    assert.equal(calls, 1);
    assert.ok(ms !== null && ms >= 0);
  } finally {
    if (exposed) global.gc = exposed;
    else delete global.gc;
  }
});
