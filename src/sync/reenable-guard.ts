// The re-enable guard: the mirror image of the deletion guard. A disabled flag
// or an admin group that the bind account may not read looks exactly like
// "everyone was unlocked" or "nobody is admin any more"; re-enabling leavers
// is a security failure, so such a plan is refused as a whole.
import { allowed, describe, GUARD_FLOOR, type DeleteThreshold, type GuardVerdict } from './deletion-guard.js';
import { SyncFailure } from './failure.js';
import type { CurrentState, SyncPlan } from './types.js';

/** What the read saw of the attributes whose absence would re-enable or un-admin someone. */
export interface ReEnableFacts {
  /** LDAP_SYNC_DISABLED_ACCOUNTS: absence of the disabled flag re-enables. */
  disabledAccounts: boolean;
  /** The disabled-flag attributes asked for, for messages. */
  flagAttributes: readonly string[];
  /** User entries that carried any of them (with a value). */
  entriesWithFlag: number;
  adminGroupName: string;
  /** LDAP_ATTRIBUTE_GROUP_MEMBER, for messages. */
  memberAttribute: string;
  bindDn: string;
}

/** Users whose row this plan re-enables or takes the admin flag from. */
export function countReEnables(plan: SyncPlan): { reEnabled: number; unAdmined: number; users: number } {
  let reEnabled = 0;
  let unAdmined = 0;
  let users = 0;
  for (const { before, after } of plan.users.update) {
    const enables = before.disabled && !after.disabled;
    const unAdmins = before.isAdmin && !after.isAdmin;
    if (enables) reEnabled += 1;
    if (unAdmins) unAdmined += 1;
    if (enables || unAdmins) users += 1;
  }
  return { reEnabled, unAdmined, users };
}

/** Directory admins that stay in the directory, before and after the plan. */
function directoryAdmins(plan: SyncPlan, state: CurrentState): { before: number; after: number } {
  const removed = new Set([...plan.users.disable, ...plan.users.delete].map((u) => u.id));
  const updated = new Map(plan.users.update.map((u) => [u.id, u.after]));
  let before = 0;
  let after = plan.users.create.filter((u) => u.isAdmin).length;
  for (const row of state.users) {
    if (row.ldapId === null || removed.has(row.id)) continue;
    if (row.isAdmin) before += 1;
    if ((updated.get(row.id) ?? row).isAdmin) after += 1;
  }
  return { before, after };
}

const ONE_RUN = '`sync --allow-mass-reenable`';
const OVERRIDE = `if this is really what happened, let this one run pass with ${ONE_RUN}`;

function hiddenFlag(facts: ReEnableFacts, reEnabled: number): GuardVerdict | null {
  if (!facts.disabledAccounts || facts.entriesWithFlag > 0 || reEnabled === 0) return null;
  const names = facts.flagAttributes.join(', ');
  return {
    message:
      `no user entry carries any of ${names} while this run would re-enable ${reEnabled} directory users Pocket ID holds disabled ` +
      `(LDAP_SYNC_DISABLED_ACCOUNTS=true): the bind account ${facts.bindDn} may not be allowed to read the attribute. ` +
      `Grant it read and search on the attribute your directory uses (389-ds: an ACI with targetattr="nsAccountLock"; ` +
      `OpenLDAP: olcAccess to attrs=nsAccountLock by dn.exact="${facts.bindDn}" read; Active Directory: read userAccountControl), ` +
      `or ${OVERRIDE}; nothing was changed`,
  };
}

function adminGroupEmpty(facts: ReEnableFacts, admins: { before: number; after: number }): GuardVerdict | null {
  if (facts.adminGroupName === '' || admins.before === 0 || admins.after > 0) return null;
  return {
    message:
      `the admin group "${facts.adminGroupName}" resolves to nobody while Pocket ID has ${admins.before} directory admins: ` +
      `the bind account ${facts.bindDn} may not be allowed to read the group or its ${facts.memberAttribute} attribute ` +
      `(check the group search and the ACL on ${facts.memberAttribute}, LDAP_ADMIN_GROUP_NAME and LDAP_ATTRIBUTE_GROUP_MEMBER), ` +
      `or ${OVERRIDE}; nothing was changed`,
  };
}

/**
 * Refuses a plan that re-enables or un-admins more directory users than the
 * threshold allows (same syntax and floor as the deletion guard), or that
 * rests on an attribute nobody in the directory seems to carry.
 */
export function checkReEnableGuard(plan: SyncPlan, state: CurrentState, threshold: DeleteThreshold, facts: ReEnableFacts): GuardVerdict | null {
  const counts = countReEnables(plan);
  const inferred = hiddenFlag(facts, counts.reEnabled) ?? adminGroupEmpty(facts, directoryAdmins(plan, state));
  if (inferred) return inferred;
  const managed = plan.managed.users;
  const limit = allowed(threshold, managed);
  const tooMany = threshold.kind === 'count' ? counts.users > limit : counts.users > GUARD_FLOOR && counts.users > limit;
  if (!tooMany) return null;
  return {
    message:
      `this run would re-enable ${counts.reEnabled} and take the admin flag from ${counts.unAdmined} of ${managed} directory users ` +
      `(${counts.users} users), more than LDAP_SYNC_REENABLE_THRESHOLD=${describe(threshold)} allows (${limit}); nothing was changed ` +
      `(override with LDAP_SYNC_REENABLE_THRESHOLD or, for one run, ${ONE_RUN})`,
  };
}

export class ReEnableGuardError extends SyncFailure {
  constructor(readonly verdict: GuardVerdict) {
    super('reenable_guard', `re-enable guard: ${verdict.message}`);
    this.name = 'ReEnableGuardError';
  }
}
