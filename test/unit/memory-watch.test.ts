// The memory warning's decision (pure): when a run's peak is near the container's limit or Node's
// heap limit, one warning naming the peak, the limit and what to raise; below 80% of both, none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentLimits, memoryWarning, WARN_FRACTION, watchMemory } from '../../src/service/memory-watch.js';

const MIB = 1024 * 1024;

test('below 80% of both limits: no warning; at 80% of the container limit: one, naming peak, limit and the new limit', () => {
  assert.equal(WARN_FRACTION, 0.8);
  const limits = { containerBytes: 1024 * MIB, heapBytes: 780 * MIB };
  assert.equal(memoryWarning({ rssBytes: 819 * MIB, heapUsedBytes: 500 * MIB }, limits), null);
  const w = memoryWarning({ rssBytes: 820 * MIB, heapUsedBytes: 500 * MIB }, limits);
  assert.deepEqual(w, {
    message: 'Memory peak of the run is near the container\'s memory limit',
    fields: { peak: '820 MiB resident', limit: '1024 MiB (cgroup memory limit)', raise: 'the container\'s memory limit (Helm: daemon.resources.limits.memory) to 1408 MiB or more; docs/sizing.md' },
  });
});

test('the nearer limit is named: the heap when V8\'s limit is the closer one', () => {
  const w = memoryWarning({ rssBytes: 600 * MIB, heapUsedBytes: 700 * MIB }, { containerBytes: 1024 * MIB, heapBytes: 780 * MIB });
  assert.equal(w?.message, 'Memory peak of the run is near Node\'s heap limit');
  assert.equal(w?.fields.peak, '700 MiB heap');
  assert.equal(w?.fields.limit, '780 MiB (V8 heap limit)');
  assert.match(w?.fields.raise ?? '', /--max-old-space-size-percentage=75 .* NODE_OPTIONS=--max-old-space-size=1216;/);
});

test('no container limit: only the heap counts, however large the resident memory', () => {
  assert.equal(memoryWarning({ rssBytes: 64 * 1024 * MIB, heapUsedBytes: 100 * MIB }, { containerBytes: null, heapBytes: 4096 * MIB }), null);
  assert.match(memoryWarning({ rssBytes: 64 * 1024 * MIB, heapUsedBytes: 3500 * MIB }, { containerBytes: null, heapBytes: 4096 * MIB })?.message ?? '', /heap limit/);
});

test('the suggested container limit keeps the peak at 60% of it, in steps of 64 MiB', () => {
  for (const [peak, limit, suggested] of [[740, 768, 1280], [185, 192, 320], [230, 256, 384]] as const) {
    const w = memoryWarning({ rssBytes: peak * MIB, heapUsedBytes: 0 }, { containerBytes: limit * MIB, heapBytes: 4096 * MIB });
    assert.match(w?.fields.raise ?? '', new RegExp(` to ${suggested} MiB or more`), `${peak}/${limit}`);
  }
});

test('watchMemory() sees memory allocated while it runs; currentLimits() reads a heap limit', () => {
  const watch = watchMemory();
  const held = Buffer.alloc(64 * MIB, 1);
  const peak = watch.stop();
  assert.ok(peak.rssBytes >= held.length, `${peak.rssBytes}`);
  assert.ok(peak.heapUsedBytes > 0);
  assert.ok(currentLimits().heapBytes > 0);
});
