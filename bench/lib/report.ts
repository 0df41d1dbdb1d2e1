/** The printed table and the target checks. */
import type { WriterStats } from './pocket-id-writer.js';
import type { SyncRunResult } from './protocol.js';

export interface TableRow {
  workload: string;
  database: string;
  scenario: string;
  wallMs: number;
  /** CPU of the sync's own process (not slapd, not the database server). */
  cpuMs: number;
  maxRssKiB: number;
  readMs?: number;
  planMs?: number;
  applyMs?: number;
  rowsWritten?: number;
  /** "users c/u/d …" */
  rowsDetail?: string;
  ratio?: number;
  /** The longest write transaction: SQLite BEGIN IMMEDIATE → COMMIT; PostgreSQL begin → commit. */
  txHoldMs?: number;
  /** Write transactions of the run (SQLite commits a large plan in batches). */
  txCount?: number;
  /** The Pocket ID-like writer beside the run. */
  writer?: WriterStats;
}

export function formatBytes(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '-' : (ms / 1000).toFixed(2));

export function formatTable(rows: TableRow[]): string {
  const header = ['workload', 'database', 'scenario', 'wall s', 'CPU s', 'peak RSS MiB', 'LDAP read s', 'plan s', 'apply s', 'tx', 'longest tx s', 'writer failed', 'writer longest s', 'rows written', 'x floor', 'rows detail'];
  const body = rows.map((r) => [
    r.workload,
    r.database,
    r.scenario,
    seconds(r.wallMs),
    seconds(r.cpuMs),
    Number.isNaN(r.maxRssKiB) ? '-' : (r.maxRssKiB / 1024).toFixed(0),
    seconds(r.readMs),
    seconds(r.planMs),
    seconds(r.applyMs),
    r.txCount === undefined ? '-' : String(r.txCount),
    seconds(r.txHoldMs),
    r.writer === undefined ? '-' : `${r.writer.failed}/${r.writer.writes + r.writer.failed}`,
    seconds(r.writer?.maxWaitMs),
    r.rowsWritten === undefined ? '-' : String(r.rowsWritten),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    r.rowsDetail ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  const fmt = (row: string[]) =>
    '| ' + row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w, i) => (numeric.has(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|', ...body.map(fmt)].join('\n');
}

export interface TargetCheck {
  workload: string;
  target: string;
  measured: string;
  pass: boolean;
}

export function formatChecks(checks: TargetCheck[]): string {
  return checks.map((c) => `  [${c.pass ? 'PASS' : 'MISS'}] ${c.workload} ${c.target}: ${c.measured}`).join('\n');
}

/** What a run wrote, in one line: "users +created ~updated -disabled/deleted, groups …, members …". */
export function rowsDetail(r: SyncRunResult): string {
  const s = r.summary;
  return `users +${s.usersCreated} ~${s.usersUpdated} -${s.usersDisabled + s.usersDeleted}, groups +${s.groupsCreated} ~${s.groupsUpdated} -${s.groupsDeleted}, members +${s.membershipsAdded} -${s.membershipsRemoved}`;
}
