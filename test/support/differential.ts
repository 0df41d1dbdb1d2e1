// The loop of the differential tests (test/integration/incremental-differential*.test.ts):
// a batch of the change stream goes to the directory, then per database kind
// the reference database is made a copy of the incremental one, one
// incremental run (LDAP_SYNC_INCREMENTAL=true, one memory for all runs) goes
// into the one and a full run into the other: from the same starting point,
// both must end with the same contents. With `pocketIdEdits` an admin makes
// and deletes local users and groups in Pocket ID before runs.
import sharp from 'sharp';
import type { DirectoryOp } from './change-stream/flavour.js';
import { describeOp } from './change-stream/flavour.js';
import { dnOf } from './change-stream/member-values.js';
import type { ChangeStream } from './change-stream/stream.js';
import type { StreamChange } from './change-stream/user-changes.js';
import { ViewTracker } from './change-stream/view-tracker.js';
import { copyOwnedRows } from './db-copy.js';
import { differences, NO_BLUR, readContents } from './db-contents.js';
import { createSyncMemory } from '../../src/run/sync-memory.js';
import { PocketIdEdits } from './pocket-id-edits.js';
import { syncWith, type SyncOutcome } from './sync-harness.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './test-database.js';

export interface DifferentialSetup {
  stream: ChangeStream;
  seed: number;
  /** The env variable that replays a seed, named in every failure. */
  seedVariable: string;
  kinds: DbKind[];
  batches: number;
  maxBatch: number;
  /** The directory's settings for one database (DB_CONNECTION_STRING included). */
  env: (db: TestDatabase) => Record<string, string>;
  apply: (ops: DirectoryOp[]) => Promise<void>;
  /** Every entry's DN (lower case) → ldap_id, read from the directory (flavour.ts readIds). */
  readIds: () => Promise<Map<string, string>>;
  log: (line: string) => void;
  /**
   * Local users and groups made and deleted in Pocket ID before runs (pocket-id-edits.ts). With
   * pictures, this is what proves that an entry which gets its user because a local user freed its
   * username gets its picture too (src/ldap/waiting-pictures.ts).
   */
  pocketIdEdits?: boolean;
}

export interface DifferentialStats {
  changes: number;
  runs: number;
  scans: number;
  /** Entries the incremental runs returned in all (change scans and id scans included). */
  entriesRead: number;
  /** Rows the full runs changed in all: proof that the stream reached what the sync owns. */
  fullRowsChanged: number;
  ms: number;
  /** Of ms: sending the changes to the directory; the incremental runs; the full runs. */
  applyMs: number;
  incrementalMs: number;
  fullMs: number;
}

/** The seed from `variable` when set, else `fallback`; "random" picks one. */
export function seedFrom(variable: string, fallback: number): number {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  if (value === 'random') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(value);
  if (!Number.isInteger(seed)) throw new Error(`${variable} must be an integer or "random", not ${JSON.stringify(value)}`);
  return seed;
}

/** Three small images of different colours, for the picture attribute. */
export function testPictures(): Promise<Buffer[]> {
  return Promise.all([[200, 30, 30], [30, 160, 60], [40, 40, 220]].map(([r, g, b]) => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: r!, g: g!, b: b! } } }).png().toBuffer()));
}

/** Both runs may disable or re-enable many users at once: the guards are not under test here. */
const UNGUARDED = { allowMassDelete: true, allowMassReenable: true };

interface Pair {
  kind: DbKind;
  incremental: TestDatabase;
  full: TestDatabase;
  run: (env: Record<string, string>, scan: boolean) => Promise<SyncOutcome>;
  /** Local users and groups made and deleted in Pocket ID between runs (DifferentialSetup.pocketIdEdits). */
  edits: PocketIdEdits | null;
  /** Edits made since the last incremental run that planned (unseenEdits). */
  unseenEdits: boolean;
}

function rowsChanged(outcome: SyncOutcome): number {
  const s = outcome.result?.summary;
  if (!s) return 0;
  return s.users.created + s.users.updated + s.users.disabled + s.users.reEnabled + s.users.deleted + s.groups.created + s.groups.updated + s.groups.deleted + s.memberships.added + s.memberships.removed;
}

