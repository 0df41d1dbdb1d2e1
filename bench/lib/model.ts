/**
 * The benchmark directories, as a compact in-memory model: users by index,
 * groups with member user indices. Deterministic (seeded PRNG), so the same
 * workload always yields the same directory, and the "1 % changed" directory
 * is derived from it by mutate().
 */

import { prng } from '../../test/support/prng.js';

export type WorkloadName = 'M' | 'L';

export interface Workload {
  name: WorkloadName;
  users: number;
  groups: number;
  /** Target total of member values over all groups (admin and big groups included). */
  memberships: number;
  /** Sizes of the few very large groups. */
  bigGroups: number[];
  adminMembers: number;
}

export const WORKLOADS: Record<WorkloadName, Workload> = {
  L: { name: 'L', users: 100_000, groups: 5_000, memberships: 1_000_000, bigGroups: [20_000, 22_000, 25_000, 30_000, 40_000], adminMembers: 50 },
  M: { name: 'M', users: 10_000, groups: 500, memberships: 100_000, bigGroups: [2_000, 2_200, 2_500, 3_000, 4_000], adminMembers: 50 },
};

export const BASE_DN = 'dc=example,dc=com';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;
export const ADMIN_GROUP = 'admins';

export interface UserEntry {
  uid: string;
  givenName: string;
  sn: string;
  displayName: string;
  mail: string;
  uuid: string;
}

export interface GroupEntry {
  cn: string;
  uuid: string;
  kind: 'admin' | 'big' | 'regular';
  /** Indices into DirectoryModel.users, no duplicates. */
  members: number[];
}

export interface DirectoryModel {
  workload: Workload;
  /** undefined: the entry was deleted. */
  users: (UserEntry | undefined)[];
  groups: GroupEntry[];
}

const GIVEN = ['Anna', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kai', 'Lena', 'Marta', 'Noah', 'Olivia', 'Paul', 'Zoë', 'Søren'];
const FAMILY = ['Archer', 'Brown', 'Clark', 'Dubois', 'Evans', 'Fischer', 'García', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Müller', 'Nakamura', 'Olsen', 'Petrov', 'Quinn', 'Rossi', 'Schmidt'];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function userDn(user: UserEntry): string {
  return `uid=${user.uid},${PEOPLE_DN}`;
}

export function groupDn(group: GroupEntry): string {
  return `cn=${group.cn},${GROUPS_DN}`;
}

function makeUser(i: number, rand: () => number): UserEntry {
  const givenName = GIVEN[Math.floor(rand() * GIVEN.length)] ?? 'Anna';
  const sn = FAMILY[Math.floor(rand() * FAMILY.length)] ?? 'Archer';
  const uid = `u${pad(i + 1, 6)}`;
  return { uid, givenName, sn, displayName: `${givenName} ${sn}`, mail: `${uid}@example.com`, uuid: `10000000-0000-4000-8000-${pad(i + 1, 12)}` };
}

/** k distinct random integers in [0, n). */
function sample(n: number, k: number, rand: () => number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, n)) chosen.add(Math.floor(rand() * n));
  return [...chosen];
}

export function generate(workload: Workload, seed = 1): DirectoryModel {
  const rand = prng(seed);
  const users: UserEntry[] = [];
  for (let i = 0; i < workload.users; i++) users.push(makeUser(i, rand));

  const groups: GroupEntry[] = [];
  const groupUuid = (g: number) => `20000000-0000-4000-8000-${pad(g + 1, 12)}`;
  groups.push({ cn: ADMIN_GROUP, uuid: groupUuid(0), kind: 'admin', members: sample(workload.users, workload.adminMembers, rand).sort((a, b) => a - b) });
  workload.bigGroups.forEach((size, b) => {
    groups.push({ cn: `all-staff-${b + 1}`, uuid: groupUuid(groups.length), kind: 'big', members: sample(workload.users, size, rand).sort((a, b2) => a - b2) });
  });
  const firstRegular = groups.length;
  const regularCount = workload.groups - firstRegular;
  for (let g = 0; g < regularCount; g++) groups.push({ cn: `grp-${pad(g + 1, 5)}`, uuid: groupUuid(groups.length), kind: 'regular', members: [] });

  // The rest of the memberships over the regular groups: every user gets
  // `base` or `base + 1` of them, spread with a mild skew so group sizes vary
  // (a few hundred to about a thousand and more on L).
  const fixed = workload.adminMembers + workload.bigGroups.reduce((a, b) => a + b, 0);
  const rest = workload.memberships - fixed;
  const base = Math.floor(rest / workload.users);
  const extra = rest - base * workload.users;
  for (let u = 0; u < workload.users; u++) {
    const k = base + (u < extra ? 1 : 0);
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(Math.floor(regularCount * rand() ** 1.3));
    for (const g of chosen) groups[firstRegular + g]?.members.push(u);
  }
  for (const group of groups) {
    if (group.members.length === 0) throw new Error(`generated group ${group.cn} has no members (groupOfNames needs one)`);
  }
  return { workload, users, groups };
}

