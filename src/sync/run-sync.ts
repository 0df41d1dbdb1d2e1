import type { Config } from '../config/config.js';
import type { PocketIdDatabase } from '../db/database.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { readDirectory } from '../ldap/directory-reader.js';
import type { DirectorySnapshot } from '../ldap/snapshot.js';
import type { Logger } from '../log/logger.js';
import { apply } from './apply.js';
import { plan } from './plan.js';
import { summarize, type SyncSummary } from './summary.js';
import type { SyncPlan } from './types.js';

export interface SyncResult {
  dryRun: boolean;
  plan: SyncPlan;
  summary: SyncSummary;
  entriesRead: { users: number; groups: number };
  timings: { readMs: number; planMs: number; applyMs: number };
}

async function readSnapshot(config: Config, log: Logger): Promise<DirectorySnapshot> {
  const client = await openLdapConnection(config.ldap);
  try {
    return await readDirectory(client, config.ldap, log);
  } finally {
    await closeLdapConnection(client);
  }
}

/**
 * One sync: read the whole directory, then plan and apply inside one database
 * transaction. Every caller (CLI, scheduler, HTTP) goes through here.
 * With `dryRun` the plan is computed from a read-only look at the database and
 * no write transaction is ever opened.
 */
export async function runSync(config: Config, db: PocketIdDatabase, log: Logger, options: { dryRun?: boolean } = {}): Promise<SyncResult> {
  const dryRun = options.dryRun ?? false;
  const snapshot = await readSnapshot(config, log);
  const timings = { readMs: snapshot.stats.readMs, planMs: 0, applyMs: 0 };
  const makePlan = (state: Parameters<typeof plan>[1]) => {
    const started = performance.now();
    const result = plan(snapshot, state, config.rules);
    timings.planMs = performance.now() - started;
    return result;
  };

  let syncPlan: SyncPlan;
  if (dryRun) {
    syncPlan = makePlan(await db.readState());
  } else {
    syncPlan = await db.write(async (state, writer) => {
      const planned = makePlan(state);
      const started = performance.now();
      await apply(planned, writer, new Date());
      timings.applyMs = performance.now() - started;
      return planned;
    });
  }

  for (const skip of syncPlan.skips) {
    log.warn('Skipped LDAP entry', { kind: skip.kind, dn: skip.dn, reason: skip.reason, detail: skip.message });
  }
  return {
    dryRun,
    plan: syncPlan,
    summary: summarize(syncPlan),
    entriesRead: { users: snapshot.users.length, groups: snapshot.groups.length },
    timings,
  };
}
