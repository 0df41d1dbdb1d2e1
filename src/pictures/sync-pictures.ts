// The post-commit picture step of a run, as Pocket ID's LDAP sync does it
// (backend/internal/service/ldap_service.go): save the picture of every LDAP
// user that exists after the run, delete the pictures of hard-deleted users. Unlike Pocket ID, a picture is written only when its
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


/** One picture step's state: the counts, and the first storage failure (after which nothing more is tried). */
class PictureRun {
  readonly summary: PictureSummary = { written: 0, unchanged: 0, failed: 0, deleted: 0 };
  storageError: StorageError | null = null;

  constructor(
    private readonly store: PictureStore,
    private readonly log: Logger,
  ) {}

  storageFailed(error: StorageError): void {
    if (this.storageError === null) this.log.error('Cannot store profile pictures', { backend: this.store.description, error: error.message });
    this.storageError ??= error;
  }

  /** Deletes one stored picture; a failure is logged as Pocket ID logs it and does not stop the step. */
  async delete(path: string): Promise<boolean> {
    try {
      if (!(await this.store.delete(path))) return false;
      this.summary.deleted += 1;
      return true;
    } catch (error) {
      this.log.error('Failed to delete file after LDAP sync', { path, error: errorMessage(error) });
      return false;
    }
  }

  /** Renders and stores one picture unless the stored copy carries the same source hash. */
  async save(target: PictureTarget, storedMarker: string | null | undefined, limits: { timeoutMs: number; maxBytes: number }): Promise<void> {
    if (this.storageError !== null) {
      this.summary.failed += 1;
      return;
    }
    const path = profilePicturePath(target.userId);
    try {
      const source = await resolvePictureSource(target.value as Buffer, limits);
      const marker = markerText(createHash('sha256').update(source.bytes).digest('hex'));
      if (storedMarker === marker) {
        this.summary.unchanged += 1;
        return;
      }
      const started = performance.now();
      const png = withMarker(await renderProfilePicture(source.bytes), marker);
      if (this.storageError !== null) {
        this.summary.failed += 1;
        return;
      }
      await this.store.write(path, png);
      this.summary.written += 1;
      this.log.debug('Saved profile picture', { dn: target.dn, path, source: source.kind, bytes: png.length, ms: Math.round(performance.now() - started) });
    } catch (error) {
      this.summary.failed += 1;
      this.saveFailed(target, error);
    }
  }

  private saveFailed(target: PictureTarget, error: unknown): void {
    if (error instanceof StorageError) this.storageFailed(error);
    // Pocket ID's message and username field, plus the DN and the reason.
    else this.log.warn('Error saving profile picture for LDAP user', { dn: target.dn, username: target.username, error: errorMessage(error) });
    if (!(error instanceof PictureError) && !(error instanceof StorageError)) {
      this.log.debug('Unexpected error while saving a profile picture', { dn: target.dn, stack: error instanceof Error ? error.stack : undefined });
    }
  }
}

/**
 * Runs the picture step against a store. Never throws: a bad picture is one
 * WARN with the user's DN; a failing store is one ERROR, after which the
 * remaining pictures are counted as failed without being tried.
 */
export async function syncPictures(work: PictureWork, store: PictureStore, settings: PictureSettings, log: Logger): Promise<PictureSummary> {
  const run = new PictureRun(store, log);
  // Hard-deleted users first (Pocket ID: after saving, but the order does not matter: the ids differ).
  for (const userId of work.deletedUserIds) await run.delete(profilePicturePath(userId));

  const withPicture = work.targets.filter((t) => t.value !== undefined && t.value.length > 0);
  const cleared = settings.deleteCleared ? work.targets.filter((t) => t.value === undefined || t.value.length === 0) : [];
  const paths = [...withPicture, ...cleared].map((t) => profilePicturePath(t.userId));
  if (paths.length === 0) return run.summary;
  let markers: Map<string, string | null>;
  try {
    markers = await store.markers(paths);
  } catch (error) {
    run.storageFailed(error instanceof StorageError ? error : new StorageError(errorMessage(error), { cause: error }));
    run.summary.failed += withPicture.length;
    return run.summary;
  }

  const limits = { timeoutMs: settings.timeoutMs, maxBytes: settings.maxBytes };
  await forEachLimited(withPicture, settings.concurrency, (target) => run.save(target, markers.get(profilePicturePath(target.userId)), limits));

  // LDAP_SYNC_PICTURE_DELETE_CLEARED: only pictures carrying our marker, i.e. written from LDAP.
  for (const target of cleared) {
    if (run.storageError !== null) break;
    const path = profilePicturePath(target.userId);
    if (typeof markers.get(path) !== 'string') continue;
    if (await run.delete(path)) log.info('Deleted profile picture emptied in LDAP', { dn: target.dn, path });
  }
  return run.summary;
}
