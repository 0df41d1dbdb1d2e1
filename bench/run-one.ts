/**
 * One measured run in a fresh process, so that maxRSS belongs to this run
 * alone: `node dist/bench/run-one.js '<RunSpec JSON>'`.
 *   sync:        openDatabase + runSync (exactly as the CLI's `sync`) + close (lib/measure-sync.ts)
 *   floor:       the same two paged searches with bare ldapts, results discarded
 *   incremental: a full run, then incremental runs with the same memory (lib/incremental-child.ts)
 * The result is written as JSON to spec.out.
 */
import { writeFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { claimAttributes } from '../src/ldap/claim-reader.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/log/logger.js';
import { benchLogLevel } from './lib/options.js';
import { installDriverProbe, installPgAutoExplain } from './lib/driver-probe.js';
import { incrementalChild } from './lib/incremental-child.js';
import { cpuMsSince, measureSync } from './lib/measure-sync.js';
import type { FloorRunResult, RunResult, RunSpec, SyncRunResult } from './lib/protocol.js';

async function sync(spec: RunSpec): Promise<SyncRunResult> {
  const explains = spec.explainMs === undefined ? undefined : installPgAutoExplain(spec.explainMs);
  const driver = installDriverProbe();
  // Warnings and errors only, on stderr: the parent shows them if the run fails.
  // BENCH_LOG_LEVEL=debug: the sync's own lines (one per SQLite batch) on stdout, among the bench's.
  const shown = benchLogLevel();
  const log = createLogger({ level: shown ?? 'warn', json: false, stream: shown ? process.stdout : process.stderr });
  const result = await measureSync(spec.label, loadConfig(spec.env), log, driver);
  return explains ? { ...result, explains } : result;
}

/**
 * Every attribute as Buffers, as the reader asks (src/ldap/entry-values.ts),
 * but a list of its own: the reader's list also spares ldapts decoding each
 * value to a string, and the floor is what a bare ldapts client pays.
 */
class EveryAttribute extends Array<string> {
  override includes(): boolean {
    return true;
  }
}
const EVERY_ATTRIBUTE_AS_BUFFERS: string[] = new EveryAttribute();

/** What the reader requests (directory-reader.ts: unique(), empty names dropped). */
function unique(names: string[]): string[] {
  return [...new Set(names.filter((name) => name !== ''))];
}

async function floor(spec: RunSpec): Promise<FloorRunResult> {
  const settings = loadConfig(spec.env).ldap;
  const a = settings.attributes;
  const searches = [
    { what: 'users', filter: settings.userFilter, attributes: unique([a.userUniqueId, a.username, a.email, a.firstName, a.lastName, a.displayName, ...claimAttributes(settings.claims.user)]) },
    { what: 'groups', filter: settings.groupFilter, attributes: unique([a.groupName, a.groupUniqueId, a.groupMember]) },
  ];
  const started = performance.now();
  const cpu = process.cpuUsage();
  const client = new Client({ url: settings.url, timeout: settings.timeoutMs, connectTimeout: settings.timeoutMs, strictDN: false });
  await client.bind(settings.bindDn, settings.bindPassword);
  const counts = { users: 0, groups: 0 };
  const ms = { users: 0, groups: 0 };
  let pages = 0;
  let memberValues = 0;
  const memberKey = a.groupMember.toLowerCase();
  try {
    for (const search of searches) {
      const t = performance.now();
      const paged = client.searchPaginated(settings.base, {
        scope: 'sub',
        derefAliases: 'never',
        filter: search.filter,
        attributes: search.attributes,
        explicitBufferAttributes: EVERY_ATTRIBUTE_AS_BUFFERS,
        paged: { pageSize: settings.pageSize },
      });
      for await (const page of paged) {
        pages += 1;
        counts[search.what as 'users' | 'groups'] += page.searchEntries.length;
        if (search.what === 'groups') {
          for (const entry of page.searchEntries) {
            for (const [key, value] of Object.entries(entry)) {
              if (key.toLowerCase() === memberKey) memberValues += Array.isArray(value) ? value.length : 1;
            }
          }
        }
      }
      ms[search.what as 'users' | 'groups'] = performance.now() - t;
    }
  } finally {
    await client.unbind();
  }
  return {
    mode: 'floor',
    label: spec.label,
    wallMs: performance.now() - started,
    cpuMs: cpuMsSince(cpu),
    usersMs: ms.users,
    groupsMs: ms.groups,
    maxRssKiB: process.resourceUsage().maxRSS,
    entries: counts,
    memberValues,
    pages,
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
const run = { sync, floor, incremental: incrementalChild }[spec.mode];
const result: RunResult = await run(spec);
writeFileSync(spec.out, JSON.stringify(result));
// An incremental child keeps an IPC channel to the parent open; nothing else is left to wait for.
process.exit(0);
