/**
 * One measured sync inside a bench child: openDatabase + runSync (exactly as
 * the CLI's `sync`) + close, with wall and CPU time, the driver's statement
 * statistics of this run alone, and what the plan wrote.
 */
import type { Config, DatabaseTarget } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/open-database.js';
import type { Logger } from '../../src/log/logger.js';
import { runSync, type SyncOptions, type SyncResult } from '../../src/run/run-sync.js';
import { resetDriverStats } from './driver-probe.js';
import type { DriverStats, SyncRunResult } from './protocol.js';

export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function rowsWritten({ plan }: SyncResult): number {
  return (
    plan.users.create.length + plan.users.update.length + plan.users.disable.length + plan.users.delete.length +
    plan.groups.create.length + plan.groups.update.length + plan.groups.delete.length +
    plan.memberships.add.length + plan.memberships.remove.length +
    [plan.claims.users, plan.claims.groups].reduce((n, c) => n + c.create.length + c.update.length + c.delete.length, 0)
  );
}

/**
 * The database's modules (kysely, the driver), loaded before the timer starts,
 * as the floor's ldapts is by its static import (run-one.ts): openDatabase loads
 * them lazily, 120-145 ms at load 4, which the daemon pays once at start and its
 * scheduled runs never pay. The connection itself is still opened in the timed span.
 */
async function loadDatabaseModules(target: DatabaseTarget): Promise<void> {
  await (target.kind === 'postgres' ? import('../../src/db/postgres/postgres-database.js') : import('../../src/db/sqlite/sqlite-database.js'));
}

/** `driver`: the probe's live statistics (installDriverProbe), emptied before the run so they are this run's. */
export async function measureSync(label: string, config: Config, log: Logger, driver: DriverStats, options: SyncOptions = {}): Promise<SyncRunResult> {
  resetDriverStats(driver);
  await loadDatabaseModules(config.database);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const db = await openDatabase(config.database);
  let result: SyncResult;
  try {
    result = await runSync(config, db, log, options);
  } finally {
    await db.close();
  }
  const wallMs = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  const { plan, summary, timings } = result;
  return {
    mode: 'sync',
    syncMode: result.mode,
    ...(result.fullReason ? { fullReason: result.fullReason } : {}),
    label,
    wallMs,
    cpuMs,
    readMs: timings.readMs,
    planMs: timings.planMs,
    applyMs: timings.applyMs,
    maxRssKiB: process.resourceUsage().maxRSS,
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
    rowsWritten: rowsWritten(result),
    driver: structuredClone(driver),
    guard: result.guard?.message ?? null,
  };
}
