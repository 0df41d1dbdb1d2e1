// The known users' DNs (known-users.ts) as a few bytes each, for one question
// of a group read again (kept-members.ts): is this member value still the DN
// of the user its kept copy named? Most DNs of a directory are a short first
// RDN before one shared tail (",ou=people,dc=example,dc=com" is 28 of the 39
// bytes of a DN at L), so each user's head sits in a slot of its own in one
// typed array and the tail is one copy: comparing a value with them reads no
// string. Compared with the kept DN strings instead (a char code read per
// byte, a string somewhere on the heap per value), the 643,000 values of a
// scratch copy of the 1 % run at L took 1.5 to 2 times the CPU in one process
// by turns (docs/incremental-history.md).

/** Bytes of a head: DNs whose first part is longer are compared the long way. */
const HEAD = 24;
/** The user's DN is not held here (not ASCII, too long, or without the tail). */
const NOT_HELD = -1;
/** The user was forgotten (KnownUsers.forget). */
const GONE = -2;
/** Whether this machine's typed arrays are little-endian: the heads' words are read in its order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `text` is ASCII without NUL: its UTF-8 bytes are its char codes (the tail's; a head's are checked as they are copied). */
function plainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0 || code > 0x7f) return false;
  }
  return true;
}

export class DnHeads {
  private heads = new Uint8Array(0);
  /** `heads` four bytes at a time (a slot is six words). */
  private headWords = new Uint32Array(0);
  /** Per user: the length of its head, NOT_HELD or GONE. */
  private lengths = new Int8Array(0);
  private readonly tailText: string;
  private readonly tail: Buffer;
  /** The tail's whole words, as a DataView reads them in this machine's order. */
  private readonly tailWords: Uint32Array;

  /** `tail`: what most DNs end with; held only when ASCII. `users`: how many to make room for. */
  constructor(tail: string, users = 1024) {
    this.grow(users);
    this.tailText = plainAscii(tail) ? tail : '';
    this.tail = Buffer.from(this.tailText, 'latin1');
    const bytes = new DataView(this.tail.buffer, this.tail.byteOffset, this.tail.length);
    this.tailWords = Uint32Array.from({ length: this.tail.length >> 2 }, (_, w) => bytes.getUint32(4 * w, LITTLE_ENDIAN));
  }

  /** The tail of a DN: from its first comma on ('' without one). */
  static tailOf(dn: string): string {
    const comma = dn.indexOf(',');
    return comma < 0 ? '' : dn.slice(comma);
  }

  set(user: number, dn: string): void {
    if (user >= this.lengths.length) this.grow(user + 1);
    const head = dn.length - this.tail.length;
    let held = head >= 0 && head <= HEAD && dn.endsWith(this.tailText);
    const heads = this.heads;
    for (let i = 0, at = user * HEAD; held && i < head; i++) {
      const code = dn.charCodeAt(i);
      held = code !== 0 && code <= 0x7f;
      heads[at + i] = code;
    }
    this.lengths[user] = held ? head : NOT_HELD;
  }

  forget(user: number): void {
    if (user >= this.lengths.length) this.grow(user + 1);
    this.lengths[user] = GONE;
  }

  /**
   * 1 when `user` is known and its DN's UTF-8 bytes are exactly the view's
   * bytes [start, end), 0 when not (or forgotten), -1 when its DN is not held
   * here: compare it the long way. Read four bytes at a time: a match, the
   * usual answer, compares every byte, and by bytes took three times the CPU
   * (docs/incremental-history.md).
   */
  same(user: number, view: DataView, start: number, end: number): number {
    const head = user < this.lengths.length ? (this.lengths[user] as number) : NOT_HELD;
    if (head < 0) return head === GONE ? 0 : -1;
    if (end - start !== head + this.tail.length) return 0;
    const { heads, headWords } = this;
    const at = user * HEAD;
    let i = 0;
    for (; i + 4 <= head; i += 4) if (view.getUint32(start + i, LITTLE_ENDIAN) !== headWords[(at + i) >> 2]) return 0;
    for (; i < head; i++) if (view.getUint8(start + i) !== heads[at + i]) return 0;
    return this.sameTail(view, start + head);
  }

  /** Whether the tail's bytes are at the view's [from…) (its length is checked by same()). */
  private sameTail(view: DataView, from: number): 0 | 1 {
    const { tailWords, tail } = this;
    for (let w = 0; w < tailWords.length; w++) if (view.getUint32(from + 4 * w, LITTLE_ENDIAN) !== tailWords[w]) return 0;
    for (let i = 4 * tailWords.length; i < tail.length; i++) if (view.getUint8(from + i) !== tail[i]) return 0;
    return 1;
  }

  private grow(needed: number): void {
    let length = Math.max(1024, this.lengths.length * 2);
    while (length < needed) length *= 2;
    const lengths = new Int8Array(length).fill(NOT_HELD);
    lengths.set(this.lengths);
    const heads = new Uint8Array(length * HEAD);
    heads.set(this.heads);
    this.lengths = lengths;
    this.heads = heads;
    this.headWords = new Uint32Array(heads.buffer, heads.byteOffset, heads.length >> 2);
  }
}
