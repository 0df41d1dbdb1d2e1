import type { DirectoryUser } from './snapshot.js';

/**
 * Per user entry e of a snapshot (`entries`): at 2e its username as members
 * resolve to it (NFC), at 2e+1 the row that username names after the plan
 * (-1: none); side by side, so a member's entry costs one wait for memory, not
 * two. Made and brought up to date in member-rows.ts; a plan's book keeps it (UserBook).
 */
export interface EntryRows {
  usernamesAndRows: (string | number)[];
  entries: readonly DirectoryUser[];
}
