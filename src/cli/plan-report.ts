import type { SyncResult } from '../run/run-sync.js';
import { emittedValue } from '../sync/claim-values.js';
import type { ClaimChanges, UserChange, UserFields } from '../sync/types.js';

/** Rows shown per section in the text report; the rest is counted, and `--json` has all of them. */
export const MAX_ROWS_PER_SECTION = 200;

const show = (value: UserFields[keyof UserFields]) => (value === null ? 'null' : JSON.stringify(value));

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => '  ' + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

/** A heading with the full count, then at most `max` rows: a plan may hold millions of them. */
function section<T>(lines: string[], title: string, items: readonly T[], toRow: (item: T) => string[], max: number): void {
  lines.push('', `${title} (${items.length})`);
  if (items.length === 0) {
    lines.push('  (none)');
    return;
  }
  const shown = items.length > max ? items.slice(0, max) : items;
  for (const line of table(shown.map(toRow))) lines.push(line);
  if (items.length > max) lines.push(`  … and ${items.length - max} more (all of them: sync --dry-run --json)`);
}

const isReEnable = (u: UserChange) => u.before.disabled && !u.after.disabled;
const isDirectoryDisable = (u: UserChange) => !u.before.disabled && u.after.disabled;
/** Changes other than the disabled flag: those are listed under disable and re-enable. */
const otherChanges = (u: UserChange) => u.changed.filter((field) => field !== 'disabled');

function userSections(result: SyncResult, lines: string[], max: number): void {
  const { users } = result.plan;
  section(lines, 'Users to create', users.create, (u) => [u.username, u.email ?? '(no email)', [u.isAdmin ? 'admin' : '', u.disabled ? 'disabled' : ''].filter(Boolean).join(', '), u.dn], max);
  section(
    lines,
    'Users to update',
    users.update.filter((u) => otherChanges(u).length > 0),
    (u) => [u.after.username, otherChanges(u).map((f) => `${f}: ${show(u.before[f])} → ${show(u.after[f])}`).join('; '), u.dn],
    max,
  );
  // One list for both causes, so the heading counts what the summary's "disabled" counts.
  const disabling: string[][] = [];
  for (const u of users.disable) disabling.push([u.username, 'gone from the directory', `ldap_id ${u.ldapId}`]);
  for (const u of users.update) if (isDirectoryDisable(u)) disabling.push([u.after.username, 'disabled in the directory', u.dn]);
  section(lines, 'Users to disable', disabling, (row) => row, max);
  section(lines, 'Users to re-enable', users.update.filter(isReEnable), (u) => [u.after.username, u.dn], max);
  section(lines, 'Users to delete', users.delete, (u) => [u.username, `ldap_id ${u.ldapId}`], max);
}

function groupSections(result: SyncResult, lines: string[], max: number): void {
  const { groups, memberships } = result.plan;
  section(lines, 'Groups to create', groups.create, (g) => [g.name, g.dn], max);
  section(
    lines,
    'Groups to update',
    groups.update,
    (g) => [g.after.name, g.membersOnly ? 'members changed' : `name: ${JSON.stringify(g.before.name)} → ${JSON.stringify(g.after.name)}`, g.dn],
    max,
  );
  section(lines, 'Groups to delete', groups.delete, (g) => [g.name, `ldap_id ${g.ldapId}`], max);
  section(lines, 'Memberships to add', memberships.add, (m) => [m.groupName, '+', m.username], max);
  section(lines, 'Memberships to remove', memberships.remove, (m) => [m.groupName, '-', m.username], max);
}

/** A claim as the token will carry it: "Sales" is a string, ["a","b"] an array. */
const claim = (stored: string | null) => (stored === null ? '(none)' : JSON.stringify(emittedValue(stored)));

function claimRows(kind: string, changes: ClaimChanges): string[][] {
  return [
    ...changes.create.map((c) => [kind, c.owner, `${c.key}: (none) → ${claim(c.after)}`]),
    ...changes.update.map((c) => [kind, c.owner, `${c.key}: ${claim(c.before)} → ${claim(c.after)}`]),
    ...changes.delete.map((c) => [kind, c.owner, `${c.key}: ${claim(c.before)} → (deleted)`]),
  ];
}

/** Guards that object to this plan: a dry run shows them, a real run is refused by them. */
export function refusingGuards(result: SyncResult): string[] {
  const lines: string[] = [];
  if (result.guard) lines.push(`DELETION GUARD: a real run would be refused: ${result.guard.message}`);
  if (result.reEnableGuard) lines.push(`RE-ENABLE GUARD: a real run would be refused: ${result.reEnableGuard.message}`);
  return lines;
}

/**
 * The plan of a run as a readable report: what would change, from what to
 * what, and what is skipped. Each heading counts what the summary at the end
 * counts; long sections show their first rows only.
 */
export function formatPlanReport(result: SyncResult, max = MAX_ROWS_PER_SECTION): string {
  const { plan, summary } = result;
  const lines: string[] = [result.dryRun ? 'Dry run: nothing was written.' : 'Changes written:'];
  for (const guard of refusingGuards(result)) lines.push('', guard);
  userSections(result, lines, max);
  groupSections(result, lines, max);
  if (summary.claims) {
    const rows = [...claimRows('user', plan.claims.users), ...claimRows('group', plan.claims.groups)];
    section(lines, 'Custom claims to change', rows, (row) => row, max);
  }
  section(lines, 'Skipped', plan.skips, (s) => [s.kind, s.reason, s.dn, s.message], max);
  if (summary.sessions) {
    const title = result.dryRun ? 'Users whose OAuth2 credentials would be revoked' : 'Users whose OAuth2 credentials were revoked';
    section(lines, title, summary.sessions.users, (x) => [x.username, x.how, `${x.rows} credential rows`], max);
  }

  const u = summary.users;
  const g = summary.groups;
  const memberSkips = plan.skips.filter((s) => s.kind === 'member').length;
  let createdDisabled = 0;
  for (const user of plan.users.create) if (user.disabled) createdDisabled += 1;
  lines.push(
    '',
    `Users: ${u.created} created${createdDisabled > 0 ? ` (${createdDisabled} of them disabled)` : ''}, ${u.updated} updated, ${u.disabled} disabled, ${u.reEnabled} re-enabled, ${u.deleted} deleted, ${u.unchanged} unchanged, ${u.skipped} skipped`,
    `Groups: ${g.created} created, ${g.updated} updated, ${g.deleted} deleted, ${g.unchanged} unchanged, ${g.skipped} skipped`,
    `Memberships: ${summary.memberships.added} added, ${summary.memberships.removed} removed, ${memberSkips} member values skipped`,
  );
  const c = summary.claims;
  if (c) lines.push(`Custom claims: ${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.skipped} skipped`);
  if (summary.sessions) {
    const byKind = Object.entries(summary.sessions.byKind).map(([kind, n]) => `${n} ${kind}`).join(', ');
    lines.push(`${result.dryRun ? 'Credentials to revoke' : 'Credentials revoked'}: ${summary.sessions.rows} rows${byKind === '' ? '' : ` (${byKind})`}`);
  }
  const count = result.transactions?.count;
  if (count !== undefined) {
    const verb = result.dryRun ? 'needs' : 'took';
    lines.push(`Write transactions: the plan ${verb} ${count}${count > 1 ? ' (SQLite: committed one after another, each complete on its own; more when the database is slow, as each aims to hold the write lock about 0.5 s)' : ''}`);
  }
  return lines.join('\n') + '\n';
}
