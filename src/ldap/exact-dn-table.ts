// A member value is almost always a user's DN spelled byte for byte as the
// server returned it. Decoding a million member values into strings only to
// look them up in a Map of 100,000 DNs cost about a second at L (fresh
// strings to hash, keys scattered over the heap) plus their garbage; this
// table hashes the raw bytes and compares them with one contiguous copy of
// the DNs, so a hit allocates nothing.

/** Int32s per slot: hash, start and length of the DN's bytes, value (EMPTY: a free slot). A probe reads one cache line. */
const SLOT = 4;
const EMPTY = -1;

/**
 * FNV-1a over the bytes that tell DNs apart: every DN of a directory ends with
 * its base (",ou=people,dc=example,dc=com" is 28 of the 39 bytes of a DN at L),
 * and hashing that tail for a million member values cost time and spread
 * nothing. `ignored` is that tail; the length is mixed in instead.
 */
function hashBytes(bytes: Uint8Array, from: number, to: number, ignored: number): number {
  let hash = Math.imul(0x811c9dc5 ^ (to - from), 0x01000193);
  for (let i = from, end = Math.max(from, to - ignored); i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash | 0;
}

/**
 * DN (its UTF-8 bytes) → a non-negative integer. A DN set twice keeps the later
 * value, like Map.set. DNs are indexed on the first lookup after they were set:
 * by then the tail every DN shares is known (the user read sets them all, then
 * the group read looks them up) and it is left out of every hash from then on.
 */
export class ExactDnTable {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  /** Where each DN's bytes start (DN i ends where i + 1 starts) and its value, until indexed. */
  private starts = new Int32Array(1024);
  private pendingValues: number[] = [];
  private count = 0;
  /** DNs below this are in `slots`. */
  private indexed = 0;
  private distinct = 0;
  private slots = new Int32Array(2048 * SLOT).fill(EMPTY);
  /** Bytes at the end of every DN set before the first lookup (null until then): never hashed. */
  private ignoredTail: number | null = null;
  /** Bytes at the end of every DN set so far. */
  private sharedTail = 0;

  get size(): number {
    this.index();
    return this.distinct;
  }

  set(dn: string, value: number): void {
    if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`ExactDnTable values are non-negative integers, not ${value}`);
    const length = Buffer.byteLength(dn);
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used + length);
    this.bytes.write(dn, this.used, 'utf8');
    const dnIndex = this.count++;
    if (dnIndex + 1 >= this.starts.length) this.starts = grow(this.starts, dnIndex + 2);
    this.starts[dnIndex] = this.used;
    this.used += length;
    this.starts[dnIndex + 1] = this.used;
    this.pendingValues.push(value);
    this.sharedTail = dnIndex === 0 ? length : this.tailInCommon(dnIndex);
  }

  /** The value of the DN whose bytes are exactly `raw`. */
  get(raw: Uint8Array): number | undefined {
    this.index();
    const at = this.find(raw, hashBytes(raw, 0, raw.length, this.ignoredTail ?? 0));
    return at === EMPTY ? undefined : this.slots[at + 3];
  }

  /** How many bytes DN `dnIndex` ends with in common with DN 0, at most sharedTail. */
  private tailInCommon(dnIndex: number): number {
    const end = this.starts[dnIndex + 1] as number;
    const firstEnd = this.starts[1] as number;
    const most = Math.min(this.sharedTail, end - (this.starts[dnIndex] as number));
    let n = 0;
    while (n < most && this.bytes[end - 1 - n] === this.bytes[firstEnd - 1 - n]) n++;
    return n;
  }

  private index(): void {
    if (this.indexed === this.count) return;
    this.ignoredTail ??= this.sharedTail;
    for (let dnIndex = this.indexed; dnIndex < this.count; dnIndex++) {
      const start = this.starts[dnIndex] as number;
      const end = this.starts[dnIndex + 1] as number;
      const hash = hashBytes(this.bytes, start, end, this.ignoredTail);
      const value = this.pendingValues[dnIndex - this.indexed] as number;
      const found = this.find(this.bytes.subarray(start, end), hash);
      if (found !== EMPTY) {
        this.slots[found + 3] = value;
        continue;
      }
      if (2 * (this.distinct + 1) * SLOT > this.slots.length) this.rehash();
      this.place(this.slots, hash, start, end - start, value);
      this.distinct += 1;
    }
    this.indexed = this.count;
    this.pendingValues = [];
  }

  /** The slot holding `raw`'s DN, or EMPTY. */
  private find(raw: Uint8Array, hash: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      if (slots[at + 3] === EMPTY) return EMPTY;
      if (slots[at] === hash && slots[at + 2] === raw.length && this.holds(slots[at + 1] as number, raw, 0, raw.length)) return at;
    }
  }

  private holds(start: number, raw: Uint8Array, from: number, to: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < to - from; i++) if (bytes[start + i] !== raw[from + i]) return false;
    return true;
  }

  private place(slots: Int32Array, hash: number, start: number, length: number, value: number): void {
    const mask = slots.length / SLOT - 1;
    let slot = hash & mask;
    while (slots[slot * SLOT + 3] !== EMPTY) slot = (slot + 1) & mask;
    slots.set([hash, start, length, value], slot * SLOT);
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 3] !== EMPTY) this.place(this.slots, old[at] as number, old[at + 1] as number, old[at + 2] as number, old[at + 3] as number);
    }
  }
}

function grow<T extends Buffer | Int32Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const larger = (array instanceof Buffer ? Buffer.alloc(length) : new Int32Array(length)) as T;
  larger.set(array);
  return larger;
}
