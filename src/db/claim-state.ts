import type { Kysely } from 'kysely';
import type { ClaimMappings, ClaimsByOwner, CurrentClaims } from '../sync/types.js';
import type { PocketIdSchema } from './schema.js';

/**
 * The claims the sync may own: the configured keys (retired ones included) on
 * LDAP users and LDAP groups. Claims of local users and groups, and other keys,
 * are never read, so no plan can touch them.
 */
export async function readOwnedClaims(db: Kysely<PocketIdSchema>, mappings: ClaimMappings): Promise<CurrentClaims> {
  const userKeys = mappings.user.map((m) => m.key);
  const groupKeys = mappings.group.map((m) => m.key);
  const [users, groups] = await Promise.all([
    userKeys.length === 0
      ? []
      : db
          .selectFrom('custom_claims as c')
          .innerJoin('users as u', 'u.id', 'c.user_id')
          .where('u.ldap_id', 'is not', null)
          .where('c.user_group_id', 'is', null)
          .where('c.key', 'in', userKeys)
          .select(['c.id', 'c.key', 'c.value', 'c.user_id as owner'])
          .execute(),
    groupKeys.length === 0
      ? []
      : db
          .selectFrom('custom_claims as c')
          .innerJoin('user_groups as g', 'g.id', 'c.user_group_id')
          .where('g.ldap_id', 'is not', null)
          .where('c.user_id', 'is', null)
          .where('c.key', 'in', groupKeys)
          .select(['c.id', 'c.key', 'c.value', 'c.user_group_id as owner'])
          .execute(),
  ]);
  return { users: byOwner(users), groups: byOwner(groups) };
}

function byOwner(rows: { id: string; key: string; value: string; owner: string | null }[]): ClaimsByOwner {
  const owners: ClaimsByOwner = new Map();
  for (const { id, key, value, owner } of rows) {
    if (owner === null) continue;
    let claims = owners.get(owner);
    if (!claims) owners.set(owner, (claims = new Map()));
    claims.set(key, { id, value });
  }
  return owners;
}