interface Batch {
  number: number;
  changes: StreamChange[];
}

function describeBatches(history: Batch[]): string {
  const describe = (c: StreamChange) => `    ${c.what}\n${c.ops.map((op) => `      ${describeOp(op)}`).join('\n')}`;
  return history.map((b) => `  batch ${b.number}:\n${b.changes.map(describe).join('\n') || '    (no change)'}`).join('\n');
}

/** One database kept by incremental runs: the daemon's one `memory` for all its runs. */
async function incrementalPair(kind: DbKind, seed: number, edits: boolean): Promise<Pair> {
  const memory = createSyncMemory();
  const run = (env: Record<string, string>, scan: boolean) =>
    syncWith({ ...env, LDAP_SYNC_INCREMENTAL: 'true' }, { ...UNGUARDED, memory, deletionScan: scan ? 'always' : 'never' });
  return { kind, incremental: await createTestDatabase(kind), full: await createTestDatabase(kind), run, edits: edits ? new PocketIdEdits(seed) : null, unseenEdits: false };
}

/** The first run fills the memory (full, first-run); every later one must be incremental, or the test would compare full with full. */
function modeProblem(outcome: SyncOutcome, first: boolean): string | null {
  const result = outcome.result;
  if (!result) return null;
  const expected = first ? 'full' : 'incremental';
  if (result.mode === expected) return null;
  return `the run was ${result.mode}${result.fullReason ? ` (${result.fullReason})` : ''}, expected ${expected}`;
}

type Phase = 'applyMs' | 'incrementalMs' | 'fullMs';

/** One stream against one directory: the databases, the tracker of what left the view, the counts, the recent batches. */
class DifferentialRun {
  readonly stats: DifferentialStats = { changes: 0, runs: 0, scans: 0, entriesRead: 0, fullRowsChanged: 0, ms: 0, applyMs: 0, incrementalMs: 0, fullMs: 0 };
  private readonly tracker: ViewTracker;
  private readonly history: Batch[] = [];
  /** DIFFERENTIAL_KEEP_GOING=1: every mismatch is logged and the test fails at the end, to see all one stream finds. */
  readonly mismatches: Error[] = [];

  constructor(private readonly setup: DifferentialSetup, private readonly pairs: Pair[]) {
    this.tracker = new ViewTracker(setup.stream.model);
  }

