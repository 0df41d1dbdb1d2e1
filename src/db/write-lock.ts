import { SyncFailure } from '../sync/failure.js';

/**
 * Thrown by PocketIdDatabase.write() when another sync holds the write lock
 * (on PostgreSQL: the advisory lock of POSTGRES_SYNC_LOCK_KEY). Nothing was
 * written; the run is skipped, not failed: another instance is syncing.
 */
export class SyncLockBusyError extends SyncFailure {
  constructor(message: string) {
    super('lock_skipped', message);
    this.name = 'SyncLockBusyError';
  }
}
