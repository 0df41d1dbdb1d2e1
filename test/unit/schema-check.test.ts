import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DatabaseKind } from '../../src/db/database.js';
import {
  judgeSchema,
  NEWEST_KNOWN_MIGRATION,
  OLDEST_KNOWN_MIGRATION,
  SchemaError,
  type ColumnTypes,
  type MigrationState,
} from '../../src/db/schema-check.js';
import { postgresDialect } from '../../src/db/postgres/postgres-dialect.js';
import { sqliteDialect } from '../../src/db/sqlite/sqlite-dialect.js';

// The columns the sync writes, as Pocket ID v2.14.0 declares them (udt names on
// PostgreSQL, declared types on SQLite), written out here independently of the
// checker, plus a column Pocket ID has that the sync does not care about.
const POSTGRES_COLUMNS: Record<string, Record<string, string>> = {
  users: {
    id: 'uuid', created_at: 'timestamptz', updated_at: 'timestamptz', username: 'citext', email: 'varchar', first_name: 'varchar',
    last_name: 'varchar', display_name: 'text', is_admin: 'bool', ldap_id: 'text', locale: 'text', disabled: 'bool', email_verified: 'bool',
  },
  user_groups: { id: 'uuid', created_at: 'timestamptz', updated_at: 'timestamptz', name: 'varchar', friendly_name: 'varchar', ldap_id: 'text' },
  user_groups_users: { user_id: 'uuid', user_group_id: 'uuid' },
  oauth2_sessions: {
    id: 'uuid', created_at: 'timestamptz', kind: 'text', key: 'text', request_id: 'text', client_id: 'text', access_token_signature: 'text',
    active: 'bool', request_data: 'jsonb', expires_at: 'timestamptz',
  },
  reauthentication_tokens: { id: 'uuid', created_at: 'timestamptz', token: 'text', expires_at: 'timestamptz', user_id: 'uuid' },
};
const SQLITE_COLUMNS: Record<string, Record<string, string>> = {
  users: {
    id: 'text', created_at: 'datetime', updated_at: 'datetime', username: 'text', email: 'text', first_name: 'text', last_name: 'text',
    display_name: 'text', is_admin: 'boolean', ldap_id: 'text', locale: 'text', disabled: 'boolean', email_verified: 'boolean',
  },
  user_groups: { id: 'text', created_at: 'datetime', updated_at: 'datetime', name: 'text', friendly_name: 'text', ldap_id: 'text' },
  user_groups_users: { user_id: 'text', user_group_id: 'text' },
  oauth2_sessions: {
    id: 'text', created_at: 'datetime', kind: 'text', key: 'text', request_id: 'text', client_id: 'text', access_token_signature: 'text',
    active: 'boolean', request_data: 'blob', expires_at: 'datetime',
  },
  reauthentication_tokens: { id: 'text', created_at: 'datetime', token: 'text', expires_at: 'datetime', user_id: 'text' },
};

type Edit = (tables: Record<string, Record<string, string>>) => void;

function columns(kind: DatabaseKind, edit: Edit = () => undefined): ColumnTypes {
  const tables = structuredClone(kind === 'postgres' ? POSTGRES_COLUMNS : SQLITE_COLUMNS);
  edit(tables);
  return new Map(Object.entries(tables).map(([table, cols]) => [table, new Map(Object.entries(cols))]));
}

/** What each database's dialect expects (the checker's side). */
const EXPECTED = { postgres: postgresDialect.expectedSchema, sqlite: sqliteDialect.expectedSchema };

const at = (version: bigint, dirty = false): MigrationState[] => [{ version, dirty }];
const CURRENT = at(NEWEST_KNOWN_MIGRATION);
const NEWER = 20270101000000n;
const V2_14_CREDENTIALS = { oauth2Sessions: true, oneTimeAccessTokens: false, reauthenticationTokens: true };

