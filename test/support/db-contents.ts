// What the sync owns in a Pocket ID database, normalised so two databases can
// be compared whatever row ids they gave: users and groups keyed by ldap_id,
// memberships and custom claims by their owners' ldap_ids, stored pictures by
// the marker of the source they were rendered from (src/pictures/png-marker.ts).
import { sql, type Kysely } from 'kysely';
import type { PocketIdSchema } from '../../src/db/schema.js';
import { readMarker } from '../../src/pictures/png-marker.js';

export interface UserFacts {
  username: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  admin: boolean;
  disabled: boolean;
  emailVerified: boolean;
}

export interface Contents {
  users: Map<string, UserFacts>;
  /** ldap_id → "name / friendly name". */
  groups: Map<string, string>;
  /** "group ldap_id → user ldap_id". */
  memberships: Set<string>;
  /** "user:<ldap_id>" or "group:<ldap_id>" → sorted "key=value". */
  claims: Map<string, string[]>;
  /** user ldap_id → the picture's marker ("none" without one). */
  pictures: Map<string, string>;
}

const bool = (v: unknown) => v === true || v === 1;

export async function readContents(db: Kysely<PocketIdSchema>): Promise<Contents> {
  const users = await db.selectFrom('users').selectAll().where('ldap_id', 'is not', null).execute();
  const groups = await db.selectFrom('user_groups').select(['ldap_id', 'name', 'friendly_name']).where('ldap_id', 'is not', null).execute();
  const memberships = await db
    .selectFrom('user_groups_users as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('user_groups as g', 'g.id', 'm.user_group_id')
    .select(['g.ldap_id as group', 'u.ldap_id as user'])
    .where('g.ldap_id', 'is not', null)
    .execute();
  const claims = await sql<{ owner: string; key: string; value: string }>`
    SELECT COALESCE('user:' || u.ldap_id, 'group:' || g.ldap_id) AS owner, c.key, c.value
    FROM custom_claims c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN user_groups g ON g.id = c.user_group_id
    WHERE u.ldap_id IS NOT NULL OR g.ldap_id IS NOT NULL`.execute(db);
  const stored = await sql<{ path: string; data: Buffer }>`SELECT path, data FROM storage WHERE path LIKE 'profile-pictures/%'`.execute(db);
  const pictureOf = new Map(stored.rows.map((r) => [r.path, readMarker(Buffer.from(r.data)) ?? 'none']));

  const contents: Contents = { users: new Map(), groups: new Map(), memberships: new Set(), claims: new Map(), pictures: new Map() };
  for (const u of users) {
    const ldapId = u.ldap_id as string;
    contents.users.set(ldapId, {
      username: u.username, email: u.email, firstName: u.first_name, lastName: u.last_name, displayName: u.display_name,
      admin: bool(u.is_admin), disabled: bool(u.disabled), emailVerified: bool(u.email_verified),
    });
    const picture = pictureOf.get(`profile-pictures/${u.id}.png`);
    if (picture !== undefined) contents.pictures.set(ldapId, picture);
  }
  for (const g of groups) contents.groups.set(g.ldap_id as string, `${g.name} / ${g.friendly_name}`);
  for (const m of memberships) contents.memberships.add(`${m.group} → ${m.user}`);
  for (const c of claims.rows) contents.claims.set(c.owner, [...(contents.claims.get(c.owner) ?? []), `${c.key}=${c.value}`].sort());
  return contents;
}

/**
 * What an incremental run without a deletion scan cannot know yet (see the
 * differential test's header): the rows of entries (ldap_id) that left the
 * directory's view since the last scan, and rows holding a username, email or
 * group name such a row holds on either side (the full run hands those over).
 * `memberships: false` also leaves memberships and admin flags out (a group
 * in a nested chain left the view).
 */
export interface Blur {
  users: Set<string>;
  groups: Set<string>;
  memberships: boolean;
}

export const NO_BLUR: Blur = { users: new Set(), groups: new Set(), memberships: true };

const groupName = (g: string) => g.split(' / ')[0]?.toLowerCase() ?? '';

function blurredIds(sides: Contents[], blur: Blur): { users: Set<string>; groups: Set<string> } {
  const names = new Set<string>();
  const groupNames = new Set<string>();
  for (const side of sides) {
    for (const id of blur.users) {
      const row = side.users.get(id);
      if (row) for (const name of [row.username, row.email ?? '']) names.add(name.toLowerCase());
    }
    for (const id of blur.groups) {
      const row = side.groups.get(id);
      if (row) groupNames.add(groupName(row));
    }
  }
  names.delete('');
  const users = new Set(blur.users);
  const groups = new Set(blur.groups);
  for (const side of sides) {
    for (const [id, u] of side.users) if (names.has(u.username.toLowerCase()) || names.has((u.email ?? '').toLowerCase())) users.add(id);
    for (const [id, g] of side.groups) if (groupNames.has(groupName(g))) groups.add(id);
  }
  return { users, groups };
}

function compareMaps<V>(what: string, a: Map<string, V>, b: Map<string, V>, skip: (key: string) => boolean, out: string[]): void {
  const show = (v: V | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (skip(key)) continue;
    const x = show(a.get(key));
    const y = show(b.get(key));
    if (x !== y) out.push(`${what} ${key}: incremental ${x}, full ${y}`);
  }
}

/** Every difference between the incremental run's database and the full run's, outside the blur; [] when equal. */
export function differences(incremental: Contents, full: Contents, blur: Blur = NO_BLUR): string[] {
  const out: string[] = [];
  const hidden = blurredIds([incremental, full], blur);
  const facts = (c: Contents) =>
    new Map([...c.users].map(([id, u]) => [id, blur.memberships ? u : { ...u, admin: 'not compared' }] as const));
  compareMaps('user', facts(incremental), facts(full), (id) => hidden.users.has(id), out);
  compareMaps('group', incremental.groups, full.groups, (id) => hidden.groups.has(id), out);
  const pairs = (c: Contents) => new Map([...c.memberships].map((m) => [m, true] as const));
  const pairBlurred = (m: string) => {
    const [group, user] = m.split(' → ');
    return !blur.memberships || hidden.groups.has(group ?? '') || hidden.users.has(user ?? '');
  };
  compareMaps('membership', pairs(incremental), pairs(full), pairBlurred, out);
  const ownerBlurred = (owner: string) => hidden.users.has(owner.slice('user:'.length)) || hidden.groups.has(owner.slice('group:'.length));
  compareMaps('claims of', incremental.claims, full.claims, ownerBlurred, out);
  compareMaps('picture of', incremental.pictures, full.pictures, (id) => hidden.users.has(id), out);
  return out;
}
