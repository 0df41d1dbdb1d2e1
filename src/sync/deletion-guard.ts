import { SyncFailure } from './failure.js';
import type { SyncPlan } from './types.js';

/** How many LDAP-managed rows one run may remove: a share of them, or a fixed count. */
export type DeleteThreshold = { kind: 'percent'; value: number } | { kind: 'count'; value: number };

/** Removals up to this many never trip the percentage guard: small directories change in small steps. */
export const GUARD_FLOOR = 5;

export interface GuardVerdict {
  /** One sentence naming the numbers and the way to override, for logs and the dry run. */
  message: string;
}

export function parseDeleteThreshold(raw: string): DeleteThreshold {
  const text = raw.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 100) throw new Error(`"${raw}" is more than 100%`);
    return { kind: 'percent', value };
  }
  if (/^\d+$/.test(text)) return { kind: 'count', value: Number(text) };
  throw new Error(`"${raw}" is neither a percentage such as 20% nor a whole number of rows`);
}

/** The most rows a threshold lets one run change out of `managed`. */
export function allowed(threshold: DeleteThreshold, managed: number): number {
  return threshold.kind === 'count' ? threshold.value : Math.floor((managed * threshold.value) / 100);
}

/** The threshold as the operator wrote it: "20%" or "25". */
export function describe(threshold: DeleteThreshold): string {
  return threshold.kind === 'count' ? `${threshold.value}` : `${threshold.value}%`;
}

/**
 * The deletion guard: a run that would remove more LDAP-managed users or
 * groups than the threshold, or whose user search found nobody while LDAP
 * users exist, is refused as a whole. A wrong filter, a wrong base, or an ACL
 * change for the bind account looks exactly like "everyone left"; this is
 * what stops that from disabling or deleting everyone.
 */
export function checkDeletionGuard(plan: SyncPlan, usersRead: number, threshold: DeleteThreshold): GuardVerdict | null {
  const override = 'override with LDAP_SYNC_DELETE_THRESHOLD or, for one run, `sync --allow-mass-delete`';
  // The floor does not excuse an empty user search; only a threshold that
  // allows removing every LDAP user (100%, or a count at least that large) does.
  if (usersRead === 0 && plan.managed.users > 0 && allowed(threshold, plan.managed.users) < plan.managed.users) {
    return {
      message: `the user search returned no entries while ${plan.managed.users} LDAP users exist in Pocket ID; refusing to remove them all (check LDAP_BASE, LDAP_USER_SEARCH_FILTER and the bind account's rights, or ${override})`,
    };
  }
  const checks: [string, number, number][] = [
    ['users', plan.users.disable.length + plan.users.delete.length, plan.managed.users],
    ['groups', plan.groups.delete.length, plan.managed.groups],
  ];
  for (const [what, removing, managed] of checks) {
    const limit = allowed(threshold, managed);
    const tooMany = threshold.kind === 'count' ? removing > limit : removing > GUARD_FLOOR && removing > limit;
    if (tooMany) {
      return {
        message: `this run would disable or delete ${removing} of ${managed} LDAP ${what}, more than LDAP_SYNC_DELETE_THRESHOLD=${describe(threshold)} allows (${limit}); nothing was changed (${override})`,
      };
    }
  }
  return null;
}

export class DeletionGuardError extends SyncFailure {
  constructor(readonly verdict: GuardVerdict) {
    super('deletion_guard', `deletion guard: ${verdict.message}`);
    this.name = 'DeletionGuardError';
  }
}
