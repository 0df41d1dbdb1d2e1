// What one workload's benchmark measured: the floors, the syncs, the write floors, the dry runs and the
// incremental children. bench.ts fills it; report-rows.ts and targets.ts read it.
import type { DbCounts, DbKind } from './databases.js';
import type { DryRunResult } from './dry-run.js';
import type { IncrementalMeasurement } from './incremental-bench.js';
import type { ChangeCounts, WorkloadName } from './model.js';
import type { ChangeOps } from './changes.js';
import type { WriterStats } from './pocket-id-writer.js';
import type { ProfileSummary } from './profile.js';
import type { FloorRunResult, SyncRunResult } from './protocol.js';
import type { WriteFloor } from './write-floor.js';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export interface FloorMeasurement {
  label: string;
  medianMs: number;
  runs: FloorRunResult[];
  loads: [number, number][];
  warmUp: FloorRunResult;
  profile?: ProfileSummary;
}

export interface SyncMeasurement {
  workload: WorkloadName;
  database: DbKind;
  /** no-change-claims-unset: with --claims, the no-change run without them, by turns (lib/claim-share.ts). */
  scenario: 'initial' | 'no-change' | 'no-change-claims-unset' | '1pct';
  /** 1-based; with --repeat the table shows the run with the median wall time. */
  repetition: number;
  result: SyncRunResult;
  processMs: number;
  load: [number, number];
  ratioToFloor: number | null;
  dbAfter: DbCounts;
  expected: DbCounts;
  verified: boolean;
  warnings: string;
  /** The Pocket ID-like writer that ran beside the sync's child, from its start to its exit. */
  writer: WriterStats;
  profile?: ProfileSummary;
}

export interface WorkloadReport {
  workload: WorkloadName;
  directory: { users: number; groups: number; memberships: number; ldifBytes: number; generateMs: number; writeLdifMs: number; slapdLoadMs: number };
  changes?: { method: 'modify' | 'reload'; ms: number; counts: ChangeCounts; ops?: ChangeOps; usersAfter: number; membershipsAfter: number };
  floors: FloorMeasurement[];
  syncs: SyncMeasurement[];
  /** Per database: the rows of the initial sync inserted as directly as the engine allows (lib/write-floor.ts). */
  writeFloors: ({ database: DbKind } & WriteFloor)[];
  /** `sync --dry-run` (text and --json) through the real CLI on the empty database, before the initial sync. */
  dryRuns: ({ database: DbKind } & DryRunResult)[];
  /** The incremental scenarios, per child (lib/incremental-bench.ts). */
  incremental: IncrementalMeasurement[];
}
