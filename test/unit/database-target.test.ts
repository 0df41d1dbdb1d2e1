import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatabaseTarget } from '../../src/config/config.js';
import { databaseTarget } from '../../src/config/load-config.js';

// DB_CONNECTION_STRING → database, by Pocket ID's rules (Pocket ID v2.14
// common/env_config.go prepareDbConfig and bootstrap/db_bootstrap.go parseSqliteConnectionString):
// empty → SQLite data/pocket-id.db; "postgres://" or "postgresql://" → PostgreSQL, the string as is;
// anything else → SQLite, a path or a file: URI whose query only carries driver options.
const sqlite = (path: string): DatabaseTarget => ({ kind: 'sqlite', path });
const postgres = (connectionString: string): DatabaseTarget => ({ kind: 'postgres', connectionString });

const cases: [string, DatabaseTarget, string][] = [
  ['', sqlite('data/pocket-id.db'), 'empty: Pocket ID\'s default, relative to the working directory'],
  ['postgres://pocketid:s3cret@db:5432/pocketid?sslmode=disable', postgres('postgres://pocketid:s3cret@db:5432/pocketid?sslmode=disable'), 'postgres:// kept whole'],
  ['postgresql://pocketid@db/pocketid', postgres('postgresql://pocketid@db/pocketid'), 'postgresql:// too'],
  ['data/x.db', sqlite('data/x.db'), 'a relative path'],
  ['./data/x.db', sqlite('./data/x.db'), 'a relative path with ./'],
  ['/var/lib/pocket-id/x.db', sqlite('/var/lib/pocket-id/x.db'), 'an absolute path'],
  ['file:data/x.db?_pragma=busy_timeout(5000)', sqlite('data/x.db'), 'a relative file: URI; the query is driver options'],
  ['file:data/x.db?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=busy_timeout(2500)', sqlite('data/x.db'), 'several query parameters'],
  ['file:///abs/x.db', sqlite('/abs/x.db'), 'file:/// with an empty authority'],
  ['file:/abs/x.db', sqlite('/abs/x.db'), 'file:/ without an authority'],
  ['file://localhost/abs/x.db', sqlite('/abs/x.db'), 'file://localhost/, the one authority SQLite accepts'],
  ['file:data/my%20pocket-id.db', sqlite('data/my pocket-id.db'), 'percent-encoding is decoded, as SQLite does for URIs'],
  ['postgres.db', sqlite('postgres.db'), 'a file named postgres… is still SQLite: the scheme needs "://"'],
  ['postgres:/db/pocketid', sqlite('postgres:/db/pocketid'), 'postgres:/ with one slash is not a PostgreSQL URL'],
  ['mysql://db/pocketid', sqlite('mysql://db/pocketid'), 'anything else is a SQLite path, even another database\'s URL'],
];

for (const [input, expected, why] of cases) {
  test(`databaseTarget(${JSON.stringify(input)}): ${why}`, () => {
    assert.deepEqual(databaseTarget(input), expected);
  });
}

// Pocket ID prefixes "file:" to a plain path before parsing it as a URI, so a query on a plain path is driver
// options there too and the file is data/x.db.
test('databaseTarget("data/x.db?_pragma=busy_timeout(5000)"): a query on a plain path is driver options, as in Pocket ID', () => {
  assert.deepEqual(databaseTarget('data/x.db?_pragma=busy_timeout(5000)'), sqlite('data/x.db'));
});
