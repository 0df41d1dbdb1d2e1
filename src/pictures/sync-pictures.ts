// The post-commit picture step of a run (reference §3.8 and §7): save the
// picture of every LDAP user that exists after the run, delete the pictures of
// hard-deleted users. Unlike Pocket ID, a picture is written only when its
// source changed: the stored PNG carries the SHA-256 of the bytes it was
// rendered from (png-marker.ts), so an unchanged directory writes nothing.
import { createHash } from 'node:crypto';
import type { PictureSettings } from '../config/config.js';
import type { DirectorySnapshot } from '../sync/snapshot.js';
import type { Logger } from '../log/logger.js';
import type { CurrentUser, SyncPlan } from '../sync/types.js';
import { markerText, withMarker } from './png-marker.js';
import { renderProfilePicture } from './render.js';
import { PictureError, resolvePictureSource } from './source.js';
import { forEachLimited, profilePicturePath, StorageError, type PictureStore } from './store.js';
import { errorMessage } from '../log/error-message.js';

/** A user that exists after the run, with its picture attribute's first value (undefined: none). */
export interface PictureTarget {
  userId: string;
  dn: string;
  username: string;
  value: Buffer | undefined;
}

export interface PictureSummary {
  /** Pictures rendered and stored because their source was new or changed. */
  written: number;
  /** Pictures whose stored copy was rendered from the same source bytes: not touched. */
  unchanged: number;
  /** Pictures that could not be used or stored (each logged). */
  failed: number;
  /** Pictures removed: of hard-deleted users, and with LDAP_SYNC_PICTURE_DELETE_CLEARED of emptied attributes. */
  deleted: number;
}

/**
 * The users whose picture the run looks at: created or kept (updated or
 * unchanged) LDAP users. Skipped entries get nothing, as in Pocket ID, even
 * when they keep an existing row; users gone from LDAP are not in the snapshot.
 */
export function pictureTargets(snapshot: DirectorySnapshot, users: CurrentUser[], plan: SyncPlan): PictureTarget[] {
  const skipped = new Set(plan.skips.filter((s) => s.kind === 'user').map((s) => s.dn));
  const created = new Map(plan.users.create.map((u) => [u.ldapId, u.id]));
  const existing = new Map<string, string>();
  for (const user of users) if (user.ldapId !== null) existing.set(user.ldapId, user.id);
  const targets: PictureTarget[] = [];
  for (const user of snapshot.users) {
    if (user.ldapId === '' || skipped.has(user.dn)) continue;
    const userId = created.get(user.ldapId) ?? existing.get(user.ldapId);
    if (userId === undefined) continue;
    targets.push({ userId, dn: user.dn, username: user.username, value: user.picture });
  }
  return targets;
}

export interface PictureWork {
  targets: PictureTarget[];
  /** Ids of the users this run hard-deleted. */
  deletedUserIds: string[];
}


/**
 * Runs the picture step against a store. Never throws: a bad picture is one
 * WARN with the user's DN; a failing store is one ERROR, after which the
 * remaining pictures are counted as failed without being tried.
 */
export async function syncPictures(work: PictureWork, store: PictureStore, settings: PictureSettings, log: Logger): Promise<PictureSummary> {
  const summary: PictureSummary = { written: 0, unchanged: 0, failed: 0, deleted: 0 };
  let storageError: StorageError | null = null;
  const storageFailed = (error: StorageError) => {
    if (storageError === null) log.error('Cannot store profile pictures', { backend: store.description, error: error.message });
    storageError ??= error;
  };

  // Hard-deleted users first (Pocket ID: after saving, but the order does not matter: the ids differ).
  for (const userId of work.deletedUserIds) {
    const path = profilePicturePath(userId);
    try {
      if (await store.delete(path)) summary.deleted += 1;
    } catch (error) {
      log.error('Failed to delete file after LDAP sync', { path, error: errorMessage(error) });
    }
  }

  const withPicture = work.targets.filter((t) => t.value !== undefined && t.value.length > 0);
  const cleared = settings.deleteCleared ? work.targets.filter((t) => t.value === undefined || t.value.length === 0) : [];
  const paths = [...withPicture, ...cleared].map((t) => profilePicturePath(t.userId));
  if (paths.length === 0) return summary;
  let markers: Map<string, string | null>;
  try {
    markers = await store.markers(paths);
  } catch (error) {
    storageFailed(error instanceof StorageError ? error : new StorageError(errorMessage(error), { cause: error }));
    summary.failed += withPicture.length;
    return summary;
  }

  const limits = { timeoutMs: settings.timeoutMs, maxBytes: settings.maxBytes };
  await forEachLimited(withPicture, settings.concurrency, async (target) => {
    if (storageError !== null) {
      summary.failed += 1;
      return;
    }
    const path = profilePicturePath(target.userId);
    try {
      const source = await resolvePictureSource(target.value as Buffer, limits);
      const marker = markerText(createHash('sha256').update(source.bytes).digest('hex'));
      if (markers.get(path) === marker) {
        summary.unchanged += 1;
        return;
      }
      const started = performance.now();
      const png = withMarker(await renderProfilePicture(source.bytes), marker);
      if (storageError !== null) {
        summary.failed += 1;
        return;
      }
      await store.write(path, png);
      summary.written += 1;
      log.debug('Saved profile picture', { dn: target.dn, path, source: source.kind, bytes: png.length, ms: Math.round(performance.now() - started) });
    } catch (error) {
      summary.failed += 1;
      if (error instanceof StorageError) storageFailed(error);
      // Pocket ID's message and username field, plus the DN and the reason.
      else log.warn('Error saving profile picture for LDAP user', { dn: target.dn, username: target.username, error: errorMessage(error) });
      if (!(error instanceof PictureError) && !(error instanceof StorageError)) {
        log.debug('Unexpected error while saving a profile picture', { dn: target.dn, stack: error instanceof Error ? error.stack : undefined });
      }
    }
  });

  // LDAP_SYNC_PICTURE_DELETE_CLEARED: only pictures carrying our marker, i.e. written from LDAP.
  for (const target of cleared) {
    if (storageError !== null) break;
    const path = profilePicturePath(target.userId);
    if (typeof markers.get(path) !== 'string') continue;
    try {
      if (await store.delete(path)) {
        summary.deleted += 1;
        log.info('Deleted profile picture emptied in LDAP', { dn: target.dn, path });
      }
    } catch (error) {
      log.error('Failed to delete file after LDAP sync', { path, error: errorMessage(error) });
    }
  }
  return summary;
}
