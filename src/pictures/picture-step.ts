import type { Config } from '../config/config.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { CurrentUser, SyncPlan } from '../sync/types.js';
import { DatabasePictureStore } from './database-store.js';
import { FilesystemPictureStore } from './filesystem-store.js';
import { StorageError, type PictureStore } from './store.js';
import { pictureTargets, syncPictures, type PictureSummary } from './sync-pictures.js';

/** What the picture step reads of the configuration. */
export type PictureStepSettings = Pick<Config, 'ldap' | 'pictures' | 'database'>;

async function openStore(config: PictureStepSettings): Promise<PictureStore> {
  if (config.pictures.backend === 'database') {
    try {
      return await DatabasePictureStore.open(config.database);
    } catch (error) {
      throw new StorageError(`cannot open the database for pictures: ${(error as Error).message}`, { cause: error });
    }
  }
  return new FilesystemPictureStore(config.pictures.uploadPath);
}

/**
 * What a run does with pictures once its transaction has committed. Returns
 * the counts when a picture attribute is configured, undefined otherwise (the
 * pictures of hard-deleted users are removed either way, as in Pocket ID).
 * `users` are the rows the plan was made from, read inside the run's
 * transaction: apply() never changes an id, and new rows take theirs from the
 * plan, so no second read of the database is needed.
 */
export async function savePicturesAfterCommit(
  config: PictureStepSettings,
  snapshot: DirectorySnapshot,
  plan: SyncPlan,
  users: CurrentUser[],
  log: Logger,
): Promise<PictureSummary | undefined> {
  const configured = config.ldap.attributes.profilePicture !== '';
  const deletedUserIds = plan.users.delete.map((u) => u.id);
  if (!configured && deletedUserIds.length === 0) return undefined;
  if (config.pictures.backend === 's3') {
    // Only reachable without a picture attribute: load-config refuses s3 with one.
    log.warn('Pictures of deleted users were not removed: FILE_BACKEND=s3 is not supported by this daemon', { users: deletedUserIds.length });
    return undefined;
  }
  const work = { targets: configured ? pictureTargets(snapshot, users, plan) : [], deletedUserIds };
  let store: PictureStore;
  try {
    store = await openStore(config);
  } catch (error) {
    log.error('Cannot store profile pictures', { backend: config.pictures.backend, error: (error as Error).message });
    const failed = work.targets.filter((t) => t.value !== undefined && t.value.length > 0).length;
    return configured ? { written: 0, unchanged: 0, failed, deleted: 0 } : undefined;
  }
  try {
    const summary = await syncPictures(work, store, config.pictures, log);
    return configured ? summary : undefined;
  } finally {
    await store.close().catch(() => undefined);
  }
}
