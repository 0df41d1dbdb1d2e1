// A member value is almost always a user's DN spelled byte for byte as the
// server returned it. Decoding a million member values into strings only to
// look them up in a Map of 100,000 DNs cost about a second at L (fresh
// strings to hash, keys scattered over the heap) plus their garbage; this
// index hashes the raw bytes and compares them with the DN kept in its slot
// (or one contiguous copy of the DNs), so a hit allocates nothing.

const EMPTY = -1;
/**
 * Int32s per slot: hash, length of the DN's bytes, value, where its bytes
 * start (INLINE when they are in the slot), and HEAD_BYTES of the DN's bytes.
 * A hit reads one slot and nothing else of the index: a DN whose bytes before
 * the shared tail fit the slot is compared there (and with one copy of the
 * tail), not in the DNs' bytes, which would be another place in memory for
 * each of a million member values; the value is in the slot too.
 */
const SLOT = 8;
const HEAD_BYTES = 16;
/** Byte offset of the head in a slot. */
const HEAD_AT = 4 * 4;
const INLINE = -1;

/**
 * FNV-1a over the bytes that tell DNs apart: every DN of a directory ends with
 * its base (",ou=people,dc=example,dc=com" is 28 of the 39 bytes of a DN at L),
 * so hashing that tail costs a million member values time and spreads nothing.
 * `ignored` is that tail; the length is mixed in instead.
 */
