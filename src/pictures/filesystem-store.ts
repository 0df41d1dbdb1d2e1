import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MARKER_HEAD_BYTES, readMarker } from './png-marker.js';
import { forEachLimited, StorageError, type PictureStore } from './store.js';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * FILE_BACKEND=filesystem, as Pocket ID's storage/filesystem.go writes it:
 * directories mode 0700, the file written as "<path>.<uuid>-tmp" and renamed
 * over the old one (atomic: Pocket ID never serves half a picture; its own
 * cleanup job removes "-tmp" files a crash leaves behind).
 */
export class FilesystemPictureStore implements PictureStore {
  readonly description: string;
  private readonly root: string;
  private rootChecked = false;

  constructor(uploadPath: string) {
    this.root = path.resolve(uploadPath);
    this.description = `filesystem ${this.root}`;
  }

  private file(relative: string): string {
    return path.join(this.root, ...relative.split('/'));
  }

  /**
   * UPLOAD_PATH must exist: Pocket ID creates it on its first start, so a
   * missing one means the shared volume is not mounted here, and pictures
   * written to the container's own disk would never reach Pocket ID.
   */
  private async checkRoot(): Promise<void> {
    if (this.rootChecked) return;
    const info = await stat(this.root).catch((error: unknown) => {
      throw new StorageError(
        code(error) === 'ENOENT'
          ? `UPLOAD_PATH ${this.root} does not exist (is Pocket ID's upload volume mounted here?)`
          : `UPLOAD_PATH ${this.root}: ${(error as Error).message}`,
        { cause: error },
      );
    });
    if (!info.isDirectory()) throw new StorageError(`UPLOAD_PATH ${this.root} is not a directory`);
    this.rootChecked = true;
  }

  async markers(paths: string[]): Promise<Map<string, string | null>> {
    await this.checkRoot();
    const found = new Map<string, string | null>();
    await forEachLimited(paths, 16, async (relative) => {
      let handle;
      try {
        handle = await open(this.file(relative), 'r');
      } catch (error) {
        if (code(error) === 'ENOENT') return;
        throw new StorageError(`cannot read ${this.file(relative)}: ${(error as Error).message}`, { cause: error });
      }
      try {
        const head = Buffer.alloc(MARKER_HEAD_BYTES);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        found.set(relative, readMarker(head.subarray(0, bytesRead)));
      } finally {
        await handle.close();
      }
    });
    return found;
  }

  async write(relative: string, png: Buffer): Promise<void> {
    await this.checkRoot();
    const target = this.file(relative);
    const temporary = `${target}.${randomUUID()}-tmp`;
    try {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(temporary, png);
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw new StorageError(`cannot write ${target}: ${(error as Error).message}`, { cause: error });
    }
  }

  async delete(relative: string): Promise<boolean> {
    try {
      await unlink(this.file(relative));
      return true;
    } catch (error) {
      if (code(error) === 'ENOENT') return false;
      throw new StorageError(`cannot delete ${this.file(relative)}: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {}
}
