// SQLite's driver is synchronous: the state's users query stepped through on
// the main thread (about 0.35-0.45 s at L) takes that time from the LDAP read
// running beside it, whose parsing is bound by the same thread. Here a worker
// thread with a read-only connection of its own steps through the query, SQLite
// packs each row into one string, and this thread only splits them.
import { Worker } from 'node:worker_threads';
import type { EachRow } from '../state-reader.js';
import { eachPackedRow, type RowQuery } from './packed-rows.js';

const WORKER = new URL('./row-worker.js', import.meta.url);

/**
 * An EachRow reading the file at `path` on a worker thread, in one read
 * transaction of its own: its rows come from a snapshot at least as recent as
 * anything read on the sync's connection before it was called (readSnapshot
 * takes PRAGMA data_version first, so a commit in between is caught at write time).
 */
export function rowsOffThread(path: string, busyTimeoutMs: number): EachRow {
  return (query, each) =>
    new Promise<void>((resolve, reject) => {
      const request: RowQuery = { path, sql: query.sql, parameters: query.parameters, busyTimeoutMs };
      const worker = new Worker(WORKER, { workerData: request });
      let failed: unknown;
      let done = false;
      worker.on('message', (chunk: string | null | { failed: string; code: unknown }) => {
        if (chunk === null) done = true;
        else if (typeof chunk === 'object') failed ??= Object.assign(new Error(chunk.failed), { code: chunk.code });
        if (failed !== undefined || typeof chunk !== 'string') return;
        try {
          eachPackedRow(chunk, each);
        } catch (error) {
          failed = error;
          void worker.terminate();
        }
      });
      worker.on('error', (error) => {
        failed ??= error;
      });
      worker.on('exit', (code) => {
        if (failed !== undefined) reject(failed);
        else if (code !== 0 || !done) reject(new Error(`SQLite state read: the worker thread stopped (exit code ${code}) before its last row`));
        else resolve();
      });
    });
}
