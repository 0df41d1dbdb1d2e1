import type { SyncResult } from '../run/run-sync.js';
import type { UserFields } from '../sync/types.js';

const show = (value: UserFields[keyof UserFields]) => (value === null ? 'null' : JSON.stringify(value));

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => '  ' + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
}

function section(title: string, rows: string[][], lines: string[]): void {
  lines.push('', `${title} (${rows.length})`);
  if (rows.length === 0) lines.push('  (none)');
  else lines.push(...table(rows));
}

/** The plan of a run as a readable report: what would change, from what to what, and what is skipped. */
export function formatPlanReport(result: SyncResult): string {
  const { plan, summary } = result;
  const lines: string[] = [result.dryRun ? 'Dry run: nothing was written.' : 'Changes written:'];
  if (result.guard) lines.push('', `DELETION GUARD: a real run would be refused: ${result.guard.message}`);

  section('Users to create', plan.users.create.map((u) => [u.username, u.email ?? '(no email)', u.isAdmin ? 'admin' : '', u.dn]), lines);
  section(
    'Users to update',
    plan.users.update.map((u) => [u.after.username, u.changed.map((f) => `${f}: ${show(u.before[f])} → ${show(u.after[f])}`).join('; '), u.dn]),
    lines,
  );
  section('Users to disable', plan.users.disable.map((u) => [u.username, `ldap_id ${u.ldapId}`]), lines);
  section('Users to delete', plan.users.delete.map((u) => [u.username, `ldap_id ${u.ldapId}`]), lines);
  section('Groups to create', plan.groups.create.map((g) => [g.name, g.dn]), lines);
  section(
    'Groups to update',
    plan.groups.update.map((g) => [g.after.name, g.membersOnly ? 'members changed' : `name: ${JSON.stringify(g.before.name)} → ${JSON.stringify(g.after.name)}`, g.dn]),
    lines,
  );
  section('Groups to delete', plan.groups.delete.map((g) => [g.name, `ldap_id ${g.ldapId}`]), lines);
  section('Memberships to add', plan.memberships.add.map((m) => [m.groupName, '+', m.username]), lines);
  section('Memberships to remove', plan.memberships.remove.map((m) => [m.groupName, '-', m.username]), lines);
  section('Skipped', plan.skips.map((s) => [s.kind, s.reason, s.dn, s.message]), lines);

  const u = summary.users;
  const g = summary.groups;
  lines.push(
    '',
    `Users: ${u.created} created, ${u.updated} updated, ${u.disabled} disabled, ${u.reEnabled} re-enabled, ${u.deleted} deleted, ${u.unchanged} unchanged, ${u.skipped} skipped`,
    `Groups: ${g.created} created, ${g.updated} updated, ${g.deleted} deleted, ${g.unchanged} unchanged, ${g.skipped} skipped`,
    `Memberships: ${summary.memberships.added} added, ${summary.memberships.removed} removed`,
  );
  const count = result.transactions?.count;
  if (count !== undefined) {
    const verb = result.dryRun ? 'needs' : 'took';
    lines.push(`Write transactions: the plan ${verb} ${count}${count > 1 ? ' (SQLite: committed one after another, each complete on its own; more when the database is slow, as each aims to hold the write lock about 0.4 s)' : ''}`);
  }
  return lines.join('\n') + '\n';
}
