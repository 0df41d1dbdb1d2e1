import type { DatabaseTarget } from '../config/config.js';
import type { PocketIdDatabase } from '../db/database.js';
import { openDatabase } from '../db/open-database.js';

/** Pocket ID's database, opened on first use and kept for later runs. A failed open is retried by the next run. */
export class DatabaseHandle {
  private opening: Promise<PocketIdDatabase> | undefined;

  constructor(private readonly target: DatabaseTarget) {}

  get(): Promise<PocketIdDatabase> {
    if (!this.opening) {
      const opening = openDatabase(this.target);
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
      this.opening = opening;
    }
    return this.opening;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const db = await opening?.catch(() => undefined);
    await db?.close();
  }
}
