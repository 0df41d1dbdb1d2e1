// The loop of the differential tests (test/integration/incremental-differential*.test.ts):
// a batch of the change stream goes to the directory, then per database kind
// one run into the database kept by incremental runs and one full run into a
// reference database; both must hold the same after every run.
import sharp from 'sharp';
import type { DirectoryOp } from './change-stream/flavour.js';
import { describeOp } from './change-stream/flavour.js';
import type { ChangeStream } from './change-stream/stream.js';
import type { StreamChange } from './change-stream/user-changes.js';
import { ViewTracker } from './change-stream/view-tracker.js';
import { differences, NO_BLUR, readContents } from './db-contents.js';
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
  log: (line: string) => void;
}

export interface DifferentialStats {
  changes: number;
  runs: number;
  scans: number;
  /** Rows the full runs changed in all: proof that the stream changed what the sync owns. */
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

/**
 * The run kept by incremental runs. Until runSync has incremental runs
 * (LDAP_SYNC_INCREMENTAL, its `memory`), this is a full run too: the harness is
 * then checked full against full.
 */
function incrementalRun(env: Record<string, string>, _scan: boolean): Promise<SyncOutcome> {
  return syncWith(env, UNGUARDED);
}

export async function runDifferential(setup: DifferentialSetup): Promise<DifferentialStats> {
  const started = performance.now();
  const { stream } = setup;
  const pairs: Pair[] = [];
  for (const kind of setup.kinds) pairs.push({ kind, incremental: await createTestDatabase(kind), full: await createTestDatabase(kind) });
  const stats: DifferentialStats = { changes: 0, runs: 0, scans: 0, fullRowsChanged: 0, ms: 0, applyMs: 0, incrementalMs: 0, fullMs: 0 };
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
    const check = async (batch: number, scan: boolean) => {
      const blur = scan ? NO_BLUR : tracker.blur();
      for (const pair of pairs) {
        const incremental = await timed('incrementalMs', () => incrementalRun(setup.env(pair.incremental), scan));
        const full = await timed('fullMs', () => syncWith(setup.env(pair.full), UNGUARDED));
        if (full.error) throw new Error(`full run after batch ${batch} failed (${pair.kind}): ${full.error.message}\n${full.logs}`);
        if (incremental.error) throw failure(setup, batch, history, `the incremental run failed (${pair.kind}): ${incremental.error.message}`, []);
        stats.fullRowsChanged += rowsChanged(full);
        const diff = differences(await readContents(pair.incremental.db), await readContents(pair.full.db), blur);
        if (diff.length > 0) throw failure(setup, batch, history, `${pair.kind}: the incremental run's database differs from the full run's${scan ? '' : ` (no deletion scan; left out: ${ViewTracker.size(blur)})`}`, diff);
      }
      stats.runs += 1;
      tracker.recordRun(scan);
    };
    await check(0, true);
    for (let batch = 1; batch <= setup.batches; batch++) {
      const changes = stream.batch(setup.maxBatch);
      history.push({ number: batch, changes });
      if (history.length > 3) history.shift();
      await timed('applyMs', async () => {
        for (const change of changes) await setup.apply(change.ops);
      });
      stats.changes += changes.length;
      const scan = stream.nextRunScans();
      if (scan) stats.scans += 1;
      await check(batch, scan);
    }
  } finally {
    for (const pair of pairs) {
      await pair.incremental.close();
      await pair.full.close();
    }
  }
  stats.ms = performance.now() - started;
  setup.log(`seed ${setup.seed}: ${stats.changes} changes in ${setup.batches} batches, ${stats.runs} runs per database (${stats.scans} with a deletion scan), full runs changed ${stats.fullRowsChanged} rows; ${(stats.ms / 1000).toFixed(1)} s (changes ${(stats.applyMs / 1000).toFixed(1)} s, incremental runs ${(stats.incrementalMs / 1000).toFixed(1)} s, full runs ${(stats.fullMs / 1000).toFixed(1)} s)`);
  return stats;
}

function failure(setup: DifferentialSetup, batch: number, history: Batch[], what: string, diff: string[]): Error {
  const shown = diff.slice(0, 40).map((d) => `  ${d}`).join('\n');
  return new Error(
    `${what}\nafter batch ${batch}; replay with ${setup.seedVariable}=${setup.seed}\n${shown}${diff.length > 40 ? `\n  … ${diff.length - 40} more` : ''}\nthe last batches:\n${describeBatches(history)}`,
  );
}

