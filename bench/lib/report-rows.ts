// The printed table's rows: floors, write floors, dry runs, the median repetition of each sync, incremental runs.
import { claimShareRows } from './claim-share.js';
import { pooledClaimShareRows } from './claim-share-pooled.js';
import { incrementalRows, type Floors } from './incremental-bench.js';
import { formatBytes, rowsDetail, type TableRow } from './report.js';
import { median, type SyncMeasurement, type WorkloadReport } from './workload-report.js';

/** Per database and scenario, the repetition with the median wall time (the lower middle for an even count). */
export function representatives(syncs: SyncMeasurement[]): SyncMeasurement[] {
  const groups = new Map<string, SyncMeasurement[]>();
  for (const s of syncs) {
    const key = `${s.database}/${s.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.result.wallMs - b.result.wallMs);
    return sorted[Math.floor((sorted.length - 1) / 2)] as SyncMeasurement;
  });
}

export function tableRows(reports: WorkloadReport[]): TableRow[] {
  const rows: TableRow[] = [];
  for (const report of reports) {
    for (const floor of report.floors) {
      const first = floor.runs[0];
      rows.push({
        workload: report.workload,
        database: '-',
        scenario: floor.label.endsWith('after-1pct') ? 'floor (after 1%)' : 'floor',
        wallMs: floor.medianMs,
        cpuMs: median(floor.runs.map((r) => r.cpuMs)),
        maxRssKiB: Math.max(...floor.runs.map((r) => r.maxRssKiB)),
        readMs: floor.medianMs,
        rowsDetail: first ? `${first.entries.users} users, ${first.entries.groups} groups, ${first.memberValues} member values, ${first.pages} pages` : '',
      });
    }
    for (const f of report.writeFloors) {
      rows.push({
        workload: report.workload,
        database: f.database,
        scenario: 'write floor',
        wallMs: f.ms,
        cpuMs: Number.NaN,
        maxRssKiB: Number.NaN,
        applyMs: f.ms,
        rowsWritten: f.rows.users + f.rows.groups + f.rows.memberships + f.rows.claims,
        rowsDetail: `the initial sync's rows, ${f.database === 'sqlite' ? 'prepared INSERTs' : 'INSERT … SELECT from staged rows'} in primary-key order, one transaction`,
      });
    }
    for (const d of report.dryRuns) {
      rows.push({
        workload: report.workload,
        database: d.database,
        scenario: d.format === 'json' ? 'dry-run --json' : 'dry-run',
        wallMs: d.wallMs,
        cpuMs: d.cpuMs,
        maxRssKiB: d.maxRssKiB,
        rowsDetail: `real CLI, initial plan: exit ${d.exitCode}, stdout ${formatBytes(d.stdoutBytes)}${d.format === 'json' ? (d.counts ? ', parses' : ', DOES NOT PARSE') : ''}`,
      });
    }
    for (const s of representatives(report.syncs)) {
      const r = s.result;
      const row: TableRow = {
        workload: report.workload,
        database: s.database,
        scenario: s.scenario,
        wallMs: r.wallMs,
        cpuMs: r.cpuMs,
        maxRssKiB: r.maxRssKiB,
        readMs: r.readMs,
        planMs: r.planMs,
        applyMs: r.applyMs,
        rowsWritten: r.rowsWritten,
        rowsDetail: rowsDetail(r) + (s.verified ? '' : ' (DB MISMATCH)'),
      };
      if (s.ratioToFloor !== null) row.ratio = s.ratioToFloor;
      if (r.driver.transaction) row.txHoldMs = r.driver.transaction.holdMs;
      row.txCount = r.driver.transactions.count;
      row.writer = s.writer;
      rows.push(row);
    }
    rows.push(...claimShareRows(report));
    rows.push(...incrementalRows(report.incremental, floorsOf(report)));
  }
  rows.push(...pooledClaimShareRows(reports));
  return rows;
}

/** The floor before and after the 1 % change, when measured. */
export function floorsOf(report: WorkloadReport): Floors {
  const before = report.floors.find((f) => !f.label.endsWith('after-1pct'))?.medianMs;
  const after = report.floors.find((f) => f.label.endsWith('after-1pct'))?.medianMs;
  return { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
}

