// A group read again by an incremental run (src/ldap/change-reader.ts): its
// member values as text, and which known user each names, taken from what its
// kept copy holds where they are the same. slapd returns a group's values in
// the order it stores them, and an edit adds or removes a few, so the value at
// a cursor over the kept ones is nearly always the one read: comparing its
// bytes with the DN of the user kept there (held compactly, dn-heads.ts) costs
// less than looking each value up among 100,000 DNs (known-users.ts) and makes
// no new string. Anything else (a value not found near the cursor, a DN not in
// ASCII, a user forgotten since) is looked up as memberTexts (kept-read.ts)
// does, with the same result.
import { decodeUtf8 } from '../text/go-text.js';
import type { KnownUsers } from './known-users.js';
import { PackedValues } from './packed-values.js';
import type { MemberValue } from '../sync/kept-directory.js';

/** A kept group's member values and the known user each named (KeptMemberUsers.users, numbered by the same KnownUsers): where it names one, the value is that user's DN string (KnownUsers.dnOf), as keptMemberTexts and memberTexts make them. */
export interface KeptValues {
  members: readonly MemberValue[];
  users: Int32Array;
}

/**
 * A view of the memory the values read lie in, for dn-heads.ts to read four
 * bytes at a time: one per message (values not packed are parts of it too),
 * made for the group and then dropped, so that no message is kept after it.
 */
class MemoryView {
  bytes: Uint8Array | null = null;
  view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  /** Where `bytes` starts in the view. */
  offset = 0;

  of(bytes: Uint8Array): void {
    this.bytes = bytes;
    if (bytes.buffer !== this.view.buffer) this.view = new DataView(bytes.buffer);
    this.offset = bytes.byteOffset;
  }
}

/** Kept values passed over to find the one read: members removed side by side. */
const LOOK_AHEAD = 8;
/** After a value found by lookup, kept places searched for its user: to find the cursor again after more removals than LOOK_AHEAD. */
const RESYNC = 64;

/** A member value naming no known user as text, sharing one string per text in `shared`; bytes not UTF-8 stay bytes (the resolver reports them). */
export function sharedText(raw: Uint8Array, shared: Map<string, string>): MemberValue {
  const text = decodeUtf8(raw);
  if (text === null) return Buffer.from(raw);
  const known = shared.get(text);
  if (known !== undefined) return known;
  shared.set(text, text);
  return text;
}

/** Whether bytes[start, end) are the ASCII characters of `text` (a byte of 0x80 or more never matches: the text would be Latin-1, not UTF-8). */
export function sameAscii(bytes: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) {
    const byte = bytes[start + i] as number;
    if (byte !== text.charCodeAt(i) || byte > 0x7f) return false;
  }
  return true;
}

/**
 * The kept place from `cursor` on, within LOOK_AHEAD, whose user is still
 * known and has these bytes as its DN; -1 when none. The user's DN is compared
 * where the known users hold it compactly (dn-heads.ts), else the kept text.
 */
function keptAt(kept: KeptValues, users: KnownUsers, cursor: number, bytes: Uint8Array, read: MemoryView, start: number, end: number): number {
  const last = Math.min(cursor + LOOK_AHEAD, kept.members.length);
  for (let at = cursor; at < last; at++) {
    const user = kept.users[at] as number;
    if (user < 0) continue;
    const same = users.sameDn(user, read.view, read.offset + start, read.offset + end);
    if (same === 1) return at;
    const text = kept.members[at];
    if (same === -1 && typeof text === 'string' && sameAscii(bytes, start, end, text) && users.isKnown(user)) return at;
  }
  return -1;
}

/** Where the cursor goes after a value looked up as `user`: past that user's kept place near it, or where it was. */
function resync(kept: KeptValues, cursor: number, user: number): number {
  if (user < 0) return cursor;
  const last = Math.min(cursor + RESYNC, kept.users.length);
  for (let at = cursor; at < last; at++) if (kept.users[at] === user) return at + 1;
  return cursor;
}

/**
 * Member values as text and `found[k]`, the known user value k names (-1 for
 * none), as memberTexts gives them: a value equal to a known user's DN is that
 * user's DN string, others share one string per text in `shared`. `kept`: the
 * group as kept, when `users` numbered its KeptMemberUsers.
 */
export function keptMemberTexts(values: PackedValues | Buffer[], kept: KeptValues | undefined, users: KnownUsers, shared: Map<string, string>): { members: MemberValue[]; found: Int32Array } {
  const packed = values instanceof PackedValues ? values : undefined;
  const count = packed ? packed.count : (values as Buffer[]).length;
  const members = new Array<MemberValue>(count);
  const found = new Int32Array(count);
  let cursor = 0;
  const read = new MemoryView();
  for (let k = 0; k < count; k++) {
    const bytes = packed ? packed.bytes : ((values as Buffer[])[k] as Buffer);
    const start = packed ? (packed.bounds[2 * k] as number) : 0;
    const end = packed ? (packed.bounds[2 * k + 1] as number) : bytes.length;
    if (kept && bytes !== read.bytes) read.of(bytes);
    const at = kept ? keptAt(kept, users, cursor, bytes, read, start, end) : -1;
    if (at >= 0) {
      // The kept text there is that user's DN string (KeptValues), as a lookup gives it; read from the kept array, which is read in order.
      members[k] = kept?.members[at] as string;
      found[k] = kept?.users[at] as number;
      cursor = at + 1;
      continue;
    }
    const user = users.exact(bytes, start, end);
    found[k] = user;
    members[k] = user >= 0 ? users.dnOf(user) : sharedText(bytes.subarray(start, end), shared);
    if (kept) cursor = resync(kept, cursor, user);
  }
  return { members, found };
}