  private async timed<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.stats[phase] += performance.now() - t;
    }
  }

  private fail(batch: number, what: string, diff: string[]): Error {
    return failure(this.setup, batch, this.history, what, diff);
  }

  private mismatch(error: Error): void {
    if (process.env.DIFFERENTIAL_KEEP_GOING !== '1') throw error;
    this.setup.log(error.message.split('\nthe last batches:')[0] ?? '');
    this.mismatches.push(error);
  }

  async learnIds(): Promise<void> {
    const { model, flavour } = this.setup.stream;
    this.tracker.learnIds(await this.setup.readIds(), (ref) => dnOf({ model, flavour }, ref));
  }

  /** Local users and groups made or deleted in Pocket ID before this run (DifferentialSetup.pocketIdEdits). */
  private async editPocketId(pair: Pair): Promise<void> {
    const batch = this.history.at(-1);
    if (!pair.edits || !batch) return;
    const done = await pair.edits.apply(pair.incremental, this.setup.stream.model.existingUsers().map((u) => u.uid));
    batch.changes.push(...done.map((what) => ({ what: `${pair.kind}: ${what}`, ops: [] })));
    if (done.length > 0) pair.unseenEdits = true;
  }

  /**
   * A run that finds no change in the directory neither plans nor looks at the database
   * (docs/incremental.md), so Pocket ID edits since the last run that planned are not seen yet: its
   * database is not compared (it wrote nothing). The next run that plans must see them.
   */
  private unseenEdits(pair: Pair, outcome: SyncOutcome): boolean {
    const planned = outcome.result !== undefined && outcome.result.timings.planMs > 0;
    if (planned) pair.unseenEdits = false;
    return pair.unseenEdits;
  }

  /** Per database kind: the reference becomes a copy of the incremental database, both run, both must match. */
  async check(batch: number, scan: boolean): Promise<void> {
    const blur = scan ? NO_BLUR : this.tracker.blur();
    for (const pair of this.pairs) {
      await this.editPocketId(pair);
      await copyOwnedRows(pair.incremental, pair.full);
      const incremental = await this.timed('incrementalMs', () => pair.run(this.setup.env(pair.incremental), scan));
      const full = await this.timed('fullMs', () => syncWith(this.setup.env(pair.full), UNGUARDED));
      if (full.error) throw new Error(`full run after batch ${batch} failed (${pair.kind}): ${full.error.message}\n${full.logs}`);
      if (incremental.error) throw this.fail(batch, `the incremental run failed (${pair.kind}): ${incremental.error.message}`, []);
      const problem = modeProblem(incremental, batch === 0);
      if (problem) throw this.fail(batch, `${pair.kind}: ${problem}`, []);
      this.stats.entriesRead += incremental.result?.entriesRead.total ?? 0;
      this.stats.fullRowsChanged += rowsChanged(full);
      if (this.unseenEdits(pair, incremental)) continue;
      const diff = differences(await readContents(pair.incremental.db), await readContents(pair.full.db), blur);
      const left = scan ? '' : ` (no deletion scan; left out: ${ViewTracker.size(blur)})`;
      if (diff.length > 0) this.mismatch(this.fail(batch, `${pair.kind}: the incremental run's database differs from the full run's${left}`, diff));
    }
    this.stats.runs += 1;
    this.tracker.recordRun(scan);
  }

  /** The next batch of the stream, sent to the directory; returns whether the run after it scans. */
  async applyBatch(batch: number): Promise<boolean> {
    const { stream } = this.setup;
    const changes = stream.batch(this.setup.maxBatch);
    this.history.push({ number: batch, changes });
    if (this.history.length > 3) this.history.shift();
    await this.timed('applyMs', async () => {
      for (const change of changes) await this.setup.apply(change.ops);
    });
    await this.learnIds();
    this.stats.changes += changes.length;
    const scan = stream.nextRunScans();
    if (scan) this.stats.scans += 1;
    return scan;
  }
}

export async function runDifferential(setup: DifferentialSetup): Promise<DifferentialStats> {
  const started = performance.now();
  const pairs: Pair[] = [];
  for (const kind of setup.kinds) pairs.push(await incrementalPair(kind, setup.seed, setup.pocketIdEdits ?? false));
  const run = new DifferentialRun(setup, pairs);
  try {
    await run.learnIds();
    await run.check(0, true);
    for (let batch = 1; batch <= setup.batches; batch++) await run.check(batch, await run.applyBatch(batch));
    if (run.mismatches.length > 0) throw new Error(`${run.mismatches.length} runs differed (DIFFERENTIAL_KEEP_GOING); the first:\n${run.mismatches[0]?.message}`);
  } finally {
    for (const pair of pairs) {
      await pair.incremental.close();
      await pair.full.close();
    }
  }
  const stats = { ...run.stats, ms: performance.now() - started };
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  setup.log(
    `seed ${setup.seed}: ${stats.changes} changes in ${setup.batches} batches, ${stats.runs} runs per database (${stats.scans} with a deletion scan), ` +
      `incremental runs read ${stats.entriesRead} entries, full runs changed ${stats.fullRowsChanged} rows; ${s(stats.ms)} ` +
      `(changes ${s(stats.applyMs)}, incremental runs ${s(stats.incrementalMs)}, full runs ${s(stats.fullMs)})`,
  );
  return stats;
}

function failure(setup: DifferentialSetup, batch: number, history: Batch[], what: string, diff: string[]): Error {
  const shown = diff.slice(0, 40).map((d) => `  ${d}`).join('\n');
  return new Error(
    `${what}\nafter batch ${batch}; replay with ${setup.seedVariable}=${setup.seed}\n${shown}${diff.length > 40 ? `\n  … ${diff.length - 40} more` : ''}\nthe last batches:\n${describeBatches(history)}`,
  );
}

