import type { Kysely } from 'kysely';
import type { ClaimMappings, CurrentState } from '../sync/types.js';
import { readOwnedClaims } from './claim-state.js';
import type { PocketIdSchema } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

// Both drivers hand booleans back in their own way: true/false or 1/0.
const bool = (value: boolean | number): boolean => value === true || value === 1;

/**
 * Reads every user and group and every membership, through any Kysely
 * executor. Memberships come back as one row per user, its group ids joined
 * in ascending order: a million membership rows cost the driver a second to
 * parse, and grouped by user they follow the primary key (user_id,
 * user_group_id), so neither database sorts them (grouped by group, SQLite
 * sorted a million rows in a temporary b-tree: about 1.4 s of CPU at L). All
 * groups are read, not only LDAP ones: filtering would probe user_groups once
 * per membership and double the cost, and the plan ignores other groups.
 */
export async function readCurrentState(db: Kysely<PocketIdSchema>, dialect: SqlDialect, claims?: ClaimMappings): Promise<CurrentState> {
  const groupIds = dialect.joinIds('m.user_group_id');
  const [users, groups, memberships, ownedClaims] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username', 'email', 'first_name', 'last_name', 'display_name', 'is_admin', 'email_verified', 'disabled', 'ldap_id'])
      .execute(),
    db.selectFrom('user_groups').select(['id', 'name', 'friendly_name', 'ldap_id']).execute(),
    db.selectFrom('user_groups_users as m').groupBy('m.user_id').select(['m.user_id', groupIds.as('group_ids')]).execute(),
    claims ? readOwnedClaims(db, dialect, claims) : undefined,
  ]);
  const members = new Map<string, string>();
  for (const { user_id, group_ids } of memberships) members.set(user_id, group_ids);
  return {
    users: users.map((u) => ({
      id: u.id,
      ldapId: u.ldap_id,
      username: u.username,
      email: u.email,
      firstName: u.first_name ?? '',
      lastName: u.last_name ?? '',
      displayName: u.display_name,
      isAdmin: bool(u.is_admin),
      emailVerified: bool(u.email_verified),
      disabled: bool(u.disabled),
    })),
    groups: groups.map((g) => ({ id: g.id, ldapId: g.ldap_id, name: g.name, friendlyName: g.friendly_name })),
    memberships: members,
    ...(ownedClaims ? { claims: ownedClaims } : {}),
  };
}
