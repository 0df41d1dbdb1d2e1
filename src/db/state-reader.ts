import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { batch, type ColumnType } from './row-source.js';
import type { StateParts } from './database.js';
import type { ClaimMappings, CurrentState, CurrentUser, UserKeys } from '../sync/types.js';
import { readOwnedClaims } from './claim-state.js';
import type { PocketIdSchema } from './schema.js';
import type { SqlDialect } from './sql-dialect.js';

// Both drivers hand booleans back in their own way: true/false or 1/0.
const bool = (value: unknown): boolean => value === true || value === 1;

/**
 * Runs a query and hands each row to `each` as an array, in the order of its
 * selected columns. A driver that can skip making an object of each row
 * (better-sqlite3's raw mode, pg's rowMode 'array') saves setting 11 named
 * properties on each of 100,000 rows that are only read once; one that can
 * hand rows over as it steps through them (better-sqlite3's iterate) keeps
 * no array of 100,000 rows alive for the collector to copy.
 */
export type EachRow = (query: CompiledQuery, each: (row: unknown[]) => void) => Promise<void>;

/** Through Kysely, for an executor whose driver cannot give arrays (a transaction). */
export const eachRowOf =
  (db: Kysely<PocketIdSchema>): EachRow =>
  async (query, each) => {
    for (const row of (await db.executeQuery<Record<string, unknown>>(query)).rows) each(Object.values(row));
  };

/**
 * Reads every user and group and every membership, through any Kysely
 * executor. Each user row carries its group ids, joined in ascending order:
 * a million membership rows cost the driver a second to parse, 100,000
 * strings far less. Read along the primary key (user_id, user_group_id), one
 * index range per user, neither database sorts them (grouped by group, SQLite
 * sorted a million rows in a temporary b-tree: about 1.4 s of CPU at L), and
 * the string is keyed by the user's own id string, so the plan's lookups match
 * by identity. All groups are read, not only LDAP ones: filtering would probe
 * user_groups once per membership and double the cost; the plan ignores the others.
 */
export async function readCurrentState(
  db: Kysely<PocketIdSchema>,
  dialect: SqlDialect,
  claims?: ClaimMappings,
  eachRow: EachRow = eachRowOf(db),
  { memberships = true, users: chooseUsers }: StateParts = {},
): Promise<CurrentState> {
  const columns = userColumns(db);
  const users = memberships ? columns.select(dialect.groupIdsOf('u.id').as('group_ids')) : columns;
  const userState = new UserState();
  const others = () =>
    Promise.all([
      db.selectFrom('user_groups').select(['id', 'name', 'friendly_name', 'ldap_id']).execute(),
      claims ? readOwnedClaims(db, dialect, claims) : undefined,
      chooseUsers ? countLdapUsers(db) : undefined,
    ]);
  let rest: ReturnType<typeof others>;
  if (chooseUsers) {
    rest = others();
    userState.users.push(...(await chosenUsers(db, dialect, chooseUsers, rest)));
  } else {
    // First and alone: SQLite's rows are stepped through between other work (sqlite-database.ts), and its one connection runs nothing else meanwhile.
    await eachRow(users.compile(), (row) => userState.add(row));
    rest = others();
  }
  const [groups, ownedClaims, ldapUsers] = await rest;
  return {
    users: userState.users,
    memberships: userState.memberships,
    ...(memberships && !chooseUsers ? {} : { membershipScope: new Set<string>() }),
    ...(ldapUsers !== undefined ? { userScope: { ldapUsers } } : {}),
    groups: groups.map((g) => ({ id: g.id, ldapId: g.ldap_id, name: g.name, friendlyName: g.friendly_name })),
    ...(ownedClaims ? { claims: ownedClaims } : {}),
  };
}

/**
 * Only some users (an incremental run's, by key), with no memberships; the
 * count of every LDAP row is among `others`. What does not depend on the keys,
 * `others` and the LDAP rows with the admin flag, is asked for before the keys
 * are known: a caller that starts this read before it knows them
 * (src/run/read-ahead.ts) has those read meanwhile.
 */
async function chosenUsers(db: Kysely<PocketIdSchema>, dialect: SqlDialect, choose: NonNullable<StateParts['users']>, others: Promise<unknown>): Promise<CurrentUser[]> {
  const admins = readLdapAdmins(db);
  // Settled here too: if `choose` fails first, the run fails with its error, and neither is left unhandled.
  admins.catch(() => undefined);
  others.catch(() => undefined);
  return choose((keys) => readUsersByKey(db, dialect, keys, admins));
}

