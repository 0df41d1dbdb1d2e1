// The users a member value can name (member-resolver.ts): by the exact bytes
// or the exact text of their DN, the common case, and by normalised DN. A full
// read fills one; with incremental runs the daemon keeps it between runs
// (docs/incremental.md) and an incremental run updates it by the DNs its merge
// touched, instead of building 100,000 DNs into a new one in every run.
import { nfc } from '../text/go-text.js';
import { normalizeDN } from './dn.js';
import { DnHeads } from './dn-heads.js';
import { ExactDnIndex } from './exact-dn-table.js';
import type { KeptUser } from '../sync/kept-directory.js';

/** Text lookups answered by the bytes of the DN before the map by text is built (exactText). */
const TEXT_INDEX_AFTER = 5_000;

export class KnownUsers {
  private readonly byBytes = new ExactDnIndex();
  /** DN text → user, built on first use: member values kept as text mostly are the user's own DN string, whose hash V8 keeps. */
  private byText: Map<string, number> | null = null;
  /** Per user i: its DN; null once forgotten. */
  private readonly dns: (string | null)[] = [];
  /** Per user i: its username (NFC; '' when it has none or was forgotten) at 2i, its snapshot entry at 2i+1 (next to each other: one wait for memory per member, not two). */
  private readonly usernamesAndEntries: (string | number)[] = [];
  /** Normalised DN → user with a username, built on the first member value that is not an exact match. */
  private normalized: Map<string, number> | null = null;
  private forgotten = 0;
  /** The DNs as heads and a shared tail (dn-heads.ts): built by holdDns in the full run that fills the memory, else on the first sameDn. */
  private heads: DnHeads | null = null;
  /** Texts looked up by their bytes so far (exactText). */
  private textLookups = 0;

  /** Every user kept, in the kept directory's order (which a full read's snapshot has): its position is its entry. */
  static of(users: Iterable<KeptUser>): KnownUsers {
    const known = new KnownUsers();
    let entry = 0;
    for (const { user } of users) known.add(user.dn, user.username, entry++);
    return known;
  }

  /** `entry`: the user's index in the snapshot's users (DirectoryGroup.memberEntries), -1 when not known. A DN added again names the later user. */
  add(dn: string, username: string, entry = -1): void {
    const user = this.dns.length;
    const text = username === '' ? '' : nfc(username);
    // A member value holding NUL is rejected before any lookup, so such a DN is never an exact match.
    const exact = !dn.includes('\u0000');
    if (exact) this.byBytes.set(dn, user);
    if (exact) this.byText?.set(dn, user);
    this.dns.push(dn);
    this.heads?.set(user, dn);
    this.usernamesAndEntries.push(text, entry);
    if (this.normalized && text !== '') this.normalize(user);
  }

  /** The user at `dn` is gone, renamed, or has another username (add() it again then). */
  forget(dn: string): void {
    const user = this.exactText(dn);
    if (user < 0 || this.dns[user] === null) return;
    if (this.normalized && this.usernameOf(user) !== '') {
      const key = normalizeDN(dn);
      if (this.normalized.get(key) === user) this.normalized.delete(key);
    }
    this.byText?.delete(dn);
    this.heads?.forget(user);
    this.dns[user] = null;
    this.usernamesAndEntries[2 * user] = '';
    this.forgotten += 1;
  }

  /** More forgotten users than known ones: building it anew is smaller. */
  get worthRebuilding(): boolean {
    return this.forgotten > this.dns.length - this.forgotten;
  }

  /** The user whose DN is exactly these bytes (raw[from, to)), -1 when none. */
  exact(raw: Uint8Array, from = 0, to = raw.length): number {
    const user = this.byBytes.get(raw, from, to);
    // A full read forgets nobody: its million member values need not read the DNs too.
    return user < 0 || this.forgotten === 0 || this.dns[user] !== null ? user : -1;
  }

