// A member value is almost always a user's DN spelled byte for byte as the
// server returned it. Decoding a million member values into strings only to
// look them up in a Map of 100,000 DNs cost about a second at L (fresh
// strings to hash, keys scattered over the heap) plus their garbage; this
// table hashes the raw bytes and compares them with one contiguous copy of
// the DNs, so a hit allocates nothing.

const EMPTY = -1;

/** FNV-1a over the bytes: cheap, and every byte counts, so DNs sharing a long prefix or suffix still spread. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash >>> 0;
}

/** DN (its UTF-8 bytes) → value. A DN added twice keeps the later value, like Map.set. */
export class ExactDnTable<V> {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  private starts = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private hashes = new Uint32Array(1024);
  private readonly values: V[] = [];
  private slots = new Int32Array(2048).fill(EMPTY);

  get size(): number {
    return this.values.length;
  }

  set(dn: string, value: V): void {
    const length = Buffer.byteLength(dn);
    if (this.used + length > this.bytes.length) this.bytes = grow(this.bytes, this.used + length);
    this.bytes.write(dn, this.used, 'utf8');
    const hash = hashBytes(this.bytes, this.used, this.used + length);
    const found = this.find(this.bytes, this.used, this.used + length, hash);
    if (found !== EMPTY) {
      this.values[found] = value;
      return;
    }
    const entry = this.values.length;
    if (entry === this.starts.length) {
      this.starts = grow(this.starts, entry + 1);
      this.ends = grow(this.ends, entry + 1);
      this.hashes = grow(this.hashes, entry + 1);
    }
    this.starts[entry] = this.used;
    this.ends[entry] = this.used + length;
    this.hashes[entry] = hash;
    this.values.push(value);
    this.used += length;
    if (2 * this.values.length > this.slots.length) this.rehash();
    else this.place(entry);
  }

  /** The value of the DN whose bytes are exactly `raw`. */
  get(raw: Uint8Array): V | undefined {
    const entry = this.find(raw, 0, raw.length, hashBytes(raw, 0, raw.length));
    return entry === EMPTY ? undefined : this.values[entry];
  }

  private find(raw: Uint8Array, from: number, to: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] as number;
      if (entry === EMPTY) return EMPTY;
      if (this.hashes[entry] === hash && this.holds(entry, raw, from, to)) return entry;
    }
  }

  private holds(entry: number, raw: Uint8Array, from: number, to: number): boolean {
    const start = this.starts[entry] as number;
    if ((this.ends[entry] as number) - start !== to - from) return false;
    for (let i = 0; i < to - from; i++) if (this.bytes[start + i] !== raw[from + i]) return false;
    return true;
  }

  private place(entry: number): void {
    const mask = this.slots.length - 1;
    let slot = (this.hashes[entry] as number) & mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    for (let entry = 0; entry < this.values.length; entry++) this.place(entry);
  }
}

function grow<T extends Buffer | Int32Array | Uint32Array>(array: T, needed: number): T {
  let length = array.length * 2;
  while (length < needed) length *= 2;
  const larger = (array instanceof Buffer ? Buffer.alloc(length) : new (array.constructor as new (n: number) => T)(length)) as T;
  larger.set(array);
  return larger;
}
