// Which entries a run without a deletion scan cannot know have gone: those a
// run has seen since the last scan that are no longer in the view now
// (deleted, moved out of the base, out of the filter), by ldap_id as the
// directory gave it (the rows of an entry whose values Pocket ID refuses keep
// old names, so names would not find them).
import type { Blur } from '../db-contents.js';
import type { DirectoryModel } from './model.js';

export class ViewTracker {
  private users = new Set<number>();
  private groups = new Set<number>();
  /** Each entry's ldap_id, by "user:<key>" or "group:<key>", once the directory has given it. */
  private readonly ids = new Map<string, string>();

  constructor(private readonly model: DirectoryModel) {}

  /** After a batch: the ids of existing entries, from a read of the directory (DN in lower case → ldap_id). */
  learnIds(byDn: Map<string, string>, dnOf: (ref: { user: number } | { group: number }) => string): void {
    const learn = (kind: 'user' | 'group', key: number) => {
      const id = byDn.get(dnOf(kind === 'user' ? { user: key } : { group: key }).toLowerCase());
      if (id !== undefined) this.ids.set(`${kind}:${key}`, id);
    };
    for (const u of this.model.existingUsers()) learn('user', u.key);
    for (const g of this.model.existingGroups()) learn('group', g.key);
  }

  /** After a run: what it saw. A run with a deletion scan saw everything that went, so the record starts afresh. */
  recordRun(scanned: boolean): void {
    if (scanned) {
      this.users.clear();
      this.groups.clear();
    }
    for (const u of this.model.users) if (this.model.userVisible(u)) this.users.add(u.key);
    for (const g of this.model.groups) if (this.model.groupVisible(g)) this.groups.add(g.key);
  }

  /** What the run just made without a scan may still hold of entries that left the view. */
  blur(): Blur {
    const blur: Blur = { users: new Set(), groups: new Set(), memberships: true };
    const id = (kind: string, key: number) => this.ids.get(`${kind}:${key}`);
    for (const key of this.users) {
      const ldapId = this.model.userVisible(this.model.users[key]!) ? undefined : id('user', key);
      if (ldapId !== undefined) blur.users.add(ldapId);
    }
    for (const key of this.groups) {
      if (this.model.groupVisible(this.model.groups[key]!)) continue;
      const ldapId = id('group', key);
      if (ldapId !== undefined) blur.groups.add(ldapId);
      // Nested groups: every group that had it in its chain, and the admin flag, may still count its members.
      blur.memberships = false;
    }
    return blur;
  }

  /** How many entries the blur leaves out, for the log. */
  static size(blur: Blur): string {
    return `${blur.users.size} users, ${blur.groups.size} groups (and rows holding their names)${blur.memberships ? '' : ', memberships and admin flags'}`;
  }
}
