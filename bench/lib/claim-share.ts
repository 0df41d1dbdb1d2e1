// The claims' share of the no-change re-sync (issue 16, item 5). With --claims every no-change run with the claims
// configured is followed by one with LDAP_SYNC_USER_CLAIMS unset, on the same directory and the same database
// (bench.ts), so that both halves of a pair see the same load: two bench invocations minutes apart gave +5 % to
// +47 % for the same code on the shared machine (docs/performance.md). Met only when both the CPU and the wall
// share are within the limit; why: bench/README.md. With the workload benched on several fresh setups
// (`--workload L,L,L`) the target is judged once, on all their pairs (claim-share-pooled.ts; why: bench/README.md).
import type { TableRow, TargetCheck } from './report.js';
import { median, type SyncMeasurement, type WorkloadReport } from './workload-report.js';

/**
 * The no-change run without the claims: with the setting unset the stored claims are neither read nor touched
 * (docs/custom-claims.md, "Removing a claim"), so the database stays as the runs with claims need it.
 */
export const WITHOUT_CLAIMS = 'no-change-claims-unset';

/** Issue 16: the claims add at most 25 % to the no-change re-sync of L. */
export const CLAIM_SHARE_LIMIT = 0.25;

export interface ClaimShare {
  workload: string;
  database: string;
  pairs: number;
  /** Medians of the runs with and without the claims. */
  wallMs: { with: number; without: number };
  cpuMs: { with: number; without: number };
  /** median with / median without − 1 */
  wallShare: number;
  cpuShare: number;
  /** Rows the runs without the claims planned or the driver changed, all of them: must be 0. */
  rowsWrittenWithout: number;
}

function shareOf(withRuns: SyncMeasurement[], without: SyncMeasurement[], pick: (m: SyncMeasurement) => number) {
  const a = median(withRuns.map(pick));
  const b = median(without.map(pick));
  return { with: a, without: b, share: a / b - 1 };
}

/** One database's no-change runs of a setup, with the claims and without them, in the order run. */
export function pairedRuns(report: WorkloadReport, database: string): { withRuns: SyncMeasurement[]; without: SyncMeasurement[] } {
  const runs = (scenario: string) => report.syncs.filter((m) => m.database === database && m.scenario === scenario);
  return { withRuns: runs('no-change'), without: runs(WITHOUT_CLAIMS) };
}

/** Per database that ran the pairs: the medians of each side and the share. */
export function claimShares(report: WorkloadReport): ClaimShare[] {
  const databases = new Set(report.syncs.filter((m) => m.scenario === WITHOUT_CLAIMS).map((m) => m.database));
  return [...databases].map((database) => {
    const { withRuns, without } = pairedRuns(report, database);
    const wall = shareOf(withRuns, without, (m) => m.result.wallMs);
    const cpu = shareOf(withRuns, without, (m) => m.result.cpuMs);
    return {
      workload: report.workload,
      database,
      pairs: Math.min(withRuns.length, without.length),
      wallMs: { with: wall.with, without: wall.without },
      cpuMs: { with: cpu.with, without: cpu.without },
      wallShare: wall.share,
      cpuShare: cpu.share,
      rowsWrittenWithout: without.reduce((n, m) => n + m.result.rowsWritten + m.result.driver.rowsChanged, 0),
    };
  });
}

export const percent = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(0)} %`;
const s = (ms: number) => (ms / 1000).toFixed(2);

/**
 * The target on CPU and on wall, both within the limit; and that the runs without the claims wrote nothing.
 * `judged: false` (the workload's pairs are pooled over several setups) keeps only the second: the first is
 * then allClaimShareChecks' (claim-share-pooled.ts).
 */
export function claimShareChecks(report: WorkloadReport, judged = true): TargetCheck[] {
  return claimShares(report).flatMap((c) => [
    ...(judged ? [{
      workload: c.workload,
      target: `${c.database} no-change: claims add ≤ ${CLAIM_SHARE_LIMIT * 100} % (CPU and wall)`,
      measured: `${percent(c.cpuShare)} CPU (${percent(c.wallShare)} wall); medians of ${c.pairs} pairs by turns, CPU ${s(c.cpuMs.without)} → ${s(c.cpuMs.with)} s, wall ${s(c.wallMs.without)} → ${s(c.wallMs.with)} s`,
      pass: c.cpuShare <= CLAIM_SHARE_LIMIT && c.wallShare <= CLAIM_SHARE_LIMIT,
    }] : []),
    {
      workload: c.workload,
      target: `${c.database} no-change with the claims unset writes 0 rows (every run)`,
      measured: `${c.rowsWrittenWithout} rows planned or changed by the driver`,
      pass: c.rowsWrittenWithout === 0,
    },
  ]);
}

/** One table row per database: the seconds the claims add (medians), the shares in the detail column. */
export function claimShareRows(report: WorkloadReport): TableRow[] {
  return claimShares(report).map((c) => ({
    workload: c.workload,
    database: c.database,
    scenario: "no-change: claims' share",
    wallMs: c.wallMs.with - c.wallMs.without,
    cpuMs: c.cpuMs.with - c.cpuMs.without,
    maxRssKiB: Number.NaN,
    rowsDetail: `claims add ${percent(c.cpuShare)} CPU, ${percent(c.wallShare)} wall (seconds added, medians of ${c.pairs} pairs by turns)`,
  }));
}