/** The user columns the plan reads, in the order UserState.add reads them. */
function userColumns(db: Kysely<PocketIdSchema>) {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.username', 'u.email', 'u.first_name', 'u.last_name', 'u.display_name', 'u.is_admin', 'u.email_verified', 'u.disabled', 'u.ldap_id']);
}

async function countLdapUsers(db: Kysely<PocketIdSchema>): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('ldap_id', 'is not', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The user rows of some ldap_ids, usernames (the column compares them
 * case-insensitively: citext, NOCASE) and emails, each by its unique index,
 * and with `keys.admins` the rows `admins` read (readLdapAdmins). A row found
 * twice is listed once.
 */
export async function readUsersByKey(db: Kysely<PocketIdSchema>, dialect: SqlDialect, keys: UserKeys, admins: Promise<Record<string, unknown>[]>): Promise<CurrentUser[]> {
  const state = new UserState();
  const seen = new Set<string>();
  const add = (rows: Record<string, unknown>[]) => {
    for (const row of rows) {
      const values = Object.values(row);
      if (!seen.has(values[0] as string)) state.add(values);
      seen.add(values[0] as string);
    }
  };
  const list = (values: string[], type: ColumnType) => sql<string>`(SELECT v FROM ${dialect.rows(batch(values, [{ name: 'v', type, value: (v) => v }]))} AS list)`;
  const byColumn = [['u.ldap_id', keys.ldapIds, 'text'], ['u.username', keys.usernames, 'citext'], ['u.email', keys.emails, 'text']] as const;
  for (const [column, values, type] of byColumn) {
    for (let from = 0; from < values.length; from += dialect.batchSize) {
      add(await userColumns(db).where(column, 'in', list(values.slice(from, from + dialect.batchSize), type)).execute());
    }
  }
  if (keys.admins) add(await admins);
  return state.users;
}

/** The LDAP rows with the admin flag: a scan of one column; few rows come back. */
function readLdapAdmins(db: Kysely<PocketIdSchema>): Promise<Record<string, unknown>[]> {
  // A bare column: SQLite's is 0 or 1 and binds no boolean.
  return userColumns(db).where(sql<boolean>`u.is_admin`).where('u.ldap_id', 'is not', null).execute();
}

/**
 * The memberships of some users, each with every group it is in, in the form
 * of CurrentState.memberships: the users named, and every member of the groups
 * named. Returns them with the users found (membershipScope).
 */
export async function readMembershipsOf(
  db: Kysely<PocketIdSchema>,
  dialect: SqlDialect,
  { userIds, groupIds }: { userIds: string[]; groupIds: string[] },
): Promise<{ memberships: Map<string, string>; scope: Set<string> }> {
  const memberships = new Map<string, string>();
  const scope = new Set<string>();
  const list = (values: string[]) => sql<string>`(SELECT v FROM ${dialect.rows(batch(values, [{ name: 'v', type: 'uuid', value: (v) => v }]))} AS list)`;
  const add = (rows: { id: string; group_ids: string | null }[]) => {
    for (const row of rows) {
      scope.add(row.id);
      if (row.group_ids !== null) memberships.set(row.id, row.group_ids);
    }
  };
  const select = () => db.selectFrom('users as u').select(['u.id', dialect.groupIdsOf('u.id').as('group_ids')]);
  for (let from = 0; from < userIds.length; from += dialect.batchSize) {
    add(await select().where('u.id', 'in', list(userIds.slice(from, from + dialect.batchSize))).execute());
  }
  if (groupIds.length > 0) {
    const members = db.selectFrom('user_groups_users as g').select('g.user_id').where('g.user_group_id', 'in', list(groupIds));
    add(await select().where('u.id', 'in', members).execute());
  }
  return { memberships, scope };
}

/** Users and their joined group ids, a row of the query above at a time. */
class UserState {
  readonly users: CurrentUser[] = [];
  readonly memberships = new Map<string, string>();

  add(row: unknown[]): void {
    // By index: destructuring would walk an iterator for each of 100,000 rows.
    const id = row[0] as string;
    this.users.push({
      id,
      ldapId: row[9] as string | null,
      username: row[1] as string,
      email: row[2] as string | null,
      firstName: (row[3] as string | null) ?? '',
      lastName: (row[4] as string | null) ?? '',
      displayName: row[5] as string,
      isAdmin: bool(row[6]),
      emailVerified: bool(row[7]),
      disabled: bool(row[8]),
    });
    // Absent (undefined) when the memberships were left out; null for a user in no group.
    const groupIds = row[10] as string | null | undefined;
    if (typeof groupIds === 'string') this.memberships.set(id, groupIds);
  }
}
