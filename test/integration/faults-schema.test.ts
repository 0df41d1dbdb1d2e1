// The schema check against real databases: a dirty migration row, a newer schema version, a
// PostgreSQL database that is not Pocket ID's, and SQLite files of other applications. A refused
// database is left byte for byte as it was.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { assertChangesLanded, assertFailed, changeDirectory, syncedFixture } from '../support/fault-fixture.js';
import { sharedPostgres } from '../support/postgres.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { syncWith, testEnv } from '../support/sync-harness.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../support/test-database.js';

after(stopAllSlapd);

for (const kind of DB_KINDS) {
  describe(`schema check with ${kind}`, () => {
    test(`schema ${kind}: a dirty schema_migrations row is refused before LDAP is read; nothing is written`, async () => {
      const f = await syncedFixture(kind);
      try {
        await changeDirectory(f.slapd);
        await sql`UPDATE schema_migrations SET dirty = ${kind === 'postgres' ? sql`true` : sql`1`}`.execute(f.db.db);
        const before = await f.db.dump();
        assertFailed(await syncWith(f.env), /^refusing to write: .*schema_migrations version 20260814120000 is marked dirty/);
        assert.equal(await f.db.dump(), before);
        await sql`UPDATE schema_migrations SET dirty = ${kind === 'postgres' ? sql`false` : sql`0`}`.execute(f.db.db);
        await assertChangesLanded(f.db, await syncWith(f.env));
      } finally {
        await f.done();
      }
    });

    test(`schema ${kind}: a newer schema version with matching columns syncs, with one WARN line`, async () => {
      const f = await syncedFixture(kind);
      try {
        await changeDirectory(f.slapd);
        await sql`UPDATE schema_migrations SET version = 20990101000000`.execute(f.db.db);
        const outcome = await syncWith(f.env);
        await assertChangesLanded(f.db, outcome);
        const warnings = outcome.logs.split('\n').filter((line) => line.includes('schema version'));
        assert.equal(warnings.length, 1, outcome.logs);
        assert.match(warnings[0]!, /WRN schema version 20990101000000 is newer than 20260814120000, the newest this daemon was checked against; proceeding because the columns it writes still match/);
      } finally {
        await f.done();
      }
    });
  });
}

describe('schema check with postgres only', () => {
  test('schema postgres: a database that is not Pocket ID\'s is refused and nothing is created in it', async () => {
    const slapd = await startSlapd();
    const cluster = await sharedPostgres();
    const connectionString = await cluster.createDatabase({ schema: false });
    const tables = async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        return (await client.query<{ name: string }>(`SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    };
    try {
      const env = testEnv(slapd, { connectionString } as TestDatabase);
      const before = await tables();
      const failed = await syncWith(env);
      assertFailed(failed, /^refusing to write: this does not look like a Pocket ID database this daemon knows: no schema_migrations table.*table users is missing/);
      assert.deepEqual(await tables(), before);
      // The same daemon pointed at Pocket ID's database works.
      const pocketId = await createTestDatabase('postgres');
      try {
        assert.ifError((await syncWith(testEnv(slapd, pocketId))).error);
      } finally {
        await pocketId.close();
      }
    } finally {
      await slapd.stop();
    }
  });
});

describe('schema check with sqlite only', () => {
  for (const [what, content] of [
    ['an empty SQLite file', () => Buffer.alloc(0)],
    ['another application\'s SQLite database', () => otherSqliteDatabase()],
  ] as const) {
    // Before 97ef23d the daemon switched the file to WAL before the schema check refused it.
    test(`schema sqlite: ${what} is refused and left byte for byte as it was`, async () => {
      const slapd = await startSlapd();
      const dir = mkdtempSync(path.join(tmpdir(), 'not-pocket-id-'));
      try {
        const file = path.join(dir, 'other.db');
        const bytes = content();
        writeFileSync(file, bytes);
        const failed = await syncWith(testEnv(slapd, { connectionString: file } as TestDatabase));
        assertFailed(failed, /^refusing to write: .*no schema_migrations table/);
        assert.deepEqual(readFileSync(file), bytes, 'the file is unchanged');
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await slapd.stop();
      }
    });
  }
});

/** The bytes of a small SQLite database in the default rollback-journal mode, as another program would leave it. */
function otherSqliteDatabase(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'other-app-'));
  try {
    const file = path.join(dir, 'app.db');
    const handle = new Database(file);
    handle.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');`);
    handle.close();
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
