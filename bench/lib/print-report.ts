// What the benchmark prints at the end: the table, the load, the targets, profiles and PostgreSQL plans.
import os from 'node:os';
import type { Options } from './options.js';
import { formatProfile } from './profile.js';
import { formatChecks, formatTable, type TableRow, type TargetCheck } from './report.js';
import type { WorkloadReport } from './workload-report.js';

/** The table, the load, the targets, and with --profile / --pg-explain what they found. */
export function printReport(reports: WorkloadReport[], options: Options, rows: TableRow[], checks: TargetCheck[]): void {
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  const loads = reports.flatMap((r) => [...r.syncs.flatMap((m) => m.load), ...r.floors.flatMap((f) => f.loads.flat()), ...r.incremental.flatMap((m) => m.load)]);
  if (loads.length > 0) {
    console.log(`1-minute load average during the measured runs: ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} CPUs (wall times include waiting for slapd and the database server; CPU s is the sync process alone)`);
    console.log('');
  }
  console.log('Targets (stated for L; for M an indication only):');
  console.log(formatChecks(checks));
  if (options.profile) printProfiles(reports, options);
  if (options.pgExplainMs !== null) printExplains(reports, options.pgExplainMs);
}

function printProfiles(reports: WorkloadReport[], options: Options): void {
  console.log('');
  console.log('CPU profiles (node --cpu-prof, self time):');
  for (const report of reports) {
    for (const floor of report.floors) if (floor.profile) console.log(`${floor.label}\n${formatProfile(floor.profile)}`);
    for (const m of report.syncs) {
      if (!m.profile) continue;
      console.log(`${m.workload}-${m.database}-${m.scenario}${options.repeat > 1 ? `-${m.repetition}` : ''}\n${formatProfile(m.profile)}`);
      console.log('    slowest statements:');
      for (const st of m.result.driver.slowest.slice(0, 6)) console.log(`      ${st.ms.toFixed(0).padStart(7)} ms ${String(st.rows).padStart(8)} rows  ${st.sql}`);
    }
  }
}

function printExplains(reports: WorkloadReport[], explainMs: number): void {
  console.log('');
  console.log(`PostgreSQL auto_explain (statements over ${explainMs} ms, first 3 per run):`);
  for (const report of reports) {
    for (const m of report.syncs) {
      for (const plan of (m.result.explains ?? []).slice(0, 3)) console.log(`${m.workload}-${m.database}-${m.scenario}\n${plan}\n`);
    }
  }
}
