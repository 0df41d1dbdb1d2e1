/**
 * Prints what a Pocket ID SQLite database holds after a sync, as aligned tables: users, groups with
 * their members, and admins.
 *
 *   node dist/demo/show-database.js DATABASE_FILE
 *
 * Opens the file read-only; never creates or changes anything.
 */
import Database from 'better-sqlite3';

interface UserRow {
  username: string;
  email: string | null;
  display_name: string;
  is_admin: number;
  disabled: number;
}

interface GroupRow {
  name: string;
  members: string | null;
}

/** Width on a terminal, counted in code points (the demo's names are NFC, without wide characters). */
const width = (text: string): number => [...text].length;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(width(cell), ...rows.map((row) => width(row[i] ?? ''))));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell)))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const yesNo = (value: number) => (value === 1 ? 'yes' : 'no');

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: show-database.js DATABASE_FILE\n');
  process.exit(2);
}

const db = new Database(file, { readonly: true, fileMustExist: true });
try {
  const users = db
    .prepare<[], UserRow>('SELECT username, email, display_name, is_admin, disabled FROM users ORDER BY username')
    .all();
  // group_concat's order is unspecified, so the members are ordered in a subquery first.
  const groups = db
    .prepare<[], GroupRow>(
      `SELECT g.name,
              (SELECT group_concat(username, ', ') FROM (
                 SELECT u.username FROM user_groups_users m JOIN users u ON u.id = m.user_id
                 WHERE m.user_group_id = g.id ORDER BY u.username)) AS members
       FROM user_groups g ORDER BY g.name`,
    )
    .all();
  const admins = users.filter((u) => u.is_admin === 1);

  const out: string[] = [];
  out.push(`Users (${users.length})`);
  out.push(
    table(
      ['USERNAME', 'EMAIL', 'DISPLAY NAME', 'ADMIN', 'DISABLED'],
      users.map((u) => [u.username, u.email ?? '', u.display_name, yesNo(u.is_admin), yesNo(u.disabled)]),
    ),
  );
  out.push('', `Groups (${groups.length})`);
  out.push(
    table(
      ['GROUP', 'MEMBERS'],
      groups.map((g) => {
        const members = g.members === null ? [] : g.members.split(', ');
        return [g.name, `${members.length}: ${members.join(', ')}`];
      }),
    ),
  );
  out.push('', `Admins (${admins.length})`);
  out.push(table(['USERNAME', 'DISPLAY NAME', 'EMAIL'], admins.map((u) => [u.username, u.display_name, u.email ?? ''])));
  process.stdout.write(out.join('\n') + '\n');
} finally {
  db.close();
}
