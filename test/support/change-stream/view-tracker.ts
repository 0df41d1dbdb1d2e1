// Which entries a run without a deletion scan cannot know have gone: those a
// run has seen since the last scan (and the names they had then) that are no
// longer in the view now (deleted, moved out of the base, out of the filter).
import type { Blur } from '../db-contents.js';
import type { DirectoryModel } from './model.js';

interface SeenUser {
  usernames: Set<string>;
  emails: Set<string>;
}

export class ViewTracker {
  private users = new Map<number, SeenUser>();
  private groups = new Map<number, Set<string>>();

  constructor(private readonly model: DirectoryModel) {}

  /** After a run: what it saw. A run with a deletion scan saw everything that went, so the record starts afresh. */
  recordRun(scanned: boolean): void {
    if (scanned) {
      this.users.clear();
      this.groups.clear();
    }
    for (const u of this.model.users) {
      if (!this.model.userVisible(u)) continue;
      const seen = this.users.get(u.key) ?? { usernames: new Set(), emails: new Set() };
      seen.usernames.add(u.uid.toLowerCase());
      seen.emails.add(u.mail.toLowerCase());
      this.users.set(u.key, seen);
    }
    for (const g of this.model.groups) {
      if (this.model.groupVisible(g)) this.groups.set(g.key, (this.groups.get(g.key) ?? new Set()).add(g.cn.toLowerCase()));
    }
  }

  /** What the run just made without a scan may still hold of entries that left the view. */
  blur(): Blur {
    const blur: Blur = { usernames: new Set(), emails: new Set(), groupNames: new Set(), memberships: true };
    for (const [key, seen] of this.users) {
      if (this.model.userVisible(this.model.users[key]!)) continue;
      for (const name of seen.usernames) blur.usernames.add(name);
      for (const email of seen.emails) blur.emails.add(email);
    }
    for (const [key, names] of this.groups) {
      if (this.model.groupVisible(this.model.groups[key]!)) continue;
      for (const name of names) blur.groupNames.add(name);
      // Nested groups: every group that had it in its chain, and the admin flag, may still count its members.
      blur.memberships = false;
    }
    return blur;
  }

  /** How many entries the blur leaves out, for the log. */
  static size(blur: Blur): string {
    return `${blur.usernames.size} usernames, ${blur.emails.size} emails, ${blur.groupNames.size} group names${blur.memberships ? '' : ', memberships and admin flags'}`;
  }
}
