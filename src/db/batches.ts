import type { ApplyStep } from './apply.js';

/** Some consecutive rows of one step. */
export interface BatchPart {
  step: ApplyStep;
  rows: unknown[];
}

/** What one SQLite write transaction writes: consecutive slices of the steps, in step order. */
export interface Batch {
  parts: BatchPart[];
  /** Sum of the rows' weights. */
  weight: number;
  /** The indices of the steps it writes rows of. */
  reached: number[];
}

/** Where the next batch starts: a step and a row in it. */
export interface Cursor {
  step: number;
  row: number;
}

export const START: Cursor = { step: 0, row: 0 };

/** Where a batch from a cursor ends, what it weighs, and the steps it writes rows of (indices); nothing copied. */
interface Extent {
  next: Cursor;
  weight: number;
  reached: number[];
}

/** Rows in step order from `from` up to `budget` weight (a single row heavier than the budget goes alone); null when done. */
function extent(steps: ApplyStep[], from: Cursor, budget: number): Extent | null {
  let weight = 0;
  const reached: number[] = [];
  let { step: s, row: r } = from;
  for (; s < steps.length; s++, r = 0) {
    const step = steps[s] as ApplyStep;
    const start = r;
    for (; r < step.rows.length; r++) {
      const w = step.weight(step.rows[r]);
      if (weight > 0 && weight + w > budget) {
        if (r > start) reached.push(s);
        return { next: { step: s, row: r }, weight, reached };
      }
      weight += w;
    }
    if (r > start) reached.push(s);
  }
  return reached.length === 0 ? null : { next: { step: s, row: 0 }, weight, reached };
}

/**
 * The extent after a batch that wrote the steps `last`, at half the budget
 * when it would reach a step `last` did not write. The budget comes from the
 * last batch's speed, and a row's weight is only an estimate of its cost
 * against another kind's: at L on SQLite a new user cost 2 to 3.5
 * memberships from run to run, and the batch after the last users, sized on
 * their speed, held the lock 0.95 s for memberships (docs/performance-history.md,
 * "2 December, early morning"). Once a batch of the new step is measured, the
 * next is sized on it.
 */
function extentAfter(steps: ApplyStep[], from: Cursor, budget: number, last: number[] | undefined): Extent | null {
  const full = extent(steps, from, budget);
  if (!full || !last || budget < 2 || full.reached.every((s) => last.includes(s))) return full;
  return extent(steps, from, Math.floor(budget / 2));
}

function batchOf(steps: ApplyStep[], from: Cursor, { next, weight, reached }: Extent): { batch: Batch; next: Cursor } {
  const parts = reached.map((s) => {
    const step = steps[s] as ApplyStep;
    return { step, rows: step.rows.slice(s === from.step ? from.row : 0, s === next.step ? next.row : step.rows.length) };
  });
  return { batch: { parts, weight, reached }, next };
}

/**
 * The next batch from `from`: rows in step order up to `budget` weight (a
 * single row heavier than the budget goes alone), at half of it when the
 * batch would reach a step `last` did not write (extentAfter); `last`
 * undefined for the first. Taken one after another, batches commit prefixes
 * of the whole plan: each commit satisfies every foreign key and unique
 * index, creations are committed before the memberships that need them, and
 * removals come last. Null when done.
 */
export function takeNextBatch(steps: ApplyStep[], from: Cursor, budget: number, last: Batch | undefined): { batch: Batch; next: Cursor } | null {
  const found = extentAfter(steps, from, budget, last?.reached);
  return found && batchOf(steps, from, found);
}

/** How many batches takeNextBatch() yields from `from` at a fixed budget, the last one before it having written `last`, without building them. */
export function countBatches(steps: ApplyStep[], from: Cursor, budget: number, last?: number[]): number {
  let count = 0;
  for (let found = extentAfter(steps, from, budget, last); found; found = extentAfter(steps, found.next, budget, found.reached)) count += 1;
  return count;
}

/** "insert users 3000, add memberships 12000": what a batch writes, for its log line. */
export function describeBatch(batch: Batch): string {
  return batch.parts.map((part) => `${part.step.name} ${part.rows.length}`).join(', ');
}
