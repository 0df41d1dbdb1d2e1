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
}

/** Where the next batch starts: a step and a row in it. */
export interface Cursor {
  step: number;
  row: number;
}

export const START: Cursor = { step: 0, row: 0 };

/**
 * The next batch from `from`: rows in step order up to `budget` weight (a
 * single row heavier than the budget goes alone). Taken one after another,
 * batches commit prefixes of the whole plan: each commit satisfies every
 * foreign key and unique index, creations are committed before the
 * memberships that need them, and removals come last. Null when done.
 */
export function takeBatch(steps: ApplyStep[], from: Cursor, budget: number): { batch: Batch; next: Cursor } | null {
  const batch: Batch = { parts: [], weight: 0 };
  let { step: s, row: r } = from;
  for (; s < steps.length; s++, r = 0) {
    const step = steps[s] as ApplyStep;
    const start = r;
    for (; r < step.rows.length; r++) {
      const weight = step.weight(step.rows[r]);
      if (batch.weight > 0 && batch.weight + weight > budget) {
        if (r > start) batch.parts.push({ step, rows: step.rows.slice(start, r) });
        return { batch, next: { step: s, row: r } };
      }
      batch.weight += weight;
    }
    if (r > start) batch.parts.push({ step, rows: step.rows.slice(start, r) });
  }
  return batch.parts.length === 0 ? null : { batch, next: { step: s, row: 0 } };
}

/**
 * The next batch after `last`, as takeBatch() takes it, but at half the
 * budget when it would reach rows of a step `last` did not write. The budget
 * comes from the last batch's speed, and a row's weight is only an estimate
 * of its cost against another kind's: at L on SQLite a new user cost 2 to 3.5
 * memberships from run to run, and the batch after the last users, sized on
 * their speed, held the lock 0.95 s for memberships (docs/performance-history.md,
 * "2 December, early morning"). Once a batch of the new step is measured, the
 * next is sized on it.
 */
export function takeNextBatch(steps: ApplyStep[], from: Cursor, budget: number, last: Batch | undefined): { batch: Batch; next: Cursor } | null {
  const taken = takeBatch(steps, from, budget);
  if (!taken || !last || budget < 2) return taken;
  const measured = new Set(last.parts.map((part) => part.step));
  return taken.batch.parts.every((part) => measured.has(part.step)) ? taken : takeBatch(steps, from, Math.floor(budget / 2));
}

/** How many batches takeBatch() yields from `from` at a fixed budget, without building them. */
export function countBatches(steps: ApplyStep[], from: Cursor, budget: number): number {
  let count = 0;
  let weight = 0;
  for (let s = from.step, r = from.row; s < steps.length; s++, r = 0) {
    const step = steps[s] as ApplyStep;
    for (; r < step.rows.length; r++) {
      const w = step.weight(step.rows[r]);
      if (weight > 0 && weight + w > budget) {
        count += 1;
        weight = 0;
      }
      weight += w;
    }
  }
  return weight > 0 ? count + 1 : count;
}

/** "insert users 3000, add memberships 12000": what a batch writes, for its log line. */
export function describeBatch(batch: Batch): string {
  return batch.parts.map((part) => `${part.step.name} ${part.rows.length}`).join(', ');
}
