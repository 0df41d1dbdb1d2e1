// A seeded stream of directory changes in batches: the same seed and flavour
// always give the same batches (the model's PRNG is the only source of
// chance), so a failing seed replays the same changes.
import type { DirectoryFlavour } from './flavour.js';
import { GROUP_CHANGES } from './group-changes.js';
import { initialModel, type DirectoryModel, type ModelSize } from './model.js';
import { USER_CHANGES, type ChangeMaker, type StreamChange } from './user-changes.js';

const ALL: [ChangeMaker, number][] = [...USER_CHANGES, ...GROUP_CHANGES];
const TOTAL = ALL.reduce((sum, [, weight]) => sum + weight, 0);

export class ChangeStream {
  readonly model: DirectoryModel;

  constructor(readonly flavour: DirectoryFlavour, seed: number, size: ModelSize) {
    this.model = initialModel(seed, size);
  }

  private one(): StreamChange {
    for (;;) {
      let r = this.model.rand() * TOTAL;
      const maker = ALL.find(([, weight]) => (r -= weight) < 0)?.[0] ?? (ALL[0]?.[0] as ChangeMaker);
      const change = maker({ model: this.model, flavour: this.flavour });
      if (change) return change;
    }
  }

  /** Up to `max` changes (now and then none: an incremental run with nothing to do must also match). */
  batch(max: number): StreamChange[] {
    const size = this.model.chance(0.05) ? 0 : 1 + this.model.int(max);
    return Array.from({ length: size }, () => this.one());
  }

  /** Whether the next run scans for deletions: decided by the stream, so it replays too. */
  nextRunScans(): boolean {
    return this.model.chance(0.5);
  }
}
