import type { DirectoryUser } from './snapshot.js';

/**
 * Per user entry of a snapshot (`entries`): its username as members resolve
 * to it (NFC), and the row that username names after the plan (-1: none).
 * Made and brought up to date in member-rows.ts; a plan's book keeps it (UserBook).
 */
export interface EntryRows {
  usernames: string[];
  rows: Int32Array;
  entries: readonly DirectoryUser[];
}
