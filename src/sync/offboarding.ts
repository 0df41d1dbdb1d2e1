import type { SyncPlan } from './types.js';

/** A user a plan takes access away from. */
export interface OffboardedUser {
  id: string;
  username: string;
  how: 'disabled' | 'deleted';
}

/**
 * The users a plan disables or deletes: gone from the directory (soft or hard
 * delete) or marked disabled there (LDAP_SYNC_DISABLED_ACCOUNTS). Their OAuth2
 * credentials are revoked in the same commit. A user created already disabled
 * has none, and a user who was disabled before this run is not listed again.
 */
export function offboardedUsers(plan: SyncPlan): OffboardedUser[] {
  const { users } = plan;
  return [
    ...users.disable.map((u) => ({ id: u.id, username: u.username, how: 'disabled' as const })),
    ...users.update.filter((u) => !u.before.disabled && u.after.disabled).map((u) => ({ id: u.id, username: u.after.username, how: 'disabled' as const })),
    ...users.delete.map((u) => ({ id: u.id, username: u.username, how: 'deleted' as const })),
  ];
}

/** Rows revoked for one user and one kind of credential (the database's count). */
export interface CredentialCount {
  userId: string;
  kind: string;
  rows: number;
}

/** What a run revoked (or a dry run would): in the summary, the job line and the metrics. */
export interface RevocationSummary {
  /** Every offboarded user, with the credential rows revoked for them (0: they had none). */
  users: { username: string; how: OffboardedUser['how']; rows: number }[];
  rows: number;
  byKind: Record<string, number>;
}

export function summarizeRevocation(offboarded: OffboardedUser[], counts: CredentialCount[]): RevocationSummary {
  const perUser = new Map<string, number>();
  const byKind: Record<string, number> = {};
  let rows = 0;
  for (const count of counts) {
    perUser.set(count.userId, (perUser.get(count.userId) ?? 0) + count.rows);
    byKind[count.kind] = (byKind[count.kind] ?? 0) + count.rows;
    rows += count.rows;
  }
  return { users: offboarded.map((u) => ({ username: u.username, how: u.how, rows: perUser.get(u.id) ?? 0 })), rows, byKind };
}