export function membershipCount(model: DirectoryModel): number {
  return model.groups.reduce((n, g) => n + g.members.length, 0);
}

export function liveUserCount(model: DirectoryModel): number {
  return model.users.reduce((n, u) => n + (u ? 1 : 0), 0);
}

export interface ChangeCounts {
  removed: number;
  displayNameChanged: number;
  uidRenamed: number;
  emailChanged: number;
  membershipMoves: number;
}

/**
 * 1 % of the users change: 0.5 % are deleted (and leave their groups, as
 * refint would do), the other 0.5 % are split over display-name changes,
 * username renames (a new RDN, so every group's member DN changes too),
 * email changes and membership moves (leave one regular group, join another).
 */
export function mutate(model: DirectoryModel, seed = 2): { model: DirectoryModel; counts: ChangeCounts } {
  const rand = prng(seed);
  const n = model.workload.users;
  const admins = new Set(model.groups.find((g) => g.kind === 'admin')?.members ?? []);
  const removedCount = Math.round(n * 0.005);
  const changedCount = Math.round(n * 0.005);
  const picked = new Set<number>();
  const pick = (count: number): number[] => {
    const out: number[] = [];
    while (out.length < count) {
      const u = Math.floor(rand() * n);
      if (picked.has(u) || admins.has(u) || !model.users[u]) continue;
      picked.add(u);
      out.push(u);
    }
    return out;
  };
  const removed = pick(removedCount);
  const displayNameChanged = pick(Math.round(changedCount * 0.2));
  const uidRenamed = pick(Math.round(changedCount * 0.1));
  const emailChanged = pick(Math.round(changedCount * 0.3));
  const moved = pick(changedCount - displayNameChanged.length - uidRenamed.length - emailChanged.length);

  const users = [...model.users];
  const groups = model.groups.map((g) => ({ ...g, members: [...g.members] }));
  for (const u of displayNameChanged) {
    const user = users[u];
    if (user) users[u] = { ...user, sn: `${user.sn}-Renamed`, displayName: `${user.givenName} ${user.sn}-Renamed` };
  }
  for (const u of uidRenamed) {
    const user = users[u];
    if (user) users[u] = { ...user, uid: `${user.uid}r` };
  }
  for (const u of emailChanged) {
    const user = users[u];
    if (user) users[u] = { ...user, mail: `${user.uid}.new@corp.example.com` };
  }
  const removedSet = new Set(removed);
  for (const u of removed) users[u] = undefined;
  for (const group of groups) {
    if (group.members.some((m) => removedSet.has(m))) group.members = group.members.filter((m) => !removedSet.has(m));
  }
  const regular = groups.filter((g) => g.kind === 'regular');
  let moves = 0;
  for (const u of moved) {
    const from = regular.filter((g) => g.members.includes(u));
    const source = from[Math.floor(rand() * from.length)];
    if (!source || source.members.length < 2) continue;
    let target: GroupEntry | undefined;
    for (let tries = 0; tries < 100 && !target; tries++) {
      const candidate = regular[Math.floor(rand() * regular.length)];
      if (candidate && !candidate.members.includes(u)) target = candidate;
    }
    if (!target) continue;
    source.members = source.members.filter((m) => m !== u);
    target.members.push(u);
    moves += 1;
  }
  return {
    model: { workload: model.workload, users, groups },
    counts: {
      removed: removed.length,
      displayNameChanged: displayNameChanged.length,
      uidRenamed: uidRenamed.length,
      emailChanged: emailChanged.length,
      membershipMoves: moves,
    },
  };
}
