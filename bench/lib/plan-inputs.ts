// plan()'s two inputs built from a benchmark model without any server: the
// snapshot as the reader makes it, and the state as the database returns it
// after a sync of that snapshot. For bench/plan-alone.ts.
import { createHash } from 'node:crypto';
import { prng } from '../../test/support/prng.js';
import { plan } from '../../src/sync/plan.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import type { CurrentState, PlanOptions, SyncPlan } from '../../src/sync/types.js';
import { ADMIN_GROUP, groupDn, userDn, type DirectoryModel } from './model.js';

export const BENCH_PLAN_OPTIONS: PlanOptions = { adminGroupName: ADMIN_GROUP, softDeleteUsers: true, requireUserEmail: false };

/** A string with the same text and a storage of its own, as a driver or a decoder hands it over (never an interned literal). */
const fresh = (text: string): string => Buffer.from(text, 'utf8').toString('utf8');

/** Version-4-shaped ids from a seeded PRNG: random order like randomUUID's, the same on every run. */
export function seededIds(seed: number): () => string {
  const rand = prng(seed);
  const hex = (digits: number) => {
    let out = '';
    for (let k = 0; k < digits; k++) out += Math.floor(rand() * 16).toString(16);
    return out;
  };
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

/**
 * The snapshot the reader makes of `model`: decoded strings, member
 * usernames that are the user entries' own username strings (the resolver
 * hands out the string it remembered for the DN), and with `entryHints` each
 * member's entry index (DirectoryGroup.memberEntries), as a full read records them.
 */
export function snapshotOf(model: DirectoryModel, entryHints = true): DirectorySnapshot {
  const users: DirectoryUser[] = [];
  const usernames: string[] = [];
  const entryOf: number[] = [];
  model.users.forEach((entry, u) => {
    if (!entry) return;
    const user: DirectoryUser = {
      dn: fresh(userDn(entry)),
      ldapId: fresh(entry.uuid),
      username: fresh(entry.uid),
      email: fresh(entry.mail),
      firstName: fresh(entry.givenName),
      lastName: fresh(entry.sn),
      displayName: fresh(entry.displayName),
    };
    usernames[u] = user.username;
    entryOf[u] = users.length;
    users.push(user);
  });
  const groups: DirectoryGroup[] = model.groups.map((group) => ({
    dn: fresh(groupDn(group)),
    ldapId: fresh(group.uuid),
    name: fresh(group.cn),
    memberUsernames: group.members.map((u) => usernames[u] as string),
    ...(entryHints ? { memberEntries: group.members.map((u) => entryOf[u] as number) } : {}),
  }));
  return { users, groups, unresolvedMembers: [], stats: { pages: 0, memberLookups: 0, readMs: 0 } };
}

export const EMPTY_STATE: CurrentState = { users: [], groups: [], memberships: new Map() };

const byId = <T extends { id: string }>(rows: T[]): T[] => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * The state after the initial sync of `snapshot` (plus one local user and one
 * local group, as a real instance has), every string its own copy, and the
 * memberships keyed by the user's own id string, as the state reader does.
 * Rows in `'id'` order are as both databases hand them over after that sync:
 * the local rows first (they were there before it), then the LDAP rows in
 * the order it inserted them, by id (src/db/apply.ts). `'directory'`: the LDAP
 * rows in entry order, the local ones last (the digests recorded before the
 * order was known).
 */
export function stateAfterSync(snapshot: DirectorySnapshot, rowOrder: 'id' | 'directory' = 'id'): CurrentState {
  const initial = plan(snapshot, EMPTY_STATE, BENCH_PLAN_OPTIONS, seededIds(1));
  const created = rowOrder === 'id' ? { users: byId(initial.users.create), groups: byId(initial.groups.create) } : { users: initial.users.create, groups: initial.groups.create };
  const users: CurrentState['users'] = created.users.map((u) => ({
    id: fresh(u.id), ldapId: fresh(u.ldapId), username: fresh(u.username), email: u.email === null ? null : fresh(u.email),
    firstName: fresh(u.firstName), lastName: fresh(u.lastName), displayName: fresh(u.displayName),
    isAdmin: u.isAdmin, emailVerified: u.emailVerified, disabled: u.disabled,
  }));
  const localUser = { id: fresh('00000000-0000-4000-a000-00000000aaaa'), ldapId: null, username: 'local.admin', email: 'admin@local.example', firstName: 'Local', lastName: 'Admin', displayName: 'Local Admin', isAdmin: true, emailVerified: true, disabled: false };
  const groups: CurrentState['groups'] = created.groups.map((g) => ({ id: fresh(g.id), ldapId: fresh(g.ldapId), name: fresh(g.name), friendlyName: fresh(g.friendlyName) }));
  const localGroup = { id: fresh('00000000-0000-4000-a000-00000000bbbb'), ldapId: null, name: 'local-group', friendlyName: 'Local group' };
  if (rowOrder === 'id') {
    users.unshift(localUser);
    groups.unshift(localGroup);
  } else {
    users.push(localUser);
    groups.push(localGroup);
  }
  const groupsOf = new Map<string, string[]>();
  for (const { userId, groupId } of initial.memberships.add) {
    const list = groupsOf.get(userId) ?? [];
    list.push(groupId);
    groupsOf.set(userId, list);
  }
  groupsOf.set(localUser.id, [localGroup.id]);
  // In the order of the user rows, as the state reader fills it.
  const memberships = new Map<string, string>();
  for (const { id } of users) {
    const ids = groupsOf.get(id);
    if (ids) memberships.set(id, fresh(ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(',')));
  }
  return { users, groups, memberships };
}

/** A digest of everything a plan says, element by element (an initial plan of L is too big for one JSON string). */
export function planDigest(result: SyncPlan): string {
  const hash = createHash('sha256');
  // JSON.stringify(undefined) is undefined, which hash.update refuses: a field left undefined is fed as its name.
  const text = (value: unknown) => JSON.stringify(value) ?? 'undefined';
  const feed = (value: unknown) => {
    if (Array.isArray(value)) {
      hash.update(`[${value.length}`);
      for (const item of value) hash.update(text(item));
      hash.update(']');
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        hash.update(`${key}:`);
        feed(inner);
      }
    } else {
      hash.update(text(value));
    }
  };
  feed(result);
  return hash.digest('hex').slice(0, 16);
}