  /**
   * The user whose DN is exactly this text, -1 when none. The first few are
   * looked up by their bytes: a run asks for a few hundred (the DNs its merge
   * touched), and a map of 100,000 DNs by text cost the first incremental run
   * after each full one 25-40 ms to build. A run that asks for more builds it.
   */
  exactText(dn: string): number {
    if (this.byText === null && this.textLookups++ < TEXT_INDEX_AFTER) return dn.includes('\u0000') ? -1 : this.exact(Buffer.from(dn, 'utf8'));
    return this.textIndex().get(dn) ?? -1;
  }

  /**
   * 1 when `user` is known and its DN is exactly the view's bytes [start,
   * end), 0 when not, -1 when that cannot be told this way (kept-members.ts
   * then compares the kept text).
   */
  sameDn(user: number, view: DataView, start: number, end: number): number {
    return (this.heads ??= this.headsOfAll()).same(user, view, start, end);
  }

  /** Holds the DNs for sameDn now: a full run that fills the memory does, so the first incremental run does not (15 ms at L). */
  holdDns(): void {
    this.heads ??= this.headsOfAll();
  }

  private headsOfAll(): DnHeads {
    const first = this.dns.find((dn) => dn !== null);
    const heads = new DnHeads(DnHeads.tailOf(first ?? ''), this.dns.length);
    for (let user = 0; user < this.dns.length; user++) {
      const dn = this.dns[user];
      if (dn === null || dn === undefined) heads.forget(user);
      else heads.set(user, dn);
    }
    return heads;
  }

  /** False once the user is forgotten. */
  isKnown(user: number): boolean {
    return this.dns[user] !== null;
  }

  dnOf(user: number): string {
    return this.dns[user] ?? '';
  }

  /** '' for a user without a username or forgotten since the lookup: the member is then resolved the long way. */
  usernameOf(user: number): string {
    return this.usernamesAndEntries[2 * user] as string;
  }

  entryOf(user: number): number {
    return this.usernamesAndEntries[2 * user + 1] as number;
  }

  /**
   * The username of the user whose normalised DN this is, '' when none. Two
   * users never share one (a directory keeps DNs unique as it compares them),
   * so the map does not depend on the order users were added in.
   */
  usernameByNormalizedDn(normalized: string): string {
    if (this.normalized === null) {
      this.normalized = new Map();
      for (let user = 0; user < this.dns.length; user++) if (this.usernameOf(user) !== '') this.normalize(user);
    }
    const user = this.normalized.get(normalized);
    return user === undefined ? '' : this.usernameOf(user);
  }

  private normalize(user: number): void {
    const key = normalizeDN(this.dns[user] as string);
    if (key !== '') this.normalized?.set(key, user);
  }

  private textIndex(): Map<string, number> {
    if (this.byText === null) {
      this.byText = new Map();
      this.dns.forEach((dn, user) => {
        if (dn !== null && !dn.includes('\u0000')) this.byText?.set(dn, user);
      });
    }
    return this.byText;
  }
}

/**
 * After a merge: the users at the touched DNs become what the kept directory
 * now holds there (every DN whose user was added, removed, renamed or given
 * another username is touched: mergeChanges). Returns the users to keep, a new
 * table when the old one holds more forgotten users than known ones.
 */
export function updateKnownUsers(known: KnownUsers, kept: ReadonlyMap<string, KeptUser> | readonly KeptUser[], touched: ReadonlySet<string>): KnownUsers {
  if (touched.size === 0) return known;
  for (const dn of touched) known.forget(dn);
  if (known.worthRebuilding) return KnownUsers.of(kept.values());
  let entry = 0;
  // forEach, not for…of: run once per run, the loop over 100,000 users stays unoptimised, and each step's iterator result was 4 MB of garbage at L.
  kept.forEach(({ user }: KeptUser) => {
    if (touched.has(user.dn)) known.add(user.dn, user.username, entry);
    entry += 1;
  });
  return known;
}
