// Whether a run is full or incremental, and why (docs/incremental.md). Pure:
// the caller says what it knows; the reasons are a fixed set, the label values
// of pocket_id_ldap_sync_runs_by_mode_total and the job line's fullReason=.

export const FULL_RUN_REASONS = [
  'incremental-off',
  'first-run',
  'previous-run-failed',
  'configuration-changed',
  'marker-unavailable',
  'ids-not-unique',
  'dc-changed',
  'usn-went-backwards',
  'many-changes',
  'scheduled',
  'requested',
  'dry-run',
] as const;

export type FullRunReason = (typeof FULL_RUN_REASONS)[number];

export type RunMode = { mode: 'full'; reason: FullRunReason } | { mode: 'incremental' };

/** What the process remembers of the last run, as far as the choice goes. */
export interface MemoryFacts {
  incrementalEnabled: boolean;
  dryRun: boolean;
  forceFull: boolean;
  /** A good full run was kept (false at start, and after a failed run). */
  hasKept: boolean;
  /** The last run failed (then nothing is kept). */
  lastRunFailed: boolean;
  settingsChanged: boolean;
  /** Why the last full run left no usable marker (none: it did). */
  markerProblem: 'marker-unavailable' | 'ids-not-unique' | undefined;
  fullScheduleDue: boolean;
}

/** The choice before the directory is contacted. */
export function chooseMode(facts: MemoryFacts): RunMode {
  if (!facts.incrementalEnabled) return { mode: 'full', reason: 'incremental-off' };
  if (facts.dryRun) return { mode: 'full', reason: 'dry-run' };
  if (facts.lastRunFailed) return { mode: 'full', reason: 'previous-run-failed' };
  if (!facts.hasKept) return { mode: 'full', reason: 'first-run' };
  if (facts.settingsChanged) return { mode: 'full', reason: 'configuration-changed' };
  if (facts.markerProblem) return { mode: 'full', reason: facts.markerProblem };
  if (facts.forceFull) return { mode: 'full', reason: 'requested' };
  if (facts.fullScheduleDue) return { mode: 'full', reason: 'scheduled' };
  return { mode: 'incremental' };
}

/** Active Directory's update sequence, kept from the last run and read now. */
export interface UsnFacts {
  kept: { dsServiceName: string; next: bigint } | undefined;
  now: { dsServiceName: string | undefined; highestCommittedUsn: bigint | undefined };
}

/**
 * The choice once the root DSE is read: USNs belong to one DC, so another DC
 * (a failover, a load balancer) or a counter that went back (a restored DC)
 * makes the kept watermark meaningless.
 */
export function checkUsn(facts: UsnFacts): FullRunReason | undefined {
  if (!facts.kept) return undefined;
  if (facts.now.dsServiceName === undefined || facts.now.highestCommittedUsn === undefined) return 'marker-unavailable';
  if (facts.now.dsServiceName.toLowerCase() !== facts.kept.dsServiceName.toLowerCase()) return 'dc-changed';
  if (facts.now.highestCommittedUsn + 1n < facts.kept.next) return 'usn-went-backwards';
  return undefined;
}
