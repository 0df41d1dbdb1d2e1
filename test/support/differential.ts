// The loop of the differential tests (test/integration/incremental-differential*.test.ts):
// a batch of the change stream goes to the directory, then per database kind
// the reference database is made a copy of the incremental one, one
// incremental run (LDAP_SYNC_INCREMENTAL=true, one memory for all runs) goes
// into the one and a full run into the other: from the same starting point,
// both must end with the same contents.
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
  run: ReturnType<typeof incrementalRunner>;
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
function incrementalRunner(): (env: Record<string, string>, scan: boolean) => Promise<SyncOutcome> {
  const memory = createSyncMemory();
  return (env, scan) => syncWith({ ...env, LDAP_SYNC_INCREMENTAL: 'true' }, { ...UNGUARDED, memory, deletionScan: scan ? 'always' : 'never' });
}

/** The first run fills the memory (full, first-run); every later one must be incremental, or the test would compare full with full. */
function modeProblem(outcome: SyncOutcome, first: boolean): string | null {
  const result = outcome.result;
  if (!result) return null;
  const expected = first ? 'full' : 'incremental';
  if (result.mode === expected) return null;
  return `the run was ${result.mode}${result.fullReason ? ` (${result.fullReason})` : ''}, expected ${expected}`;
}

export async function runDifferential(setup: DifferentialSetup): Promise<DifferentialStats> {
  const started = performance.now();
  const { stream } = setup;
  const pairs: Pair[] = [];
  for (const kind of setup.kinds) pairs.push({ kind, incremental: await createTestDatabase(kind), full: await createTestDatabase(kind), run: incrementalRunner() });
  const stats: DifferentialStats = { changes: 0, runs: 0, scans: 0, entriesRead: 0, fullRowsChanged: 0, ms: 0, applyMs: 0, incrementalMs: 0, fullMs: 0 };
  const timed = async <T>(key: 'applyMs' | 'incrementalMs' | 'fullMs', work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      stats[key] += performance.now() - t;
    }
  };
  const tracker = new ViewTracker(stream.model);
  const history: Batch[] = [];
  try {
    // DIFFERENTIAL_KEEP_GOING=1: log every mismatch and fail at the end, to see all that one stream finds.
    const mismatches: Error[] = [];
    const mismatch = (error: Error) => {
      if (process.env.DIFFERENTIAL_KEEP_GOING !== '1') throw error;
      setup.log(error.message.split('\nthe last batches:')[0] ?? '');
      mismatches.push(error);
    };
    const check = async (batch: number, scan: boolean) => {
      const blur = scan ? NO_BLUR : tracker.blur();
      for (const pair of pairs) {
        // The full run starts where the incremental run starts.
        await copyOwnedRows(pair.incremental, pair.full);
        const incremental = await timed('incrementalMs', () => pair.run(setup.env(pair.incremental), scan));
        const full = await timed('fullMs', () => syncWith(setup.env(pair.full), UNGUARDED));
        if (full.error) throw new Error(`full run after batch ${batch} failed (${pair.kind}): ${full.error.message}\n${full.logs}`);
        if (incremental.error) throw failure(setup, batch, history, `the incremental run failed (${pair.kind}): ${incremental.error.message}`, []);
        const problem = modeProblem(incremental, batch === 0);
        if (problem) throw failure(setup, batch, history, `${pair.kind}: ${problem}`, []);
        stats.entriesRead += incremental.result?.entriesRead.total ?? 0;
        stats.fullRowsChanged += rowsChanged(full);
        const diff = differences(await readContents(pair.incremental.db), await readContents(pair.full.db), blur);
        if (diff.length > 0) mismatch(failure(setup, batch, history, `${pair.kind}: the incremental run's database differs from the full run's${scan ? '' : ` (no deletion scan; left out: ${ViewTracker.size(blur)})`}`, diff));
      }
      stats.runs += 1;
      tracker.recordRun(scan);
    };
    tracker.learnIds(await setup.readIds(), (ref) => dnOf({ model: stream.model, flavour: stream.flavour }, ref));
    await check(0, true);
    for (let batch = 1; batch <= setup.batches; batch++) {
      const changes = stream.batch(setup.maxBatch);
      history.push({ number: batch, changes });
      if (history.length > 3) history.shift();
      await timed('applyMs', async () => {
        for (const change of changes) await setup.apply(change.ops);
      });
      tracker.learnIds(await setup.readIds(), (ref) => dnOf({ model: stream.model, flavour: stream.flavour }, ref));
      stats.changes += changes.length;
      const scan = stream.nextRunScans();
      if (scan) stats.scans += 1;
      await check(batch, scan);
    }
    if (mismatches.length > 0) throw new Error(`${mismatches.length} runs differed (DIFFERENTIAL_KEEP_GOING); the first:\n${mismatches[0]?.message}`);
  } finally {
    for (const pair of pairs) {
      await pair.incremental.close();
      await pair.full.close();
    }
  }
  stats.ms = performance.now() - started;
  setup.log(`seed ${setup.seed}: ${stats.changes} changes in ${setup.batches} batches, ${stats.runs} runs per database (${stats.scans} with a deletion scan), incremental runs read ${stats.entriesRead} entries, full runs changed ${stats.fullRowsChanged} rows; ${(stats.ms / 1000).toFixed(1)} s (changes ${(stats.applyMs / 1000).toFixed(1)} s, incremental runs ${(stats.incrementalMs / 1000).toFixed(1)} s, full runs ${(stats.fullMs / 1000).toFixed(1)} s)`);
  return stats;
}

function failure(setup: DifferentialSetup, batch: number, history: Batch[], what: string, diff: string[]): Error {
  const shown = diff.slice(0, 40).map((d) => `  ${d}`).join('\n');
  return new Error(
    `${what}\nafter batch ${batch}; replay with ${setup.seedVariable}=${setup.seed}\n${shown}${diff.length > 40 ? `\n  … ${diff.length - 40} more` : ''}\nthe last batches:\n${describeBatches(history)}`,
  );
}

