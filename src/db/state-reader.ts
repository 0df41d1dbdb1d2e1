import type { Kysely } from 'kysely';
import type { ClaimMappings, CurrentState } from '../sync/types.js';
import { readOwnedClaims } from './claim-state.js';
import type { PocketIdSchema } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

// Both drivers hand booleans back in their own way: true/false or 1/0.
const bool = (value: boolean | number): boolean => value === true || value === 1;

/**
 * Reads every user and group and the members of LDAP groups, through any
 * Kysely executor. Members come back as one comma-joined id list per group:
 * a million membership rows cost the driver a second to parse, 5,000
 * strings a few milliseconds.
 */
export async function readCurrentState(db: Kysely<PocketIdSchema>, dialect: SqlDialect, claims?: ClaimMappings): Promise<CurrentState> {
  const memberIds = dialect.joinIds('m.user_id');
  const [users, groups, memberships, ownedClaims] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username', 'email', 'first_name', 'last_name', 'display_name', 'is_admin', 'email_verified', 'disabled', 'ldap_id'])
      .execute(),
    db.selectFrom('user_groups').select(['id', 'name', 'friendly_name', 'ldap_id']).execute(),
    db
      .selectFrom('user_groups_users as m')
      .innerJoin('user_groups as g', 'g.id', 'm.user_group_id')
      .where('g.ldap_id', 'is not', null)
      .groupBy('m.user_group_id')
      .select(['m.user_group_id', memberIds.as('user_ids')])
      .execute(),
    claims ? readOwnedClaims(db, dialect, claims) : undefined,
  ]);
  const members = new Map<string, Set<string>>();
  for (const { user_group_id, user_ids } of memberships) members.set(user_group_id, new Set(user_ids.split(',')));
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
