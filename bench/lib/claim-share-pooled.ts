// The claims' share judged over several setups of one workload (`--workload L,L,L`, each with its own slapd and
// databases). One pair's ratio (with ÷ without, by turns) has a standard deviation of about 0.13 here, so five pairs
// tell the median only to about ±14 points: in the eleven benches of L on 2 December one setup's SQLite CPU share
// came out anywhere from +3 % to +31 %, while all their 55 pairs gave +18 % (97 % interval +12 % to +23 %). The
// setups themselves hardly differed (a 4 % share of the variance on SQLite, none on PostgreSQL):
// docs/performance-history.md, "2 December, midday". So the target is judged on the pairs of all setups together:
// the median of the pairs' ratios, with the interval of that median printed beside it.
import { CLAIM_SHARE_LIMIT, claimShareChecks, claimShares, pairedRuns, percent } from './claim-share.js';
import type { TableRow, TargetCheck } from './report.js';
import { median, type SyncMeasurement, type WorkloadReport } from './workload-report.js';

interface PairRatio {
  cpu: number;
  wall: number;
}

/** A distribution-free interval of the median, from the order statistics of the sorted values. */
export interface MedianInterval {
  low: number;
  high: number;
  /** The interval's coverage: at least 0.95 from 6 values on, 1 − 2 · 2^-n below that. */
  confidence: number;
}

export interface PooledClaimShare {
  workload: string;
  database: string;
  setups: number;
  pairs: number;
  /** The median of the pairs' ratios, with ÷ without, minus 1. */
  cpuShare: number;
  wallShare: number;
  cpuInterval: MedianInterval;
  wallInterval: MedianInterval;
  /** Each setup's own shares (claimShares: median with ÷ median without − 1), in the order benched. */
  perSetup: { cpu: number; wall: number }[];
}

/** With and without the claims, repetition by repetition, on one database of one setup. */
function pairRatios(report: WorkloadReport, database: string): PairRatio[] {
  const runs = pairedRuns(report, database);
  const without = new Map(runs.without.map((m): [number, SyncMeasurement] => [m.repetition, m]));
  return runs.withRuns.flatMap((m) => {
    const other = without.get(m.repetition);
    return other ? [{ cpu: m.result.cpuMs / other.result.cpuMs, wall: m.result.wallMs / other.result.wallMs }] : [];
  });
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialAtMost(n: number, k: number): number {
  let term = 2 ** -n;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/** [x(k), x(n+1−k)] with the largest k whose coverage 1 − 2·P(X ≤ k−1) is still ≥ 95 % (k = 1 for n ≤ 5). */
export function medianInterval(values: number[]): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  let k = 1;
  while (k < n / 2 && 1 - 2 * binomialAtMost(n, k) >= 0.95) k++;
  return { low: sorted[k - 1] ?? Number.NaN, high: sorted[n - k] ?? Number.NaN, confidence: 1 - 2 * binomialAtMost(n, k - 1) };
}

/** The workloads benched on more than one setup. */
export function pooledWorkloads(reports: WorkloadReport[]): Set<string> {
  const seen = new Map<string, number>();
  for (const r of reports) seen.set(r.workload, (seen.get(r.workload) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n > 1).map(([w]) => w));
}

/** Per workload benched on several setups and per database that ran pairs: the share over all their pairs. */
export function pooledClaimShares(reports: WorkloadReport[]): PooledClaimShare[] {
  return [...pooledWorkloads(reports)].flatMap((workload) => {
    const setups = reports.filter((r) => r.workload === workload);
    const databases = new Set(setups.flatMap((r) => claimShares(r).map((c) => c.database)));
    return [...databases].map((database) => {
      const ratios = setups.flatMap((r) => pairRatios(r, database));
      const cpu = ratios.map((p) => p.cpu);
      const wall = ratios.map((p) => p.wall);
      const perSetup = setups.flatMap((r) => claimShares(r).filter((c) => c.database === database).map((c) => ({ cpu: c.cpuShare, wall: c.wallShare })));
      return {
        workload, database, setups: perSetup.length, pairs: ratios.length,
        cpuShare: median(cpu) - 1, wallShare: median(wall) - 1,
        cpuInterval: medianInterval(cpu), wallInterval: medianInterval(wall), perSetup,
      };
    });
  });
}

const interval = (i: MedianInterval) => `${percent(i.low - 1)} to ${percent(i.high - 1)}`;

function measured(p: PooledClaimShare): string {
  const setups = p.perSetup.map((s) => `${percent(s.cpu)} / ${percent(s.wall)}`).join(', ');
  return `${percent(p.cpuShare)} CPU (${percent(p.wallShare)} wall); median of ${p.pairs} pairs by turns on ${p.setups} setups, `
    + `${Math.round(p.cpuInterval.confidence * 100)} % interval CPU ${interval(p.cpuInterval)}, wall ${interval(p.wallInterval)}; `
    + `each setup alone (CPU / wall): ${setups}`;
}

/**
 * All the claims' checks of all reports: the target once per pooled workload and database, judged on the pooled
 * median; the "0 rows without the claims" check per setup, as always.
 */
export function allClaimShareChecks(reports: WorkloadReport[]): TargetCheck[] {
  const pooled = pooledWorkloads(reports);
  const perSetup = reports.flatMap((r) => claimShareChecks(r, !pooled.has(r.workload)));
  const judged = pooledClaimShares(reports).map((p) => ({
    workload: p.workload,
    target: `${p.database} no-change: claims add ≤ ${CLAIM_SHARE_LIMIT * 100} % (CPU and wall), all setups' pairs`,
    measured: measured(p),
    pass: p.cpuShare <= CLAIM_SHARE_LIMIT && p.wallShare <= CLAIM_SHARE_LIMIT,
  }));
  return [...perSetup, ...judged];
}

/** One table row per pooled workload and database: the shares in the detail column. */
export function pooledClaimShareRows(reports: WorkloadReport[]): TableRow[] {
  return pooledClaimShares(reports).map((p) => ({
    workload: `${p.workload} ×${p.setups}`,
    database: p.database,
    scenario: "no-change: claims' share",
    wallMs: Number.NaN,
    cpuMs: Number.NaN,
    maxRssKiB: Number.NaN,
    rowsDetail: `claims add ${percent(p.cpuShare)} CPU, ${percent(p.wallShare)} wall (median of ${p.pairs} pairs' ratios on ${p.setups} setups)`,
  }));
}
