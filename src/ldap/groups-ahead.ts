// The changed groups of an incremental run, read while its change scan runs
// (docs/incremental.md, "How a run works"). The scan walks every entry under
// the base, and only then were the groups it found changed read whole by one
// search (candidate-reads.ts searchChanged): at L the run waited about 0.2 s
// on the scan with nothing to do, then took about 0.4 s over the 630,000
// member values of the 1 % run's 3,154 groups (a profile,
// docs/incremental-history.md). The same search, started on a second
// connection as the scan starts, overlaps the two. A group it returned is
// taken only for a candidate the scan found changed with the same exact
// version (entryCSN, uSNChanged): then it is the entry as the scan saw it,
// whichever search read it first. Every other candidate is read after the
// scan as before, and a group the scan did not report is dropped (changed
// since, or seen again in the overlap: the next run's scan sees it).
import type { Client } from 'ldapts';
import { changedSearch, keyOf, readGroupParts, recordGroup, settledAt, type Candidate, type Reading } from './candidate-reads.js';
import { closeLdapConnection, describeError } from './connection.js';
import { pagedSearchPages } from './directory-reader.js';
import { normalizeDN } from './dn.js';
import { EntryValues } from './entry-values.js';
import type { ReadGroup } from '../sync/kept-directory.js';

/** A group read ahead, with what the scan's candidate must match. */
export interface AheadGroup {
  dn: string;
  read: ReadGroup;
  /** Its marker value, noted when the group is taken (MarkerWatch.noteMarker). */
  marker: string | undefined;
}

export class GroupsAhead {
  private client: Client | undefined;
  private stopped = false;
  private readonly groups: Promise<Map<string, AheadGroup> | undefined>;

  /** Starts reading; `open` opens another bound connection. Only for directories whose entries carry an exact version. */
  constructor(reading: Reading, open: () => Promise<Client>) {
    this.groups = this.readAll(reading, open)
      .catch((error: unknown) => {
        // The candidates are then read after the scan, as without this: an error that matters recurs there.
        if (!this.stopped) reading.log.debug('Changed groups not read ahead', { reason: describeError(error) });
        return undefined;
      })
      .finally(() => this.close());
  }

  private async readAll(reading: Reading, open: () => Promise<Client>): Promise<Map<string, AheadGroup> | undefined> {
    const client = await open();
    this.client = client;
    if (this.stopped) return undefined;
    const { settings, log, watch, result, input } = reading;
    const ahead: Reading = { ...reading, client };
    const groups = new Map<string, AheadGroup>();
    for await (const page of pagedSearchPages(client, settings, changedSearch(reading, false), { pageSize: settings.pageSize }, reading.stats, log)) {
      if (this.stopped) return undefined;
      result.entriesRead += page.length;
      for (const entry of page) {
        const values = new EntryValues(entry);
        const version = watch.versionOf(values);
        const key = keyOf(values, entry.dn, settings.attributes.groupUniqueId, reading.groupId);
        const kept = input.kept.groups.get(key);
        // Seen again in the overlap, as kept: the scan passes it over too (change-reader.ts scanChanged).
        if (settledAt(kept && { version: kept.version, dn: kept.group.dn }, version, entry.dn)) continue;
        const read = await readGroupParts(ahead, entry, values, key, version);
        groups.set(normalizeDN(entry.dn), { dn: entry.dn, read, marker: watch.markerOf(values) });
      }
    }
    log.debug('Read changed groups ahead of the change scan', { groups: groups.size });
    return this.stopped ? undefined : groups;
  }

  /**
   * Takes the groups read ahead for the candidates the scan found changed with
   * the same version at the same DN (pairAhead); returns the others, to be read as before.
   */
  async takeFor(reading: Reading, candidates: Candidate[]): Promise<Candidate[]> {
    const groups = await this.groups;
    if (!groups || groups.size === 0) return candidates;
    const { taken, rest } = pairAhead(candidates, groups);
    for (const [candidate, group] of taken) {
      groups.delete(normalizeDN(group.dn));
      reading.watch.noteMarker(group.marker);
      recordGroup(reading, candidate, group.read);
    }
    return rest;
  }

  /** Stops reading (the run reads the whole directory instead, or ends) and waits until the connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.close();
    await this.groups;
  }

  private async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await closeLdapConnection(client);
  }
}

/** The group read ahead is the candidate as the scan saw it: found changed, at the same DN, with the same exact version. */
function sameVersion(candidate: Candidate, group: AheadGroup): boolean {
  return candidate.changed === true && candidate.version !== undefined && candidate.version !== '' && candidate.version === group.read.version && candidate.dn === group.dn;
}

/**
 * Which candidates take which group read ahead (`groups` by normalised DN,
 * each taken once), and the candidates left. Two candidates whose DNs differ
 * only in case (a rename between the searches) are both left, as
 * searchChanged leaves them.
 */
export function pairAhead(candidates: Candidate[], groups: ReadonlyMap<string, AheadGroup>): { taken: [Candidate, AheadGroup][]; rest: Candidate[] } {
  const count = new Map<string, number>();
  const keys = candidates.map((candidate) => normalizeDN(candidate.dn));
  for (const key of keys) count.set(key, (count.get(key) ?? 0) + 1);
  const taken: [Candidate, AheadGroup][] = [];
  const rest: Candidate[] = [];
  candidates.forEach((candidate, i) => {
    const key = keys[i] as string;
    const group = count.get(key) === 1 ? groups.get(key) : undefined;
    if (group && sameVersion(candidate, group)) taken.push([candidate, group]);
    else rest.push(candidate);
  });
  return { taken, rest };
}
