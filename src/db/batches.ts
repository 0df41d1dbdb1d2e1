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

/**
 * Cuts the steps into batches of at most `budget` weight (a single row heavier
 * than the budget goes alone). Batches keep the steps' order, so every batch
 * commits a prefix of the whole plan: each commit satisfies every foreign key
 * and unique index, creations are committed before the memberships that need
 * them, and removals come last.
 */
export function splitIntoBatches(steps: ApplyStep[], budget: number): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { parts: [], weight: 0 };
  const close = () => {
    if (current.parts.length > 0) batches.push(current);
    current = { parts: [], weight: 0 };
  };
  for (const step of steps) {
    let start = 0;
    for (let i = 0; i < step.rows.length; i++) {
      const weight = step.weight(step.rows[i]);
      if (current.weight + weight > budget && (current.weight > 0 || i > start)) {
        if (i > start) current.parts.push({ step, rows: step.rows.slice(start, i) });
        start = i;
        close();
      }
      current.weight += weight;
    }
    if (step.rows.length > start) current.parts.push({ step, rows: step.rows.slice(start) });
  }
  close();
  return batches;
}

/** "insert users 3000, add memberships 12000": what a batch writes, for its log line. */
export function describeBatch(batch: Batch): string {
  return batch.parts.map((part) => `${part.step.name} ${part.rows.length}`).join(', ');
}