function hashBytes(bytes: Uint8Array, from: number, to: number, ignored: number): number {
  let hash = Math.imul(0x811c9dc5 ^ (to - from), 0x01000193);
  for (let i = from, end = Math.max(from, to - ignored); i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash | 0;
}

/**
 * DN (its UTF-8 bytes) → a number from 0 to 2^31-1 (an index into the
 * caller's arrays). A DN added twice keeps the later value, like Map.set. DNs
 * are indexed on the first get() after they were set: by then the tail every
 * DN shares is known (the user read sets them all, then the group read looks
 * them up), and it is left out of every hash from then on.
 */
export class ExactDnIndex {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  /** Where each entry's bytes start, for indexing (entry i: i+1 - i). */
  private starts = new Int32Array(1024);
  /** Each entry's value until it is indexed. */
  private entryValues = new Int32Array(1024);
  private entries = 0;
  /** Entries below this are in `slots`; the others wait for the next get(). */
  private indexed = 0;
  /** Entries dropped as a DN set again (the value went to its first slot). */
  private replaced = 0;
  private slots = new Int32Array(2048 * SLOT).fill(EMPTY);
  /** The same slots as bytes, for the heads. */
  private slotBytes = new Uint8Array(this.slots.buffer);
  /** The tail every DN shares, as bytes (empty until the first get()). */
  private tail = Buffer.alloc(0);
  /** Bytes at the end of every DN set before the first get() (null until then): never hashed. */
  private ignoredTail: number | null = null;
  /** Bytes at the end of every DN set so far. */
  private sharedTail = 0;

  get size(): number {
    this.index();
    return this.entries - this.replaced;
  }

  set(dn: string, value: number): void {
    const length = Buffer.byteLength(dn);
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used + length);
    this.bytes.write(dn, this.used, 'utf8');
    const entry = this.entries++;
    if (entry + 1 >= this.starts.length) {
      this.starts = grow(this.starts, entry + 2);
      this.entryValues = grow(this.entryValues, entry + 2);
    }
    this.starts[entry] = this.used;
    this.used += length;
    this.starts[entry + 1] = this.used;
    this.entryValues[entry] = value;
    this.sharedTail = entry === 0 ? length : this.tailInCommon(entry);
  }

  /** The value of the DN whose bytes are exactly raw[from, to) (all of `raw` by default), -1 when there is none. */
  get(raw: Uint8Array, from = 0, to = raw.length): number {
    this.index();
    const at = this.find(raw, from, to, hashBytes(raw, from, to, this.ignoredTail ?? 0));
    return at === EMPTY ? EMPTY : (this.slots[at + 2] as number);
  }

  /** How many bytes `entry` ends with in common with entry 0, at most sharedTail. */
  private tailInCommon(entry: number): number {
    const end = this.starts[entry + 1] as number;
    const firstEnd = this.starts[1] as number;
    const most = Math.min(this.sharedTail, end - (this.starts[entry] as number));
    let n = 0;
    while (n < most && this.bytes[end - 1 - n] === this.bytes[firstEnd - 1 - n]) n++;
    return n;
  }

  private index(): void {
    if (this.indexed === this.entries) return;
    if (this.ignoredTail === null) {
      this.ignoredTail = this.sharedTail;
      const firstEnd = this.starts[1] as number;
      this.tail = Buffer.from(this.bytes.subarray(firstEnd - this.ignoredTail, firstEnd));
    }
    for (let entry = this.indexed; entry < this.entries; entry++) {
      const start = this.starts[entry] as number;
      const end = this.starts[entry + 1] as number;
      const hash = hashBytes(this.bytes, start, end, this.ignoredTail);
      const found = this.find(this.bytes, start, end, hash);
      if (found !== EMPTY) {
        this.slots[found + 2] = this.entryValues[entry] as number;
        this.replaced += 1;
        continue;
      }
      if (2 * (entry + 1 - this.replaced) * SLOT > this.slots.length) this.rehash();
      this.place(hash, start, end - start, this.entryValues[entry] as number);
    }
    this.indexed = this.entries;
  }

  /** Where in `slots` the DN raw[from, to) is, EMPTY when it is not. */
  private find(raw: Uint8Array, from: number, to: number, hash: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      if (slots[at + 2] === EMPTY) return EMPTY;
      if (slots[at] === hash && slots[at + 1] === to - from && this.holds(at, raw, from, to)) return at;
    }
  }

  /** Whether the DN of the slot at `at` is exactly raw[from, to) (lengths already equal). */
  private holds(at: number, raw: Uint8Array, from: number, to: number): boolean {
    const start = this.slots[at + 3] as number;
    if (start !== INLINE) {
      const bytes = this.bytes;
      for (let i = 0; i < to - from; i++) if (bytes[start + i] !== raw[from + i]) return false;
      return true;
    }
    const tail = this.tail;
    const head = to - from - tail.length;
    const slotBytes = this.slotBytes;
    const headAt = at * 4 + HEAD_AT;
    for (let i = 0; i < head; i++) if (slotBytes[headAt + i] !== raw[from + i]) return false;
    for (let i = 0; i < tail.length; i++) if (tail[i] !== raw[from + head + i]) return false;
    return true;
  }

  /** Takes a free slot; the DN's head goes into it when the rest of its bytes are the shared tail. */
  private place(hash: number, start: number, length: number, value: number): void {
    const slots = this.slots;
    const at = this.freeSlot(hash);
    const head = length - this.tail.length;
    const inline = head >= 0 && head <= HEAD_BYTES && this.bytes.compare(this.tail, 0, this.tail.length, start + head, start + length) === 0;
    slots[at] = hash;
    slots[at + 1] = length;
    slots[at + 2] = value;
    slots[at + 3] = inline ? INLINE : start;
    if (inline) this.slotBytes.set(this.bytes.subarray(start, start + head), at * 4 + HEAD_AT);
  }

  private rehash(): void {
    const old = this.slots;
    const oldBytes = this.slotBytes;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.slotBytes = new Uint8Array(this.slots.buffer);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 2] !== EMPTY) this.slotBytes.set(oldBytes.subarray(at * 4, (at + SLOT) * 4), this.freeSlot(old[at] as number) * 4);
    }
  }

  /** Where in `slots` the first free slot from the hash's home slot on is (linear probing). */
  private freeSlot(hash: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    let slot = hash & mask;
    while (slots[slot * SLOT + 2] !== EMPTY) slot = (slot + 1) & mask;
    return slot * SLOT;
  }
}

function grow<T extends Buffer | Int32Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const larger = (array instanceof Buffer ? Buffer.alloc(length) : new Int32Array(length)) as T;
  larger.set(array);
  return larger;
}
