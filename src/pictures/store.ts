// Where profile pictures live: Pocket ID's FILE_BACKEND. Paths are Pocket ID's
// storage paths ("profile-pictures/<user id>.png"), relative to UPLOAD_PATH on
// the filesystem and the primary key of the storage table in the database.

/** The backend itself failed (not one picture): unwritable volume, missing table, lost connection. */
export class StorageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export interface PictureStore {
  /** For log lines: "filesystem /app/data/uploads", "database storage table". */
  readonly description: string;
  /**
   * The stored pictures among `paths`: path → the marker text of its tEXt
   * chunk, or null for a picture without one (uploaded in Pocket ID). A path
   * with no picture is absent from the map.
   */
  markers(paths: string[]): Promise<Map<string, string | null>>;
  /** Creates or replaces the picture at `path`. */
  write(path: string, png: Buffer): Promise<void>;
  /** Removes the picture at `path`; false when there was none. */
  delete(path: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Pocket ID's path of a user's profile picture (path.Join("profile-pictures", id + ".png")). */
export function profilePicturePath(userId: string): string {
  return `profile-pictures/${userId}.png`;
}

/** `work` over `items`, at most `limit` at once, in order of start. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
