// Several values of one attribute as places in their message's bytes instead of
// a Buffer each. A full read of L returns a million member values, an
// incremental run of the benchmark's 1 % mix reads 3,000 groups again whole
// (docs/incremental-history.md): 630,000 values, most of them the very
// values its kept copy holds. A Buffer per value (a typed array object on the
// heap) costs its making and its collection; looked up where they lie
// (member-resolver.ts) or compared with the kept copy there (kept-members.ts),
// values naming a known user need no object at all.
import type { Entry } from 'ldapts';

export class PackedValues {
  /** `bounds`: value k is bytes[bounds[2k], bounds[2k+1]). */
  constructor(
    readonly bytes: Buffer,
    readonly bounds: Int32Array,
    readonly count: number,
  ) {}

  at(k: number): Buffer {
    return this.bytes.subarray(this.bounds[2 * k] as number, this.bounds[2 * k + 1] as number);
  }

  /** Every value as a Buffer, as an entry holds them otherwise. */
  all(): Buffer[] {
    const values = new Array<Buffer>(this.count);
    for (let k = 0; k < this.count; k++) values[k] = this.at(k);
    return values;
  }
}

/** Where an entry keeps its packed attributes, by type as the server spelled it. */
const PACKED = Symbol('attributes kept as PackedValues');
type WithPacked = Entry & { [PACKED]?: Record<string, PackedValues> };

/**
 * Sets `type` on the entry as packed values. Read by its name, the attribute
 * is the array of Buffers it would otherwise be (made on first read, then
 * kept), so a reader that does not ask for packedValuesOf sees no difference.
 */
export function setPacked(entry: Entry, type: string, values: PackedValues): void {
  const withPacked = entry as WithPacked;
  // Not enumerable: the entry's own properties stay what they would be without packing.
  if (withPacked[PACKED] === undefined) Object.defineProperty(entry, PACKED, { value: {}, enumerable: false });
  (withPacked[PACKED] as Record<string, PackedValues>)[type] = values;
  let buffers: Buffer[] | undefined;
  Object.defineProperty(entry, type, {
    enumerable: true,
    configurable: true,
    get: () => (buffers ??= values.all()),
    set: (value: Buffer[]) => {
      delete withPacked[PACKED]?.[type];
      Object.defineProperty(entry, type, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

/** The entry's packed attributes by type (the server's spelling); undefined when it has none. */
export function packedOf(entry: Entry): Record<string, PackedValues> | undefined {
  return (entry as WithPacked)[PACKED];
}
