// The directory's change markers (docs/incremental.md): which one a server
// offers (vendors.ts changeMarkerOf), the root DSE values an Active Directory
// watermark rests on, and the watermark itself. The watermark always comes from
// the directory's own values, never from this process's clock.
import type { Client } from 'ldapts';
import { errorMessage } from '../log/error-message.js';
import type { EntryValues } from './entry-values.js';
import { changeMarkerOf, ROOT_DSE_ATTRIBUTES, rootDseFromEntry, vendorFromRootDse, type ChangeMarker, type DetectedVendor } from './vendors.js';

/**
 * Where the next incremental run starts reading. `usn`: uSNChanged >= next on
 * the DC named dsServiceName. `timestamp`: modifyTimestamp >= from (Unix seconds).
 */
export type Watermark = { kind: 'usn'; next: bigint; dsServiceName: string } | { kind: 'timestamp'; from: number; latest: number };

/** The server, its marker, and (Active Directory, Samba) where its update sequence stands before a read. */
export interface MarkerState {
  vendor: DetectedVendor;
  marker: ChangeMarker;
  /** highestCommittedUSN read before the read: every later change has a larger uSNChanged. */
  highestCommittedUsn?: bigint;
  /** The DC that answers (its NTDS Settings DN): USNs are its own, another DC's mean nothing here. */
  dsServiceName?: string;
}

/** Reads the root DSE once: the server (as detectVendor) plus the update sequence values. */
export async function readMarkerState(client: Pick<Client, 'search'>): Promise<MarkerState> {
  let vendor: DetectedVendor;
  let usn: string | undefined;
  let dsServiceName: string | undefined;
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: [...ROOT_DSE_ATTRIBUTES, 'highestCommittedUSN', 'dsServiceName'],
    });
    const dse = rootDseFromEntry(searchEntries[0]);
    vendor = vendorFromRootDse(dse);
    usn = dse.get('highestcommittedusn')?.[0];
    dsServiceName = dse.get('dsservicename')?.[0];
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0];
    vendor = { kind: 'unknown', label: 'unrecognised directory', activeDirectoryCompatible: false, pagedResults: false, evidence: [`root DSE not readable: ${reason}`] };
  }
  const state: MarkerState = { vendor, marker: changeMarkerOf(vendor) };
  if (usn !== undefined && /^\d+$/.test(usn.trim())) state.highestCommittedUsn = BigInt(usn.trim());
  if (dsServiceName) state.dsServiceName = dsServiceName;
  return state;
}

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,]\d+)?(Z|[+-]\d{2}(?:\d{2})?)$/;

/** The number written by the decimal digits text[from, from + count); -1 when one is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The form slapd writes, 20261130091500Z, without the regular expression: an
 * incremental run notes the marker of every entry its scans return (6,900 in the
 * 1 % run at L), and the match, its captures and the trimmed copy were garbage.
 * Null for any other form.
 */
function plainUtcSeconds(text: string): number | null {
  if (text.length !== 15 || text.charCodeAt(14) !== 0x5a || digitsAt(text, 0, 14) < 0) return null;
  const seconds = Date.UTC(digitsAt(text, 0, 4), digitsAt(text, 4, 2) - 1, digitsAt(text, 6, 2), digitsAt(text, 8, 2), digitsAt(text, 10, 2), digitsAt(text, 12, 2)) / 1000;
  return Number.isFinite(seconds) ? seconds : null;
}

/** RFC 4517 GeneralizedTime → Unix seconds (fractions dropped); null when it is not one. */
export function parseGeneralizedTime(text: string): number | null {
  const plain = plainUtcSeconds(text);
  if (plain !== null) return plain;
  const match = GENERALIZED_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute = '00', second = '00', zone = 'Z'] = match;
  let seconds = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) / 1000;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(3, 5) || '0') * 60;
    seconds -= sign * offset;
  }
  return Number.isFinite(seconds) ? seconds : null;
}

/** Unix seconds → GeneralizedTime in UTC, whole seconds: 20261130091500Z. */
export function formatGeneralizedTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** The filter selecting entries changed at or after the watermark. */
export function changedSince(marker: ChangeMarker, watermark: Watermark): string {
  if (watermark.kind === 'usn') return `(${marker.attribute}>=${watermark.next})`;
  return `(${marker.attribute}>=${formatGeneralizedTime(watermark.from)})`;
}

/** Follows the marker values of the entries a read returned. */
export class MarkerWatch {
  /** Entries without a usable marker value. */
  missing = 0;
  seen = 0;
  /** Highest modifyTimestamp seen (Unix seconds). */
  latest = Number.NEGATIVE_INFINITY;

  constructor(private readonly marker: ChangeMarker) {}

  /** Notes one entry's marker; returns its exact version ('' when the directory offers none). */
  note(values: EntryValues): string {
    this.noteMarker(this.markerOf(values));
    return this.versionOf(values);
  }

  /** The entry's marker value as text, to note later (noteMarker). */
  markerOf(values: EntryValues): string | undefined {
    return values.first(this.marker.attribute)?.toString('utf8');
  }

  noteMarker(raw: string | undefined): void {
    const time = raw !== undefined && this.marker.kind === 'timestamp' ? parseGeneralizedTime(raw) : null;
    const usable = raw !== undefined && (this.marker.kind === 'usn' ? /^\d+$/.test(raw.trim()) : time !== null);
    if (!usable) this.missing += 1;
    else {
      this.seen += 1;
      if (time !== null) this.latest = Math.max(this.latest, time);
    }
  }

  /** The entry's exact version ('' when the directory offers none), noting nothing. */
  versionOf(values: EntryValues): string {
    return this.marker.version ? (values.first(this.marker.version)?.toString('utf8') ?? '') : '';
  }
}

/**
 * The watermark after a read that took `readMs`, or why there is none.
 * `usn`: highestCommittedUSN + 1 as read before the read. `timestamp`: the
 * latest modifyTimestamp seen (M), moved back by the read's duration rounded
 * up to whole seconds (D). Why that is enough: M is at most the server's
 * clock when the read ended, so M - D is at most its clock, in whole seconds,
 * when the read began, and every change made while the read was going has a
 * modifyTimestamp at or after that; searching with >= reads it again next
 * time, and the overlap costs only ids when entries carry an exact version
 * (entryCSN) or an unchanged content. Never before the previous watermark,
 * nor before the latest value an earlier run saw (`latest`): that change was
 * committed before the earlier run ended, so before this one began.
 */
export function nextWatermark(state: MarkerState, watch: MarkerWatch, readMs: number, previous: Watermark | undefined): Watermark | { problem: string } {
  const attribute = state.marker.attribute;
  if (watch.missing > 0) return { problem: `${watch.missing} entries came without a usable ${attribute} (may the bind account read it?)` };
  if (state.marker.kind === 'usn') {
    if (state.highestCommittedUsn === undefined || !state.dsServiceName) return { problem: 'the root DSE has no highestCommittedUSN or dsServiceName' };
    return { kind: 'usn', next: state.highestCommittedUsn + 1n, dsServiceName: state.dsServiceName };
  }
  const before = previous?.kind === 'timestamp' ? previous : { from: 0, latest: 0 };
  const from = Math.max(before.from, before.latest);
  if (watch.seen === 0) return { kind: 'timestamp', from, latest: before.latest };
  return { kind: 'timestamp', from: Math.max(from, watch.latest - Math.max(1, Math.ceil(readMs / 1000))), latest: Math.max(before.latest, watch.latest) };
}
