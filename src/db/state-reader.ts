import type { Kysely } from 'kysely';
import type { ClaimMappings, CurrentState } from '../sync/types.js';
import { readOwnedClaims } from './claim-state.js';
import type { PocketIdSchema } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

// Both drivers hand booleans back in their own way: true/false or 1/0.
const bool = (value: boolean | number): boolean => value === true || value === 1;

/**
 * Reads every user and group and every membership, through any Kysely
 * executor. Each user row carries its group ids, joined in ascending order:
 * a million membership rows cost the driver a second to parse, 100,000
 * strings far less. Read along the primary key (user_id, user_group_id), one
 * index range per user, neither database sorts them (grouped by group, SQLite
 * sorted a million rows in a temporary b-tree: about 1.4 s of CPU at L), and
 * the string is keyed by the user's own id string, so the plan's lookups match
 * by identity. All groups are read, not only LDAP ones: filtering would probe
 * user_groups once per membership and double the cost; the plan ignores the others.
 */
export async function readCurrentState(db: Kysely<PocketIdSchema>, dialect: SqlDialect, claims?: ClaimMappings): Promise<CurrentState> {
  const [users, groups, ownedClaims] = await Promise.all([
    db
      .selectFrom('users as u')
      .select(['u.id', 'u.username', 'u.email', 'u.first_name', 'u.last_name', 'u.display_name', 'u.is_admin', 'u.email_verified', 'u.disabled', 'u.ldap_id'])
      .select((eb) =>
        eb.selectFrom('user_groups_users as m').whereRef('m.user_id', '=', 'u.id').select(dialect.joinIds('m.user_group_id').as('ids')).as('group_ids'),
      )
      .execute(),
    db.selectFrom('user_groups').select(['id', 'name', 'friendly_name', 'ldap_id']).execute(),
    claims ? readOwnedClaims(db, dialect, claims) : undefined,
  ]);
  const memberships = new Map<string, string>();
  for (const { id, group_ids } of users) if (group_ids !== null) memberships.set(id, group_ids);
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
    memberships,
    ...(ownedClaims ? { claims: ownedClaims } : {}),
  };
}
