/**
 * Why a run did not sync, from a small fixed set, so that metrics and alerts
 * can tell an LDAP outage (which heals) from a tripped guard (which needs a
 * human) without ever carrying a DN, a user name or an error text:
 *   ldap_connect    connecting, TLS or binding to the directory
 *   ldap_search     a search, a member lookup or a range read failed or was cut short
 *   schema          the database is not a Pocket ID schema this daemon knows
 *   database        opening, reading or writing the database (a locked SQLite file too)
 *   deletion_guard  the plan would disable or delete more than LDAP_SYNC_DELETE_THRESHOLD allows
 *   reenable_guard  the plan would re-enable or un-admin more than its guard allows, or would trust
 *                   the absence of an attribute the bind account may not read
 *   config          a setting the directory or the database cannot work with
 *   lock_skipped    another instance held the write lock: the run is skipped, not failed
 *   other           anything else (a defect: please report it)
 */
export const FAILURE_REASONS = [
  'ldap_connect',
  'ldap_search',
  'schema',
  'database',
  'deletion_guard',
  'reenable_guard',
  'config',
  'lock_skipped',
  'other',
] as const;

export type FailureReason = (typeof FAILURE_REASONS)[number];

/** An error that knows why the run stopped: thrown where that is known, not guessed from its text later. */
export class SyncFailure extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SyncFailure';
  }
}

export function failureReason(error: unknown): FailureReason {
  return error instanceof SyncFailure ? error.reason : 'other';
}

