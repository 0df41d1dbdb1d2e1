// The daemon's collection after each run (src/service/idle-collect.ts): only with Node's gc() exposed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { collectAfterRun, startupGrowthPercent } from '../../src/service/idle-collect.js';

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

// A child started with a small fixed growth (10 %), so that V8's marking is certain without the idle
// growth: it keeps a live set, makes the calls named, then grows the heap by three quarters of the live
// set, and prints the kinds of collection V8 made while it grew.
type Collection = 'gc' | 'collectAfterRun' | 'collectAfterRun; restoreRunGrowth; gc';

function fullCollectionsWhileGrowing(collect: Collection): string[] {
  const module = new URL('../../src/service/idle-collect.js', import.meta.url).href;
  const script = `
    import v8 from 'node:v8';
    const { collectAfterRun, restoreRunGrowth } = await import(${JSON.stringify(module)});
    const objects = (n) => Array.from({ length: n }, (_, j) => ({ j }));
    const live = Array.from({ length: 20 }, () => objects(100000));
    ${collect.split('; ').map((call) => `${call}();`).join(' ')}
    const profiler = new v8.GCProfiler();
    profiler.start();
    const grown = Array.from({ length: 15 }, () => objects(100000));
    const kinds = profiler.stop().statistics.map((s) => s.gcType);
    console.log(JSON.stringify({ kinds, kept: live.length + grown.length }));`;
  const child = spawnSync(process.execPath, ['--expose-gc', '--heap-growing-percent=10', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { kinds } = JSON.parse(child.stdout) as { kinds: string[] };
  return kinds.filter((kind) => kind === 'MarkSweepCompact');
}

test('after the idle collection the heap may grow to twice what survived before V8 marks again', () => {
  assert.ok(fullCollectionsWhileGrowing('gc').length > 0, 'the control: with 10 % growth V8 marks while the heap grows');
  assert.deepEqual(fullCollectionsWhileGrowing('collectAfterRun'), []);
});

test('as a full read starts, the growth node was started with is back', () => {
  assert.ok(fullCollectionsWhileGrowing('collectAfterRun; restoreRunGrowth; gc').length > 0);
});

test('the growth node was started with is read from its command line, the last one winning', () => {
  assert.equal(startupGrowthPercent([]), 0);
  assert.equal(startupGrowthPercent(['--expose-gc', '--heap-growing-percent=10']), 10);
  assert.equal(startupGrowthPercent(['--heap_growing_percent=30', '--heap-growing-percent=20']), 20);
  assert.equal(startupGrowthPercent(['--heap-growing-percent']), 0);
});
