import { SyncFailure } from '../sync/failure.js';
import type { SchemaReport } from './database.js';
import type { ExpectedColumns, ExpectedSchema } from './sql-dialect.js';

/**
 * Pocket ID migration versions this daemon knows. The tables and columns it
 * writes have not changed since 20260109090200 (v2.2.0, users.email_verified);
 * 20260814120000 is the newest it was checked against (v2.14.0).
 */
export const OLDEST_KNOWN_MIGRATION = 20260109090200n;
export const NEWEST_KNOWN_MIGRATION = 20260814120000n;

/**
 * The tables an introspector reads: what the sync writes, the table a newer Pocket ID may keep claims in
 * instead, and the credential tables session revocation writes.
 */
export const INSPECTED_TABLES = ['users', 'user_groups', 'user_groups_users', 'custom_claims', 'custom_field_values', 'oauth2_sessions', 'one_time_access_tokens', 'reauthentication_tokens'];
const CLAIMS_SUPPORTED = 'custom claims are supported for Pocket ID v2.2.0 to v2.14.x (table custom_claims, migrations 20260109090200 to 20260814120000)';

/** What an introspector reports: table → column → type, lower case. */
export type ColumnTypes = Map<string, Map<string, string>>;

export interface MigrationState {
  version: bigint;
  dirty: boolean;
}

export class SchemaError extends SyncFailure {
  constructor(readonly report: SchemaReport) {
    super('schema', `refusing to write: this does not look like a Pocket ID database this daemon knows: ${report.problems.join('; ')}`);
    this.name = 'SchemaError';
  }
}

export interface SchemaOptions {
  /** Custom claims are configured: custom_claims must be there, as the sync knows it. */
  claims?: boolean;
}

function columnProblems(expected: ExpectedColumns, columns: ColumnTypes): string[] {
  const problems: string[] = [];
  for (const [table, wanted] of Object.entries(expected)) {
    const found = columns.get(table);
    if (!found) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    for (const [column, types] of Object.entries(wanted)) {
      const type = found.get(column);
      if (type === undefined) problems.push(`column ${table}.${column} is missing`);
      else if (!types.includes(type)) problems.push(`column ${table}.${column} has type ${type} (expected ${types.join(' or ')})`);
    }
  }
  return problems;
}

/** A Pocket ID that renamed or reshaped custom_claims (custom fields keep values by field id) cannot be written safely. */
function claimTableProblems(expected: ExpectedColumns, columns: ColumnTypes): string[] {
  const settings = 'LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS are set';
  if (!columns.has('custom_claims') && columns.has('custom_field_values')) {
    return [`${settings}, but this Pocket ID keeps custom claims in table custom_field_values instead of custom_claims; ${CLAIMS_SUPPORTED}: unset the claim settings or run a supported Pocket ID`];
  }
  const problems = columnProblems(expected, columns);
  return problems.length === 0 ? [] : [`${settings}, but ${problems.join(', ')}; ${CLAIMS_SUPPORTED}`];
}

/**
 * Judges whether it is safe to write: a Pocket ID database (golang-migrate's
 * schema_migrations), not left dirty by a failed migration, of a known
 * version, with the tables and column types the sync writes. A newer version
 * is accepted, with a warning, only while those columns still match.
 */
export function judgeSchema(expected: ExpectedSchema, migrations: MigrationState[] | null, columns: ColumnTypes, options: SchemaOptions = {}): SchemaReport {
  const report: SchemaReport = { problems: [], warnings: [], credentials: credentialTables(expected.credentials, columns) };
  if (migrations === null) {
    report.problems.push('no schema_migrations table (expected Pocket ID\'s golang-migrate bookkeeping; is DB_CONNECTION_STRING pointing at Pocket ID\'s database, and has Pocket ID started once?)');
  } else if (migrations.length !== 1) {
    report.problems.push(`schema_migrations holds ${migrations.length} rows (expected exactly one)`);
  } else {
    const [{ version, dirty }] = migrations as [MigrationState];
    report.version = version;
    if (dirty) report.problems.push(`schema_migrations version ${version} is marked dirty: a Pocket ID migration failed half-way; let Pocket ID repair it first`);
    if (version < OLDEST_KNOWN_MIGRATION) {
      report.problems.push(`schema version ${version} is older than ${OLDEST_KNOWN_MIGRATION} (Pocket ID v2.2.0); upgrade Pocket ID first`);
    } else if (version > NEWEST_KNOWN_MIGRATION) {
      report.warnings.push(`schema version ${version} is newer than ${NEWEST_KNOWN_MIGRATION}, the newest this daemon was checked against; proceeding because the columns it writes still match`);
    }
  }
  report.problems.push(...columnProblems(expected.sync, columns));
  if (options.claims) report.problems.push(...claimTableProblems(expected.claims, columns));
  // A newer version with changed columns is not something to guess about.
  if (report.problems.length > 0 && report.version !== undefined && report.version > NEWEST_KNOWN_MIGRATION) {
    report.warnings = report.warnings.filter((w) => !w.includes('still match'));
  }
  return report;
}

/**
 * Which credential tables revocation may write. Their absence never refuses a
 * run: without oauth2_sessions (Pocket ID before v2.10) revocation is off and
 * `missing` says why; the one-time token table exists only up to v2.11.
 */
function credentialTables(expected: ExpectedColumns, columns: ColumnTypes): SchemaReport['credentials'] {
  const problems = (table: string) => (columns.has(table) ? columnProblems({ [table]: expected[table] ?? {} }, columns) : [`table ${table} is missing`]);
  const sessionProblems = problems('oauth2_sessions');
  return {
    oauth2Sessions: sessionProblems.length === 0,
    oneTimeAccessTokens: problems('one_time_access_tokens').length === 0,
    reauthenticationTokens: problems('reauthentication_tokens').length === 0,
    ...(sessionProblems.length > 0 ? { missing: sessionProblems.join('; ') } : {}),
  };
}
