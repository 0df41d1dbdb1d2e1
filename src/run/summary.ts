import type { PictureSummary } from '../pictures/sync-pictures.js';
import type { RevocationSummary } from '../sync/offboarding.js';
import type { Skip, SkipReason, SyncPlan } from '../sync/types.js';

export interface SyncSummary {
  users: { created: number; updated: number; disabled: number; reEnabled: number; deleted: number; unchanged: number; skipped: number };
  groups: { created: number; updated: number; deleted: number; unchanged: number; skipped: number };
  memberships: { added: number; removed: number };
  skipsByReason: Partial<Record<SkipReason, number>>;
  skips: Skip[];
  /** Custom claim rows of LDAP users and groups; set by runSync when claims are configured. */
  claims?: ClaimSummary;
  /** Set by runSync after the commit when LDAP_ATTRIBUTE_USER_PROFILE_PICTURE is configured. */
  pictures?: PictureSummary;
  /** Set by runSync when LDAP_SYNC_REVOKE_SESSIONS is on and the schema allows it. */
  sessions?: RevocationSummary;
}

export interface ClaimSummary {
  created: number;
  updated: number;
  deleted: number;
  /** Claims left as they were because their value could not be used. */
  skipped: number;
}

export function summarizeClaims(plan: SyncPlan): ClaimSummary {
  const { users, groups } = plan.claims;
  return {
    created: users.create.length + groups.create.length,
    updated: users.update.length + groups.update.length,
    deleted: users.delete.length + groups.delete.length,
    skipped: plan.skips.filter((s) => s.kind === 'claim').length,
  };
}

export function summarize(plan: SyncPlan): SyncSummary {
  const { users, groups, memberships, skips } = plan;
  // A returning user whose other fields also changed counts as re-enabled and as updated.
  const reEnabled = users.update.filter((u) => u.before.disabled && !u.after.disabled).length;
  // Disabled in the directory (LDAP_SYNC_DISABLED_ACCOUNTS): counted with the users that left LDAP.
  const disabledByDirectory = users.update.filter((u) => !u.before.disabled && u.after.disabled).length;
  const updated = users.update.filter((u) => u.changed.some((field) => field !== 'disabled')).length;
  const skipsByReason: Partial<Record<SkipReason, number>> = {};
  for (const skip of skips) skipsByReason[skip.reason] = (skipsByReason[skip.reason] ?? 0) + 1;
  return {
    users: {
      created: users.create.length,
      updated,
      disabled: users.disable.length + disabledByDirectory,
      reEnabled,
      deleted: users.delete.length,
      unchanged: users.unchanged,
      skipped: skips.filter((s) => s.kind === 'user').length,
    },
    groups: {
      created: groups.create.length,
      updated: groups.update.length,
      deleted: groups.delete.length,
      unchanged: groups.unchanged,
      skipped: skips.filter((s) => s.kind === 'group').length,
    },
    memberships: { added: memberships.add.length, removed: memberships.remove.length },
    skipsByReason,
    skips,
  };
}

/** The counts as flat key=value fields, for the one summary log line. */
export function summaryFields(summary: SyncSummary): Record<string, number> {
  const { users: u, groups: g, memberships: m } = summary;
  return {
    usersCreated: u.created,
    usersUpdated: u.updated,
    usersDisabled: u.disabled,
    usersReEnabled: u.reEnabled,
    usersDeleted: u.deleted,
    usersUnchanged: u.unchanged,
    usersSkipped: u.skipped,
    groupsCreated: g.created,
    groupsUpdated: g.updated,
    groupsDeleted: g.deleted,
    groupsUnchanged: g.unchanged,
    groupsSkipped: g.skipped,
    membershipsAdded: m.added,
    membershipsRemoved: m.removed,
    memberSkips: summary.skips.filter((s) => s.kind === 'member').length,
    ...(summary.sessions ? { sessionsRevoked: summary.sessions.rows, sessionsRevokedUsers: summary.sessions.users.filter((u) => u.rows > 0).length } : {}),
    ...(summary.claims
      ? {
          claimsCreated: summary.claims.created,
          claimsUpdated: summary.claims.updated,
          claimsDeleted: summary.claims.deleted,
          claimSkips: summary.claims.skipped,
        }
      : {}),
    ...(summary.pictures
      ? {
          picturesWritten: summary.pictures.written,
          picturesUnchanged: summary.pictures.unchanged,
          picturesFailed: summary.pictures.failed,
          picturesDeleted: summary.pictures.deleted,
        }
      : {}),
  };
}

/** The summary of a run: the plan's counts, its claims when configured, and what the picture and session steps did. */
export function runSummary(plan: SyncPlan, scope: { claims?: unknown }, pictures: PictureSummary | undefined, sessions: RevocationSummary | undefined): SyncSummary {
  const summary = summarize(plan);
  if (scope.claims) summary.claims = summarizeClaims(plan);
  if (pictures) summary.pictures = pictures;
  if (sessions) summary.sessions = sessions;
  return summary;
}
