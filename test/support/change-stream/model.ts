// The test's own picture of a directory under a random change stream: which
// users and groups exist, where, with which values, and what each group's
// member values point at. The generator (generator.ts) reads it to choose
// changes that the directory accepts and updates it as it emits them; a flavour
// (flavour.ts) spells it for one kind of server. It predicts no sync result:
// the reference is always a full run.
import { prng } from '../prng.js';

/** people and staff lie inside the sync's base; archive outside it (a move there leaves the base). */
export type Ou = 'people' | 'staff' | 'archive';

export interface ModelUser {
  key: number;
  uid: string;
  ou: Ou;
  givenName: string;
  sn: string;
  displayName: string;
  mail: string;
  disabled: boolean;
  /** Carries description=hidden, which the user filter excludes. */
  hidden: boolean;
  exists: boolean;
  department: string | null;
  employee: string | null;
  phones: string[];
  /** Index into the flavour's pictures; null: no picture attribute. */
  picture: number | null;
}

/** A member value: a user's or group's current DN, or a DN no entry has (slapd only, without referential integrity). */
export type MemberRef = { user: number } | { group: number } | { dn: string };

export interface ModelGroup {
  key: number;
  cn: string;
  hidden: boolean;
  exists: boolean;
  members: MemberRef[];
  costCentre: string | null;
  units: string[];
}

export const ADMIN_GROUP = 'admins';

const GIVEN = ['Anna', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kai', 'Lena', 'Zoë', 'Søren'];
const FAMILY = ['Archer', 'Brown', 'Dubois', 'Fischer', 'García', 'Hansen', 'Ito', 'Müller', 'Nakamura', 'Olsen', 'Rossi', 'Schmidt'];

export class DirectoryModel {
  readonly users: ModelUser[] = [];
  readonly groups: ModelGroup[] = [];
  private counter = 0;

  constructor(readonly rand: () => number) {}

  chance(p: number): boolean {
    return this.rand() < p;
  }

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }

  /** A number never handed out before, for values that must differ from all earlier ones. */
  next(): number {
    this.counter += 1;
    return this.counter;
  }

  existingUsers(): ModelUser[] {
    return this.users.filter((u) => u.exists);
  }

  existingGroups(): ModelGroup[] {
    return this.groups.filter((g) => g.exists);
  }

  adminGroup(): ModelGroup | undefined {
    return this.groups.find((g) => g.exists && g.cn === ADMIN_GROUP);
  }

  /** What a full run can see: the entry exists, lies in the base and matches the filter. */
  userVisible(u: ModelUser): boolean {
    return u.exists && u.ou !== 'archive' && !u.hidden;
  }

  groupVisible(g: ModelGroup): boolean {
    return g.exists && !g.hidden;
  }

  /** Usernames, mail addresses and group names stay unique among existing entries (Samba enforces it; slapd's tie-breaks are not what is tested). */
  uidFree(uid: string): boolean {
    const key = uid.toLowerCase();
    return !this.users.some((u) => u.exists && u.uid.toLowerCase() === key) && !this.groups.some((g) => g.exists && g.cn.toLowerCase() === key);
  }

  mailFree(mail: string): boolean {
    return !this.users.some((u) => u.exists && u.mail.toLowerCase() === mail.toLowerCase());
  }

  /** A username: mostly from a small pool, so a deleted user's name comes back now and then. */
  freshUid(): string {
    for (;;) {
      const uid = this.chance(0.6) ? `user${this.int(80) + 1}` : `${this.pick(GIVEN)?.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${this.next()}`;
      if (this.uidFree(uid)) return uid;
    }
  }

  freshMail(uid: string): string {
    for (;;) {
      const mail = this.chance(0.3) ? `${uid}@example.com` : `${uid}.${this.next()}@example.com`;
      if (this.mailFree(mail)) return mail;
    }
  }

  freshGroupName(): string {
    for (;;) {
      const cn = this.chance(0.5) ? `team${this.int(30) + 1}` : `team-${this.next()}`;
      if (this.uidFree(cn)) return cn;
    }
  }

  newUser(uid: string, ou: Ou): ModelUser {
    const givenName = this.pick(GIVEN) ?? 'Anna';
    const sn = this.pick(FAMILY) ?? 'Archer';
    const user: ModelUser = {
      key: this.users.length, uid, ou, givenName, sn, displayName: `${givenName} ${sn}`, mail: this.freshMail(uid),
      disabled: false, hidden: false, exists: true, department: null, employee: null, phones: [], picture: null,
    };
    this.users.push(user);
    return user;
  }

  newGroup(cn: string, members: MemberRef[]): ModelGroup {
    const group: ModelGroup = { key: this.groups.length, cn, hidden: false, exists: true, members, costCentre: null, units: [] };
    this.groups.push(group);
    return group;
  }

  /** Groups with a member value pointing at this user or group. */
  referencing(ref: { user: number } | { group: number }): ModelGroup[] {
    return this.existingGroups().filter((g) => g.members.some((m) => sameRef(m, ref)));
  }
}

export function sameRef(a: MemberRef, b: MemberRef): boolean {
  if ('user' in a) return 'user' in b && a.user === b.user;
  if ('group' in a) return 'group' in b && a.group === b.group;
  return 'dn' in b && a.dn.toLowerCase() === b.dn.toLowerCase();
}

export interface ModelSize {
  users: number;
  groups: number;
}

/** The starting directory: users in people and staff, a few groups with members, an admin group, some nesting. */
export function initialModel(seed: number, size: ModelSize): DirectoryModel {
  const model = new DirectoryModel(prng(seed));
  for (let i = 0; i < size.users; i++) {
    const user = model.newUser(model.freshUid(), model.chance(0.8) ? 'people' : 'staff');
    if (model.chance(0.3)) user.department = model.pick(['R&D', 'Sales', 'Ops']) ?? null;
    if (model.chance(0.2)) user.phones = ['+49 30 1234', '+49 30 5678'].slice(0, model.int(2) + 1);
  }
  const sample = (n: number) => [...new Set(Array.from({ length: n }, () => model.int(size.users)))].map((user) => ({ user }));
  model.newGroup(ADMIN_GROUP, sample(3));
  for (let g = 1; g < size.groups; g++) model.newGroup(model.freshGroupName(), sample(2 + model.int(8)));
  // A little nesting to start from: group 2 in group 1, group 1 in the admin group.
  if (size.groups > 2) {
    model.groups[1]?.members.push({ group: 2 });
    model.groups[0]?.members.push({ group: 1 });
  }
  return model;
}
