// A group's member values kept as bytes between runs (docs/incremental.md,
// "What it costs"). A group read again holds mostly the values it held, in the
// same order: comparing each value read with the kept one, byte for byte and in
// memory laid out one after the other, costs far less than looking each up
// among 100,000 DNs again, which waits for memory once or twice per value.

/** Every member value of one group, as read, one after the other. */
export interface KeptMemberBytes {
  bytes: Buffer;
  /** Where value k ends in `bytes` (it starts where value k-1 ends). */
  ends: Uint32Array;
  /** Per value, the known user whose DN it is exactly, -1 when none, numbered as in `numbering`. */
  users: Int32Array;
  /** The table of known users that numbered `users` (src/ldap/known-users.ts); null when none did. */
  numbering: object | null;
}

export function keptBytesOf(members: readonly Uint8Array[], users: Int32Array, numbering: object | null): KeptMemberBytes {
  const ends = new Uint32Array(members.length);
  let end = 0;
  for (let k = 0; k < members.length; k++) {
    end += (members[k] as Uint8Array).length;
    ends[k] = end;
  }
  const bytes = Buffer.allocUnsafe(end);
  let at = 0;
  for (const raw of members) {
    bytes.set(raw, at);
    at += raw.length;
  }
  return { bytes, ends, users, numbering };
}

/** Whether kept value `j` is exactly `raw`. */
function sameValue(kept: KeptMemberBytes, j: number, raw: Uint8Array): boolean {
  const start = j === 0 ? 0 : (kept.ends[j - 1] as number);
  if ((kept.ends[j] as number) - start !== raw.length) return false;
  const bytes = kept.bytes;
  for (let i = 0; i < raw.length; i++) if (bytes[start + i] !== raw[i]) return false;
  return true;
}

/** Kept values looked at past the next one: a few members removed side by side are stepped over. */
const LOOKAHEAD = 8;

/** The first kept value from `from` on (at most LOOKAHEAD places past it) that is exactly `raw`; -1 when none. */
export function keptValueAt(kept: KeptMemberBytes, from: number, raw: Uint8Array): number {
  const end = Math.min(kept.ends.length, from + 1 + LOOKAHEAD);
  for (let j = from; j < end; j++) if (sameValue(kept, j, raw)) return j;
  return -1;
}
