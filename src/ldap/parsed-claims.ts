// The user search's claims read from each entry's message while it is parsed
// (entry-parser.ts, ValueTaker): every claim's slot is written from the values'
// bytes where they lie, and an attribute only the claims read never becomes a
// Buffer per value, an array, nor a name in the entry's EntryValues. At L that
// is 400,000 values of 100,000 entries, which the reader otherwise turned into
// Buffers, then an EntryValues map, then the same claim string
// (plain-claims.ts). The string is the one readClaimValues (claim-reader.ts)
// gives for the entry as ldapts would return it, byte for byte: plain values
// as plain-claims.ts writes them, any other value (not plain text, over the
// size limit, skipped with its reason) through the general path of
// src/sync/claim-values.ts. An entry with an attribute option (`;binary`,
// `;range=` of Active Directory's ranged values) or a claim attribute twice is
// parsed again whole and read as before; a malformed one is left to ldapts.
import type { Entry } from 'ldapts';
import { claimValue, MAX_CLAIM_VALUE_BYTES } from '../sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../sync/entry-claims.js';
import type { ClaimMapping } from '../sync/types.js';
import { bounds, parseSearchEntry, valueBounds, type ParsedEntry, type ValueTaker } from './entry-parser.js';
import { bytes, type ClaimBytes } from './claim-bytes.js';

/** A type that no claim reads, and one with an option: the entry is then read as before. */
const SEPARATE = -1;
const WITH_OPTION = -2;
/** The type names kept (bounded: a server picks the names). */
const TYPES_KEPT = 64;

/** An array claim's slot from the `count` values in `bounds`, when they are plain. */
function arraySlot(out: ClaimBytes, buffer: Buffer, count: number): boolean {
  let written = 0;
  for (let k = 0; k < count; k++) {
    const from = bounds[2 * k] as number;
    const to = bounds[2 * k + 1] as number;
    if (from === to) continue;
    if (!out.arrayValue(buffer, from, to, written)) return false;
    written++;
  }
  return out.arrayEnd(written);
}

/** Where the entry keeps the claim string read with it. */
const CLAIMS = Symbol('claims read while the entry was parsed');
type WithClaims = Entry & { [CLAIMS]?: string };

/** The claim string read while the entry was parsed (readClaimValues's answer for it); undefined when it was not. */
export function parsedClaims(entry: Entry): string | undefined {
  return (entry as WithClaims)[CLAIMS];
}

/** One search's claims (LDAP_SYNC_USER_CLAIMS), read from its entries as they are parsed. */
export class ClaimParsing implements ValueTaker {
  /** Per claim: the index of its attribute, -1 for a retired claim. */
  private readonly slotAttribute: Int32Array;
  /** Lower-cased attribute name → index. */
  private readonly attributeIndex = new Map<string, number>();
  /** Per attribute: whether only the claims read it (the entry then goes without it). */
  private readonly claimOnly: boolean[] = [];
  /** The requested names of those attributes, which the entry need not hold as [] when missing (buffer-entries.ts). */
  private readonly claimOnlyNames = new Set<string>();
  /** The last list of requested names unclaimed() was asked about, and its answer. */
  private requested: string[] | undefined;
  private unclaimedNames: string[] = [];
  /** Types as the server spells them → attribute index, SEPARATE or WITH_OPTION. */
  private readonly types = new Map<string, number>();
  /** Per attribute: where its values lie in the entry being parsed; starts -1 when it has none. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  /** An option or a claim attribute twice in the entry being parsed: it is read as before. */
  private unusual = false;

