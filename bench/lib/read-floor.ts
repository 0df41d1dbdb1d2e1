/**
 * The floor of one incremental run's own reads (bench/README.md, "Incremental
 * runs"): every LDAP search the run made is recorded where ldapts receives it
 * (Client.prototype.search and searchPaginated, wrapped in the bench child
 * without touching src/), then made again with a bare ldapts client, results
 * discarded. The full floor reads the whole directory; a 1 % run that must
 * read 3,154 groups whole cannot cost less than reading them, so its cost
 * beyond its reads is the run's wall time over this floor.
 */
import { Client, type Control, type SearchOptions } from 'ldapts';
import { cpuMsSince } from './measure-sync.js';
import type { ReadFloor } from './protocol.js';

interface RecordedSearch {
  base: string;
  options: SearchOptions;
  controls: Control | Control[] | undefined;
  paged: boolean;
}

/** Base-object reads in flight at once, as the run makes them (BASE_SEARCHES_AT_ONCE in src/ldap/read-context.ts). */
const CONCURRENCY = 8;

let recording: RecordedSearch[] | null = null;

/** Wraps ldapts once per process; nothing is recorded outside recordSearches(). */
export function installSearchRecorder(): void {
  const proto = Client.prototype;
  const search = proto.search;
  const paginated = proto.searchPaginated;
  proto.search = function (this: Client, base, options, controls) {
    recording?.push({ base: String(base), options: { ...options }, controls, paged: false });
    return search.call(this, base, options, controls);
  };
  proto.searchPaginated = function (this: Client, base, options, controls) {
    recording?.push({ base: String(base), options: { ...options }, controls, paged: true });
    return paginated.call(this, base, options, controls);
  };
}

/** Runs `run` and returns what it returned with the searches it made, in order. */
export async function recordSearches<T>(run: () => Promise<T>): Promise<{ value: T; searches: RecordedSearch[] }> {
  recording = [];
  try {
    const value = await run();
    return { value, searches: recording };
  } finally {
    recording = null;
  }
}

/** The searches again, paged ones alone and runs of base-object ones CONCURRENCY at a time, as the run made them. */
async function replayOnce(bind: { url: string; dn: string; password: string }, searches: RecordedSearch[]): Promise<{ wallMs: number; cpuMs: number; entries: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const client = new Client({ url: bind.url, strictDN: false });
  await client.bind(bind.dn, bind.password);
  let entries = 0;
  try {
    for (let i = 0; i < searches.length; ) {
      const first = searches[i] as RecordedSearch;
      if (first.paged) {
        for await (const page of client.searchPaginated(first.base, first.options, first.controls)) entries += page.searchEntries.length;
        i += 1;
        continue;
      }
      const batch: RecordedSearch[] = [];
      for (; i < searches.length && !searches[i]?.paged; i += 1) batch.push(searches[i] as RecordedSearch);
      const worker = async () => {
        for (let next = batch.shift(); next; next = batch.shift()) {
          // An entry the run found gone is gone here too: the error is its answer.
          const found = await client.search(next.base, next.options, next.controls).then((r) => r.searchEntries.length, () => 0);
          // Not `entries += await …`: that reads `entries` before the await and loses the other workers' counts.
          entries += found;
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batch.length) }, worker));
    }
  } finally {
    await client.unbind();
  }
  return { wallMs: performance.now() - started, cpuMs: cpuMsSince(cpu), entries };
}

/** Median of `runs` replays (the run just read the same entries: the server's caches are as warm as for the full floor). */
export async function measureReadFloor(bind: { url: string; dn: string; password: string }, searches: RecordedSearch[], runs = 3): Promise<ReadFloor> {
  const results: { wallMs: number; cpuMs: number; entries: number }[] = [];
  for (let i = 0; i < runs; i++) results.push(await replayOnce(bind, searches));
  results.sort((a, b) => a.wallMs - b.wallMs);
  const median = results[Math.floor(results.length / 2)] as { wallMs: number; cpuMs: number; entries: number };
  return { medianMs: median.wallMs, cpuMs: median.cpuMs, searches: searches.length, entries: median.entries };
}
