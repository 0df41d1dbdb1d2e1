// Ad-hoc measurement of incremental runs at a workload (not part of the project).
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'ldapts';
const D = '/work/wt/incremental/dist';
const { generate, WORKLOADS, mutate } = await import(`${D}/bench/lib/model.js`);
const { writeLdif } = await import(`${D}/bench/lib/ldif.js`);
const { startSlapd, stopAllSlapd } = await import(`${D}/test/support/slapd.js`);
const { createDatabase } = await import(`${D}/bench/lib/databases.js`);
const { planChanges, applyChanges } = await import(`${D}/bench/lib/changes.js`);
const { benchDirectoryEnv } = await import(`${D}/bench/lib/sync-env.js`);
const { loadConfig } = await import(`${D}/src/config/load-config.js`);
const { openDatabase } = await import(`${D}/src/db/open-database.js`);
const { runSync } = await import(`${D}/src/run/run-sync.js`);
const { createSyncMemory } = await import(`${D}/src/run/sync-memory.js`);
const { createLogger } = await import(`${D}/src/log/logger.js`);
const { userAttributes } = await import(`${D}/src/ldap/directory-reader.js`);
const { groupAttributes } = await import(`${D}/src/ldap/group-entries.js`);
const { ALL_ATTRIBUTES_AS_BUFFERS } = await import(`${D}/src/ldap/entry-values.js`);

const workloadName = process.argv[2] ?? 'M';
const kinds = (process.argv[3] ?? 'sqlite').split(',');
const load = () => os.loadavg()[0].toFixed(2);
const log = createLogger({ level: process.env.LEVEL ?? 'warn', json: false });
const work = mkdtempSync(path.join(os.tmpdir(), 'incm-'));
const model0 = generate(WORKLOADS[workloadName]);
const ldif = path.join(work, 'd.ldif');
await writeLdif(model0, ldif);
const slapd = await startSlapd({ ldif: readFileSync(ldif, 'utf8'), sizeLimit: 1000 });
console.log(`slapd up: ${model0.users.length} users`);

async function floor(config) {
  const client = new Client({ url: config.ldap.url });
  await client.bind(config.ldap.bindDn, config.ldap.bindPassword);
  const t = performance.now(); const c = process.cpuUsage();
  for (const [filter, attributes] of [[config.ldap.userFilter, userAttributes(config.ldap)], [config.ldap.groupFilter, groupAttributes(config.ldap)]]) {
    for await (const page of client.searchPaginated(config.ldap.base, { scope: 'sub', filter, attributes, explicitBufferAttributes: ALL_ATTRIBUTES_AS_BUFFERS, paged: { pageSize: 500 } })) void page;
  }
  const cpu = process.cpuUsage(c);
  await client.unbind();
  return { ms: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function heapMiB() { global.gc(); global.gc(); return process.memoryUsage().heapUsed / 2 ** 20; }

for (const kind of kinds) {
  const cs = await createDatabase(kind, work);
  const config = loadConfig({ ...benchDirectoryEnv(slapd, cs), LDAP_SYNC_PAGE_SIZE: '500', LDAP_SYNC_INCREMENTAL: 'true' });
  await floor(config);
  const fl = [await floor(config), await floor(config), await floor(config)].sort((a, b) => a.ms - b.ms)[1];
  console.log(`${kind} floor: ${(fl.ms / 1000).toFixed(2)} s wall, ${(fl.cpuMs / 1000).toFixed(2)} s CPU (client) load ${load()}`);
  const heap0 = heapMiB();
  const memory = createSyncMemory();
  const run = async (label, options = {}) => {
    const db = await openDatabase(config.database);
    const t = performance.now(); const c = process.cpuUsage();
    try {
      const r = await runSync(config, db, log, { memory, ...options });
      const cpu = process.cpuUsage(c); const ms = performance.now() - t;
      const s = r.summary;
      console.log(`${kind} ${label}: mode=${r.mode}${r.fullReason ? ` (${r.fullReason})` : ''} ${(ms / 1000).toFixed(3)} s wall = ${(ms / fl.ms).toFixed(2)}x floor, ${(cpu.user + cpu.system) / 1e6} s CPU; read ${r.timings.readMs.toFixed(0)} ms plan ${r.timings.planMs.toFixed(0)} ms apply ${r.timings.applyMs.toFixed(0)} ms; entries ${JSON.stringify(r.entriesRead)}; users c${s.users.created} u${s.users.updated} d${s.users.disabled} groups c${s.groups.created} u${s.groups.updated} m+${s.memberships.added} m-${s.memberships.removed}; load ${load()}`);
      return r;
    } finally { await db.close(); }
  };
  await run('initial');
  const heap1 = heapMiB();
  console.log(`${kind} heap after first run with memory kept: ${heap1.toFixed(1)} MiB (before: ${heap0.toFixed(1)} MiB, delta ${(heap1 - heap0).toFixed(1)} MiB)`);
  await run('no-change #1', { deletionScan: 'never' });
  await run('no-change #2', { deletionScan: 'never' });
  await run('no-change #3', { deletionScan: 'never' });
  await run('no-change scan #1', { deletionScan: 'always' });
  await run('no-change scan #2', { deletionScan: 'always' });
  console.log(`${kind} heap after the incremental runs: ${heapMiB().toFixed(1)} MiB (delta ${(heapMiB() - heap0).toFixed(1)} MiB)`);
  if (process.env.ONEPCT === '0') {
    const withCopy = heapMiB();
    memory.kept = null; memory.normalized = new Map(); memory.lastPlan = null;
    const without = heapMiB();
    console.log(`${kind} the kept copy: ${(withCopy - without).toFixed(1)} MiB (heap ${withCopy.toFixed(1)} with, ${without.toFixed(1)} without; load ${load()})`);
  }
  if (process.env.ONEPCT !== '0') {
    const { model: model1 } = mutate(model0);
    const { phases } = planChanges(model0, model1);
    const t = performance.now();
    await applyChanges(slapd.url, slapd.adminDn, slapd.adminPassword, phases);
    console.log(`1% applied in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await run('1pct', { deletionScan: 'never' });
    await run('1pct then scan', { deletionScan: 'always' });
    console.log(`${kind} heap after 1pct: delta ${(heapMiB() - heap0).toFixed(1)} MiB`);
    const db = await openDatabase(config.database);
    try {
      const full = await runSync(config, db, log, { dryRun: true });
      const s = full.summary;
      console.log(`${kind} full dry run after: users c${s.users.created} u${s.users.updated} d${s.users.disabled} r${s.users.reEnabled} groups c${s.groups.created} u${s.groups.updated} d${s.groups.deleted} m+${s.memberships.added} m-${s.memberships.removed}`);
    } finally { await db.close(); }
    // restore for the next database: reload would be cleaner; stop here
    break;
  }
}
await stopAllSlapd();
process.exit(0);