for (const kind of ['postgres', 'sqlite'] as const) {
  describe(`judgeSchema (${kind})`, () => {
    test(`schema check ${kind}: Pocket ID's schema at the newest known version passes without warnings`, () => {
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, columns(kind)), { problems: [], warnings: [], version: NEWEST_KNOWN_MIGRATION, credentials: V2_14_CREDENTIALS });
    });

    test(`schema check ${kind}: the oldest known version passes`, () => {
      const report = judgeSchema(EXPECTED[kind], at(OLDEST_KNOWN_MIGRATION), columns(kind));
      assert.deepEqual([report.problems, report.warnings, report.version], [[], [], OLDEST_KNOWN_MIGRATION]);
    });

    test(`schema check ${kind}: without oauth2_sessions (before Pocket ID v2.10) revocation is unavailable, which is no problem`, () => {
      const report = judgeSchema(EXPECTED[kind], at(OLDEST_KNOWN_MIGRATION), columns(kind, (t) => delete t.oauth2_sessions));
      assert.deepEqual(report.problems, []);
      assert.equal(report.credentials.oauth2Sessions, false);
      assert.equal(report.credentials.missing, 'table oauth2_sessions is missing');
    });

    test(`schema check ${kind}: an oauth2_sessions column of another type turns revocation off and says which`, () => {
      const report = judgeSchema(EXPECTED[kind], CURRENT, columns(kind, (t) => (t.oauth2_sessions!.active = 'integer')));
      assert.deepEqual(report.problems, []);
      assert.equal(report.credentials.oauth2Sessions, false);
      assert.match(report.credentials.missing!, /^column oauth2_sessions\.active has type integer \(expected bool(ean)?\)$/);
    });

    test(`schema check ${kind}: Pocket ID v2.10-v2.11 (oauth2_sessions without client_id, one_time_access_tokens) is revocable, one-time tokens included`, () => {
      const report = judgeSchema(EXPECTED[kind], at(20260708130000n), columns(kind, (t) => {
        delete t.oauth2_sessions!.client_id;
        t.one_time_access_tokens = { id: t.users!.id!, token: 'text', user_id: t.users!.id! };
      }));
      assert.deepEqual(report.credentials, { oauth2Sessions: true, oneTimeAccessTokens: true, reauthenticationTokens: true });
    });

    test(`schema check ${kind}: extra columns and tables are fine`, () => {
      const report = judgeSchema(EXPECTED[kind], CURRENT, columns(kind, (t) => {
        t.users!.avatar = 'text';
        t.oidc_clients = { id: 'text' };
      }));
      assert.deepEqual(report.problems, []);
    });

    test(`schema check ${kind}: no schema_migrations table is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], null, columns(kind));
      assert.equal(report.problems.length, 1);
      assert.match(report.problems[0]!, /no schema_migrations table/);
      assert.match(report.problems[0]!, /DB_CONNECTION_STRING/);
      assert.equal(report.version, undefined);
    });

    test(`schema check ${kind}: an empty database (no schema_migrations, no tables) lists every missing table`, () => {
      const report = judgeSchema(EXPECTED[kind], null, new Map());
      assert.deepEqual(report.problems.slice(1), ['table users is missing', 'table user_groups is missing', 'table user_groups_users is missing']);
    });

    test(`schema check ${kind}: schema_migrations with no row or two rows is refused`, () => {
      assert.match(judgeSchema(EXPECTED[kind], [], columns(kind)).problems.join(), /holds 0 rows \(expected exactly one\)/);
      assert.match(judgeSchema(EXPECTED[kind], [...CURRENT, ...at(OLDEST_KNOWN_MIGRATION)], columns(kind)).problems.join(), /holds 2 rows/);
    });

    test(`schema check ${kind}: a dirty migration is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], at(NEWEST_KNOWN_MIGRATION, true), columns(kind));
      assert.equal(report.problems.length, 1);
      assert.match(report.problems[0]!, new RegExp(`version ${NEWEST_KNOWN_MIGRATION} is marked dirty`));
    });

    test(`schema check ${kind}: a version older than the oldest known is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], at(OLDEST_KNOWN_MIGRATION - 1n), columns(kind));
      assert.equal(report.problems.length, 1);
      assert.match(report.problems[0]!, /older than 20260109090200 \(Pocket ID v2\.2\.0\); upgrade Pocket ID first/);
      assert.deepEqual(report.warnings, []);
    });

    test(`schema check ${kind}: a newer version whose columns still match passes with one warning`, () => {
      const report = judgeSchema(EXPECTED[kind], at(NEWER), columns(kind));
      assert.deepEqual(report.problems, []);
      assert.equal(report.warnings.length, 1);
      assert.match(report.warnings[0]!, new RegExp(`schema version ${NEWER} is newer than ${NEWEST_KNOWN_MIGRATION}.*still match`));
      assert.equal(report.version, NEWER);
    });

    test(`schema check ${kind}: a newer version with a changed column type is refused, without the "still match" warning`, () => {
      const report = judgeSchema(EXPECTED[kind], at(NEWER), columns(kind, (t) => {
        t.users!.ldap_id = 'integer';
      }));
      assert.deepEqual(report.problems, [`column users.ldap_id has type integer (expected text)`]);
      assert.deepEqual(report.warnings, []);
    });

    test(`schema check ${kind}: a newer version with a dropped column is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], at(NEWER), columns(kind, (t) => {
        delete t.user_groups!.friendly_name;
      }));
      assert.deepEqual(report.problems, ['column user_groups.friendly_name is missing']);
      assert.deepEqual(report.warnings, []);
    });

    test(`schema check ${kind}: a missing table is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], CURRENT, columns(kind, (t) => {
        delete t.user_groups_users;
      }));
      assert.deepEqual(report.problems, ['table user_groups_users is missing']);
    });

    test(`schema check ${kind}: a missing column is refused`, () => {
      const report = judgeSchema(EXPECTED[kind], CURRENT, columns(kind, (t) => {
        delete t.users!.email_verified;
      }));
      assert.deepEqual(report.problems, ['column users.email_verified is missing']);
    });

    test(`schema check ${kind}: every problem is reported, not only the first`, () => {
      const report = judgeSchema(EXPECTED[kind], at(OLDEST_KNOWN_MIGRATION - 1n, true), columns(kind, (t) => {
        delete t.users!.ldap_id;
        delete t.user_groups;
      }));
      assert.equal(report.problems.length, 4, report.problems.join('\n'));
    });
  });
}

describe('judgeSchema: column types', () => {
  test('schema check postgres: username must be citext (text would make usernames case-sensitive)', () => {
    const report = judgeSchema(EXPECTED.postgres, CURRENT, columns('postgres', (t) => {
      t.users!.username = 'text';
    }));
    assert.deepEqual(report.problems, ['column users.username has type text (expected citext)']);
  });

  test('schema check postgres: wrong id, time and boolean types are refused', () => {
    const report = judgeSchema(EXPECTED.postgres, CURRENT, columns('postgres', (t) => {
      t.users!.id = 'text';
      t.user_groups!.updated_at = 'timestamp';
      t.users!.disabled = 'int4';
    }));
    assert.deepEqual(report.problems.sort(), [
      'column user_groups.updated_at has type timestamp (expected timestamptz)',
      'column users.disabled has type int4 (expected bool)',
      'column users.id has type text (expected uuid)',
    ]);
  });

  test('schema check postgres: varchar and text are both accepted where Pocket ID versions differ', () => {
    const report = judgeSchema(EXPECTED.postgres, CURRENT, columns('postgres', (t) => {
      t.users!.email = 'text';
      t.users!.display_name = 'varchar';
      t.user_groups!.name = 'text';
    }));
    assert.deepEqual(report.problems, []);
  });

  test('schema check sqlite: a PostgreSQL-typed table is refused on SQLite', () => {
    const report = judgeSchema(EXPECTED.sqlite, CURRENT, columns('sqlite', (t) => {
      t.users!.is_admin = 'integer';
      t.user_groups!.created_at = 'timestamptz';
    }));
    assert.deepEqual(report.problems.sort(), [
      'column user_groups.created_at has type timestamptz (expected datetime)',
      'column users.is_admin has type integer (expected boolean)',
    ]);
  });

  test('schema check: PostgreSQL columns do not satisfy the SQLite expectations and vice versa', () => {
    assert.ok(judgeSchema(EXPECTED.sqlite, CURRENT, columns('postgres')).problems.length > 0);
    assert.ok(judgeSchema(EXPECTED.postgres, CURRENT, columns('sqlite')).problems.length > 0);
  });
});

test('SchemaError lists every problem and says it refuses to write', () => {
  const report = judgeSchema(EXPECTED.postgres, at(NEWEST_KNOWN_MIGRATION, true), columns('postgres', (t) => {
    delete t.users!.ldap_id;
  }));
  const error = new SchemaError(report);
  assert.equal(error.name, 'SchemaError');
  assert.match(error.message, /^refusing to write: this does not look like a Pocket ID database this daemon knows: .*dirty.*; column users\.ldap_id is missing$/);
});

describe('judgeSchema with custom claims configured', () => {
  const CLAIMS_COLUMNS = {
    postgres: { id: 'uuid', created_at: 'timestamptz', key: 'varchar', value: 'text', user_id: 'uuid', user_group_id: 'uuid' },
    sqlite: { id: 'text', created_at: 'datetime', key: 'text', value: 'text', user_id: 'text', user_group_id: 'text' },
  };
  const SUPPORTED = 'custom claims are supported for Pocket ID v2.2.0 to v2.14.x (table custom_claims, migrations 20260109090200 to 20260814120000)';

  for (const kind of ['postgres', 'sqlite'] as const) {
    test(`schema check ${kind}: custom_claims as Pocket ID v2.14 has it passes; without claims it is not required`, () => {
      const withClaims = columns(kind, (t) => (t.custom_claims = { ...CLAIMS_COLUMNS[kind] }));
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, withClaims, { claims: true }).problems, []);
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, columns(kind)).problems, []);
    });

    test(`schema check ${kind}: custom_claims renamed to custom_field_values (Pocket ID custom fields) names both tables and the supported versions`, () => {
      const renamed = columns(kind, (t) => (t.custom_field_values = { ...CLAIMS_COLUMNS[kind], custom_field_id: 'text' }));
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, renamed, { claims: true }).problems, [
        `LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS are set, but this Pocket ID keeps custom claims in table custom_field_values instead of custom_claims; ${SUPPORTED}: unset the claim settings or run a supported Pocket ID`,
      ]);
    });

    test(`schema check ${kind}: a custom_claims without key (keyed by field id) is refused`, () => {
      const reshaped = columns(kind, (t) => {
        const { key: _key, ...rest } = CLAIMS_COLUMNS[kind];
        t.custom_claims = { ...rest, custom_field_id: 'text' };
      });
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, reshaped, { claims: true }).problems, [
        `LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS are set, but column custom_claims.key is missing; ${SUPPORTED}`,
      ]);
      assert.deepEqual(judgeSchema(EXPECTED[kind], CURRENT, columns(kind), { claims: true }).problems, [
        `LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS are set, but table custom_claims is missing; ${SUPPORTED}`,
      ]);
    });
  }
});