  /** `others`: the attributes the search reads for anything but the claims. */
  constructor(
    private readonly mappings: ClaimMapping[],
    others: string[],
  ) {
    const read = new Set(others.map((name) => name.toLowerCase()));
    this.slotAttribute = Int32Array.from(mappings, ({ attribute }) => {
      if (attribute === null || attribute === '') return -1;
      const lower = attribute.toLowerCase();
      let index = this.attributeIndex.get(lower);
      if (index === undefined) {
        index = this.attributeIndex.size;
        this.attributeIndex.set(lower, index);
        this.claimOnly.push(!read.has(lower));
      }
      if (!read.has(lower)) this.claimOnlyNames.add(attribute);
      return index;
    });
    this.starts = new Int32Array(this.attributeIndex.size);
    this.ends = new Int32Array(this.attributeIndex.size);
  }

  /** The entry whose objectName starts at `at`, with its claim string; undefined when ldapts must read it (malformed). */
  parse(buffer: Buffer, at: number, end: number): ParsedEntry | undefined {
    this.starts.fill(-1);
    this.unusual = false;
    const parsed = parseSearchEntry(buffer, at, end, false, this);
    if (parsed === undefined) return undefined;
    if (this.unusual) return parseSearchEntry(buffer, at, end);
    const claims = this.plainClaims(buffer) ?? this.generalClaims(buffer);
    if (claims === undefined) return undefined;
    (parsed.entry as WithClaims)[CLAIMS] = claims;
    return parsed;
  }

  /** The `requested` names but those of attributes only the claims read (the search's list: worked out once, not per entry). */
  unclaimed(requested: string[]): string[] {
    if (requested !== this.requested) {
      this.requested = requested;
      this.unclaimedNames = requested.filter((name) => !this.claimOnlyNames.has(name));
    }
    return this.unclaimedNames;
  }

  take(type: string, at: number, end: number): boolean {
    const index = this.types.get(type) ?? this.learn(type);
    if (index < 0 || this.starts[index] !== -1) {
      // A name twice: which values EntryValues keeps then depends on the spellings' order; not worth repeating here.
      if (index !== SEPARATE) this.unusual = true;
      return false;
    }
    this.starts[index] = at;
    this.ends[index] = end;
    return this.claimOnly[index] as boolean;
  }

  private learn(type: string): number {
    const lower = type.toLowerCase();
    const index = lower.includes(';') ? WITH_OPTION : (this.attributeIndex.get(lower) ?? SEPARATE);
    if (this.types.size < TYPES_KEPT) this.types.set(type, index);
    return index;
  }

  /** The values of claim `k`'s attribute into `bounds`: their count (0 when the entry has none), -1 when malformed. */
  private valuesOf(buffer: Buffer, k: number): number {
    const index = this.slotAttribute[k] as number;
    const start = index < 0 ? -1 : (this.starts[index] as number);
    return start === -1 ? 0 : valueBounds(buffer, start, this.ends[index] as number);
  }

  /** The claim string when every value is plain and no slot is over the size limit (plain-claims.ts); null otherwise. */
  private plainClaims(buffer: Buffer): string | null {
    const out = bytes;
    out.length = 0;
    for (let k = 0; k < this.mappings.length; k++) {
      if (!out.startSlot(k)) return null;
      const count = this.valuesOf(buffer, k);
      if (count < 0) return null;
      const start = out.length;
      const written = (this.mappings[k] as ClaimMapping).multi ? arraySlot(out, buffer, count) : count === 0 || out.stringSlot(buffer, bounds[0] as number, bounds[1] as number);
      if (!written || out.length - start > MAX_CLAIM_VALUE_BYTES) return null;
    }
    return out.text();
  }

  /** The claim string through the general path (claim-reader.ts's slots); undefined when a SET is malformed. */
  private generalClaims(buffer: Buffer): string | undefined {
    const slots: string[] = [];
    for (let k = 0; k < this.mappings.length; k++) {
      const count = this.valuesOf(buffer, k);
      if (count < 0) return undefined;
      const { attribute, multi } = this.mappings[k] as ClaimMapping;
      const values = Array.from({ length: count }, (_, v) => buffer.subarray(bounds[2 * v], bounds[2 * v + 1]));
      slots.push(attribute === null ? '' : claimSlot(claimValue(attribute, values, multi)));
    }
    return joinClaimSlots(slots);
  }
}
