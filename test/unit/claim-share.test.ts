// The bench's claims' share (bench/lib/claim-share.ts): medians of each side of the by-turns pairs, the target
// judged on CPU and wall together, and the runs without the claims checked for writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimShareChecks, claimShareRows, claimShares, WITHOUT_CLAIMS } from '../../bench/lib/claim-share.js';
import type { SyncMeasurement, WorkloadReport } from '../../bench/lib/workload-report.js';

function run(database: string, scenario: string, wallMs: number, cpuMs: number, rowsWritten = 0): SyncMeasurement {
  return { database, scenario, result: { wallMs, cpuMs, rowsWritten, driver: { rowsChanged: 0 } } } as unknown as SyncMeasurement;
}

function report(syncs: SyncMeasurement[]): WorkloadReport {
  return { workload: 'L', syncs } as unknown as WorkloadReport;
}

test('the share is the median with the claims over the median without, per database', () => {
  const pairs = [
    run('postgres', 'initial', 30_000, 10_000),
    run('postgres', 'no-change', 5_000, 4_400),
    run('postgres', WITHOUT_CLAIMS, 4_000, 4_000),
    run('postgres', 'no-change', 9_000, 4_600),
    run('postgres', WITHOUT_CLAIMS, 4_200, 3_600),
    run('postgres', 'no-change', 4_800, 4_000),
    run('postgres', WITHOUT_CLAIMS, 3_800, 3_700),
  ];
  const [share, ...others] = claimShares(report(pairs));
  assert.deepEqual(others, []);
  assert.equal(share?.pairs, 3);
  assert.deepEqual(share?.wallMs, { with: 5_000, without: 4_000 });
  assert.deepEqual(share?.cpuMs, { with: 4_400, without: 3_700 });
  assert.ok(Math.abs((share?.wallShare ?? 0) - 0.25) < 1e-9);
  assert.ok(Math.abs((share?.cpuShare ?? 0) - 700 / 3_700) < 1e-9);
  const [target, zeroRows] = claimShareChecks(report(pairs));
  assert.equal(target?.target, 'postgres no-change: claims add ≤ 25 % (CPU and wall)');
  assert.match(target?.measured ?? '', /^\+19 % CPU \(\+25 % wall\); medians of 3 pairs by turns, CPU 3\.70 → 4\.40 s, wall 4\.00 → 5\.00 s$/);
  assert.equal(target?.pass, true);
  assert.equal(zeroRows?.pass, true);
  assert.equal(claimShareRows(report(pairs))[0]?.cpuMs, 700);
});

test('met only when both shares are within the limit: either one over it is a miss', () => {
  const [cpuOver] = claimShareChecks(report([run('sqlite', 'no-change', 4_000, 5_000), run('sqlite', WITHOUT_CLAIMS, 4_000, 3_900)]));
  assert.equal(cpuOver?.pass, false);
  assert.match(cpuOver?.measured ?? '', /^\+28 % CPU \(\+0 % wall\)/);
  const [wallOver] = claimShareChecks(report([run('sqlite', 'no-change', 5_200, 4_000), run('sqlite', WITHOUT_CLAIMS, 4_000, 4_000)]));
  assert.equal(wallOver?.pass, false);
  assert.match(wallOver?.measured ?? '', /^\+0 % CPU \(\+30 % wall\)/);
});

test('a run without the claims that wrote rows is a miss; without pairs there is no check', () => {
  const wrote = report([run('sqlite', 'no-change', 4_000, 4_000), run('sqlite', WITHOUT_CLAIMS, 4_000, 4_000, 300_000)]);
  assert.equal(claimShareChecks(wrote)[1]?.pass, false);
  assert.deepEqual(claimShareChecks(report([run('sqlite', 'no-change', 4_000, 4_000)])), []);
});
