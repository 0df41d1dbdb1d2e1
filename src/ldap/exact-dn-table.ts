// A member value is almost always a user's DN spelled byte for byte as the
// server returned it. Decoding a million member values into strings only to
// look them up in a Map of 100,000 DNs cost about a second at L (fresh
// strings to hash, keys scattered over the heap) plus their garbage; this
// table hashes the raw bytes and compares them with one contiguous copy of
// the DNs, so a hit allocates nothing.

const EMPTY = -1;
/** Int32s per slot: hash, start and length of the DN's bytes, entry. A probe reads one cache line, not one array per field. */
const SLOT = 4;

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
 * DN (its UTF-8 bytes) → value. A DN added twice keeps the later value, like
 * Map.set. DNs are indexed on the first get() after they were set: by then the
 * tail every DN shares is known (the user read sets them all, then the group
 * read looks them up), and it is left out of every hash from then on.
 */
export class ExactDnTable<V> {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  /** Where each entry's bytes start, for indexing (entry i: i+1 - i). */
  private starts = new Int32Array(1024);
  private readonly values: V[] = [];
  /** Entries below this are in `slots`; the others wait for the next get(). */
  private indexed = 0;
  /** Entries dropped as a DN set again (the value went to its first entry). */
  private replaced = 0;
  private slots = new Int32Array(2048 * SLOT).fill(EMPTY);
  /** Bytes at the end of every DN set before the first get() (null until then): never hashed. */
  private ignoredTail: number | null = null;
  /** Bytes at the end of every DN set so far. */
  private sharedTail = 0;

  get size(): number {
    this.index();
    return this.values.length - this.replaced;
  }

  set(dn: string, value: V): void {
    const length = Buffer.byteLength(dn);
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used + length);
    this.bytes.write(dn, this.used, 'utf8');
    const entry = this.values.length;
    if (entry + 1 >= this.starts.length) this.starts = grow(this.starts, entry + 2);
    this.starts[entry] = this.used;
    this.used += length;
    this.starts[entry + 1] = this.used;
    this.values.push(value);
    this.sharedTail = entry === 0 ? length : this.tailInCommon(entry);
  }

  /** The value of the DN whose bytes are exactly `raw`. */
  get(raw: Uint8Array): V | undefined {
    this.index();
    const entry = this.find(raw, 0, raw.length, hashBytes(raw, 0, raw.length, this.ignoredTail ?? 0));
    return entry === EMPTY ? undefined : this.values[entry];
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
    if (this.indexed === this.values.length) return;
    this.ignoredTail ??= this.sharedTail;
    for (let entry = this.indexed; entry < this.values.length; entry++) {
      const start = this.starts[entry] as number;
      const end = this.starts[entry + 1] as number;
      const hash = hashBytes(this.bytes, start, end, this.ignoredTail);
      const found = this.find(this.bytes, start, end, hash);
      if (found !== EMPTY) {
        this.values[found] = this.values[entry] as V;
        this.replaced += 1;
        continue;
      }
      if (2 * (entry + 1 - this.replaced) * SLOT > this.slots.length) this.rehash();
      this.place(this.slots, hash, start, end - start, entry);
    }
    this.indexed = this.values.length;
  }

  private find(raw: Uint8Array, from: number, to: number, hash: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const entry = slots[at + 3] as number;
      if (entry === EMPTY) return EMPTY;
      if (slots[at] === hash && slots[at + 2] === to - from && this.holds(slots[at + 1] as number, raw, from, to)) return entry;
    }
  }

  private holds(start: number, raw: Uint8Array, from: number, to: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < to - from; i++) if (bytes[start + i] !== raw[from + i]) return false;
    return true;
  }

  private place(slots: Int32Array, hash: number, start: number, length: number, entry: number): void {
    const mask = slots.length / SLOT - 1;
    let slot = hash & mask;
    while (slots[slot * SLOT + 3] !== EMPTY) slot = (slot + 1) & mask;
    slots.set([hash, start, length, entry], slot * SLOT);
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
