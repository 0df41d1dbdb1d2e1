// What an admin does in Pocket ID between runs, for the differential tests
// (test/support/differential.ts): local users and groups made and deleted by
// hand. Their names come from the pools the change stream draws LDAP names
// from (change-stream/model.ts), so a local row takes a username or group name
// an entry is about to want, or frees one a skipped entry wanted: a run that
// plans must see Pocket ID's own rows as they are now, not as at the last run.
import { randomUUID } from 'node:crypto';
import { prng } from './prng.js';
import type { TestDatabase } from './test-database.js';

export class PocketIdEdits {
  private readonly next: () => number;

  constructor(seed: number) {
    // Its own sequence (the seed changed), so the change stream of a seed stays what it was.
    this.next = prng(seed ^ 0x5eed);
  }

  private int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * A few hand edits of local rows in `db`; returns what was done, for the failure message. `uids`: the
   * uids of the directory's users now. A local user often takes one of them before its entry is synced
   * (the entry is then skipped as username-taken), and the local user deleted is then often one that
   * does: a later run must create the entry although the entry itself did not change.
   */
  async apply(db: TestDatabase, uids: string[]): Promise<string[]> {
    const done: string[] = [];
    const time = db.kind === 'postgres' ? new Date() : Math.floor(Date.now() / 1000);
    const no = db.kind === 'postgres' ? false : 0;
    const holders = await db.db.selectFrom('users').select(['id', 'username', 'ldap_id']).execute();
    const held = new Set(holders.map((u) => u.username.toLowerCase()));
    if (this.next() < 0.4) {
      const free = uids.filter((uid) => !held.has(uid.toLowerCase()));
      const username = this.next() < 0.5 && free.length > 0 ? (free[this.int(free.length)] as string) : `user${this.int(80) + 1}`;
      if (!held.has(username.toLowerCase())) {
        await db.db.insertInto('users').values({ id: randomUUID(), created_at: time, updated_at: time, username, email: null, first_name: 'Local', last_name: 'User', display_name: 'Local User', is_admin: no, ldap_id: null, locale: null, disabled: no, email_verified: no }).execute();
        done.push(`Pocket ID: local user ${username} created`);
      }
    }
    if (this.next() < 0.15) {
      const name = `team${this.int(30) + 1}`;
      const taken = await db.db.selectFrom('user_groups').select('id').where('name', '=', name).execute();
      if (taken.length === 0) {
        await db.db.insertInto('user_groups').values({ id: randomUUID(), created_at: time, updated_at: time, name, friendly_name: name, ldap_id: null }).execute();
        done.push(`Pocket ID: local group ${name} created`);
      }
    }
    if (this.next() < 0.3) {
      const wanted = new Set(uids.map((uid) => uid.toLowerCase()));
      const local = holders.filter((u) => u.ldap_id === null).sort((a, b) => a.username.localeCompare(b.username));
      const blocking = local.filter((u) => wanted.has(u.username.toLowerCase()));
      const pool = this.next() < 0.7 && blocking.length > 0 ? blocking : local;
      const victim = pool[this.int(pool.length)];
      if (victim) {
        await db.db.deleteFrom('users').where('id', '=', victim.id).execute();
        done.push(`Pocket ID: local user ${victim.username} deleted`);
      }
    }
    return done;
  }
}
