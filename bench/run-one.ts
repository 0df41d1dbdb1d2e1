/**
 * One measured run in a fresh process, so that maxRSS belongs to this run
 * alone: `node dist/bench/run-one.js '<RunSpec JSON>'`.
 *   sync:  openDatabase + runSync (exactly as the CLI's `sync`) + close
 *   floor: the same two paged searches with bare ldapts, results discarded
 * The result is written as JSON to spec.out.
 */
import { writeFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { claimAttributes } from '../src/ldap/claim-reader.js';
import { loadConfig } from '../src/config/load-config.js';
import { openDatabase } from '../src/db/open-database.js';
import { ALL_ATTRIBUTES_AS_BUFFERS } from '../src/ldap/entry-values.js';
import { createLogger } from '../src/log/logger.js';
import { runSync, type SyncResult } from '../src/run/run-sync.js';
import { installDriverProbe, installPgAutoExplain } from './lib/driver-probe.js';
import type { FloorRunResult, RunResult, RunSpec, SyncRunResult } from './lib/protocol.js';

function maxRssKiB(): number {
  return process.resourceUsage().maxRSS;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function sync(spec: RunSpec): Promise<SyncRunResult> {
  const explains = spec.explainMs === undefined ? undefined : installPgAutoExplain(spec.explainMs);
  const driver = installDriverProbe();
  const config = loadConfig(spec.env);
  // Warnings and errors only, on stderr: the parent shows them if the run fails.
  const log = createLogger({ level: 'warn', json: false, stream: process.stderr });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const db = await openDatabase(config.database);
  let result: SyncResult;
  try {
    result = await runSync(config, db, log);
  } finally {
    await db.close();
  }
  const wallMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  const { plan, summary, timings } = result;
  const rowsWritten =
    plan.users.create.length + plan.users.update.length + plan.users.disable.length + plan.users.delete.length +
    plan.groups.create.length + plan.groups.update.length + plan.groups.delete.length +
    plan.memberships.add.length + plan.memberships.remove.length +
    [plan.claims.users, plan.claims.groups].reduce((n, c) => n + c.create.length + c.update.length + c.delete.length, 0);
  return {
    mode: 'sync',
    label: spec.label,
    wallMs,
    cpuMs,
    readMs: timings.readMs,
    planMs: timings.planMs,
    applyMs: timings.applyMs,
    maxRssKiB: maxRssKiB(),
    entriesRead: result.entriesRead,
    summary: {
      usersCreated: summary.users.created,
      usersUpdated: summary.users.updated,
      usersReEnabled: summary.users.reEnabled,
      usersDisabled: summary.users.disabled,
      usersDeleted: summary.users.deleted,
      groupsCreated: summary.groups.created,
      groupsUpdated: summary.groups.updated,
      groupsDeleted: summary.groups.deleted,
      membershipsAdded: summary.memberships.added,
      membershipsRemoved: summary.memberships.removed,
      vacatedUsers: plan.vacate.userIds.length,
      vacatedGroups: plan.vacate.groupIds.length,
      skips: summary.skips.length,
    },
    rowsWritten,
    driver,
    ...(explains ? { explains } : {}),
    guard: result.guard?.message ?? null,
  };
}

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
        explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS,
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
    maxRssKiB: maxRssKiB(),
    entries: counts,
    memberValues,
    pages,
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
const result: RunResult = spec.mode === 'sync' ? await sync(spec) : await floor(spec);
writeFileSync(spec.out, JSON.stringify(result));
