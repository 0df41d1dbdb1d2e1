// Makes one test database hold exactly the rows the sync owns or reads in
// another of the same kind (users, groups, memberships, custom claims, stored
// pictures), so that a full run can start from the point an incremental run
// started from (test/support/differential.ts).
import { sql, type Kysely } from 'kysely';
import type { TestDatabase } from './test-database.js';

/** Parents before children: inserted in this order, deleted in the reverse. */
const TABLES = ['users', 'user_groups', 'user_groups_users', 'custom_claims', 'storage'] as const;

export async function copyOwnedRows(from: TestDatabase, to: TestDatabase): Promise<void> {
  if (from.kind !== to.kind) throw new Error(`copyOwnedRows: ${from.kind} to ${to.kind}`);
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const table of TABLES) rows.set(table, (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(from.db)).rows);
  // Any table, any columns: what SELECT * returned goes back as it came.
  const target = to.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await target.transaction().execute(async (tx) => {
    for (const table of [...TABLES].reverse()) await sql`DELETE FROM ${sql.table(table)}`.execute(tx);
    for (const table of TABLES) {
      const all = rows.get(table) ?? [];
      // Small batches: SQLite allows a limited number of bound parameters per statement.
      for (let i = 0; i < all.length; i += 50) await tx.insertInto(table).values(all.slice(i, i + 50)).execute();
    }
  });
}
