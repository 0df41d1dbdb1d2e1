// The PostgreSQL row source's binary arrays (src/db/postgres/binary-arrays.ts) read back by the server as the text literals were.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { openPostgres } from '../../src/db/postgres/postgres-connection.js';
import { postgresRows } from '../../src/db/postgres/postgres-row-source.js';
import { batch } from '../../src/db/row-source.js';
import { sharedPostgres } from '../support/postgres.js';

const db = openPostgres<Record<string, never>>(await (await sharedPostgres()).createDatabase());
after(() => db.destroy());

interface Row {
  id: string | null;
  name: string | null;
  flag: boolean | null;
}

const rows: Row[] = [
  { id: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', name: 'Zoë "quoted" \\ back', flag: true },
  { id: null, name: null, flag: null },
  { id: 'FFFFFFFF-0000-4000-8000-00000000000A', name: '', flag: false },
  { id: 'ffffffff00004000800000000000000b', name: 'NULL', flag: true },
];

test('uuid, text, citext and bool columns come back as sent, nulls and other uuid spellings included', async () => {
  const source = postgresRows.rows(
    batch(rows, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'name', type: 'text', value: (r) => r.name },
      { name: 'folded', type: 'citext', value: (r) => r.name },
      { name: 'flag', type: 'bool', value: (r) => r.flag },
    ]),
  );
  const result = await sql<Row & { folded: string | null }>`SELECT CAST(v.id AS TEXT) AS id, v.name, CAST(v.folded AS TEXT) AS folded, v.flag FROM ${source} AS v`.execute(db);
  assert.deepEqual(
    result.rows,
    rows.map((r) => ({ ...r, folded: r.name, id: r.id === null ? null : r.id.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5') })),
  );
});

test('an empty batch is no rows', async () => {
  const source = postgresRows.rows(batch([] as Row[], [{ name: 'id', type: 'uuid', value: (r) => r.id }, { name: 'name', type: 'text', value: (r) => r.name }]));
  assert.equal((await sql`SELECT * FROM ${source} AS v`.execute(db)).rows.length, 0);
});
