// The claims' share over several setups of one workload (bench/lib/claim-share-pooled.ts): the median of all
// setups' pair ratios judges the target, the interval of that median is printed, and a setup alone is not judged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WITHOUT_CLAIMS } from '../../bench/lib/claim-share.js';
import { allClaimShareChecks, medianInterval, pooledClaimShareRows, pooledClaimShares } from '../../bench/lib/claim-share-pooled.js';
import type { SyncMeasurement, WorkloadReport } from '../../bench/lib/workload-report.js';

function run(scenario: string, repetition: number, wallMs: number, cpuMs: number, database = 'sqlite'): SyncMeasurement {
  return { database, scenario, repetition, result: { wallMs, cpuMs, rowsWritten: 0, driver: { rowsChanged: 0 } } } as unknown as SyncMeasurement;
}

/** One setup: pairs of [with, without] times, the same figure for wall and CPU. */
function setup(workload: string, pairs: [number, number][], database = 'sqlite'): WorkloadReport {
  const syncs = pairs.flatMap(([withMs, withoutMs], i) => [run('no-change', i + 1, withMs, withMs, database), run(WITHOUT_CLAIMS, i + 1, withoutMs, withoutMs, database)]);
  return { workload, syncs } as unknown as WorkloadReport;
}

test('the interval of the median: all five of five values (93.75 %), the 4th to 12th of fifteen (96.5 %)', () => {
  assert.deepEqual(medianInterval([5, 1, 4, 2, 3]), { low: 1, high: 5, confidence: 1 - 2 / 32 });
  const fifteen = medianInterval([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual([fifteen.low, fifteen.high], [4, 12]);
  assert.ok(Math.abs(fifteen.confidence - (1 - (2 * (1 + 15 + 105 + 455)) / 2 ** 15)) < 1e-12);
  const nine = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([nine.low, nine.high], [2, 8]);
  assert.ok(nine.confidence >= 0.95);
});

test("the pooled share is the median of every setup's pair ratios, not of each side's times", () => {
  // A fast setup with a large share and a slow one with a small share: the sides' medians would mix the two speeds.
  const fast = setup('L', [[1_300, 1_000], [1_320, 1_000]]);
  const slow = setup('L', [[4_400, 4_000], [4_400, 4_000], [4_440, 4_000]]);
  const [pooled, ...others] = pooledClaimShares([fast, slow]);
  assert.deepEqual(others, []);
  assert.equal(pooled?.setups, 2);
  assert.equal(pooled?.pairs, 5);
  assert.ok(Math.abs((pooled?.cpuShare ?? 0) - 0.11) < 1e-9);
  assert.ok(Math.abs((pooled?.wallShare ?? 0) - 0.11) < 1e-9);
  assert.deepEqual(pooled?.perSetup.map((s) => Math.round(s.cpu * 100)), [31, 10]);
  assert.equal(pooledClaimShareRows([fast, slow])[0]?.workload, 'L ×2');
});

test('with several setups the target is judged once on the pooled pairs; a lone setup is judged alone', () => {
  const over = setup('L', [[1_400, 1_000], [1_400, 1_000], [1_400, 1_000]]);
  const under = setup('L', [[1_100, 1_000], [1_100, 1_000], [1_100, 1_000], [1_100, 1_000]]);
  const lone = setup('M', [[1_400, 1_000]]);
  const checks = allClaimShareChecks([over, under, lone]);
  const shareChecks = checks.filter((c) => c.target.includes('claims add'));
  assert.deepEqual(shareChecks.map((c) => [c.workload, c.pass]), [['M', false], ['L', true]]);
  assert.match(shareChecks[1]?.target ?? '', /all setups' pairs$/);
  assert.match(shareChecks[1]?.measured ?? '', /^\+10 % CPU \(\+10 % wall\); median of 7 pairs by turns on 2 setups, 98 % interval CPU \+10 % to \+40 %, wall \+10 % to \+40 %; each setup alone \(CPU \/ wall\): \+40 % \/ \+40 %, \+10 % \/ \+10 %$/);
  // The "0 rows without the claims" check stays per setup.
  assert.equal(checks.filter((c) => c.target.includes('writes 0 rows')).length, 3);
});

test('the pooled share misses when either the CPU or the wall median is over the limit', () => {
  const slowWall = (workload: string) => ({
    workload,
    syncs: [run('no-change', 1, 1_300, 1_000), run(WITHOUT_CLAIMS, 1, 1_000, 1_000)],
  }) as unknown as WorkloadReport;
  const [check] = allClaimShareChecks([slowWall('L'), slowWall('L')]).filter((c) => c.target.includes('claims add'));
  assert.equal(check?.pass, false);
  assert.match(check?.measured ?? '', /^\+0 % CPU \(\+30 % wall\)/);
});
