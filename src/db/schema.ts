// Pocket ID's tables as far as the sync reads or writes them (v2.14 migrations,
// backend/resources/migrations/{postgres,sqlite}/).
// Column types are what the drivers hand back: PostgreSQL gives booleans and
// Dates, SQLite gives 0/1 and unix seconds; each dialect's codec converts.

type Bool = boolean | number;
type Time = Date | number | string | null;

export interface UsersTable {
  id: string;
  created_at: Time;
  updated_at: Time;
  username: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  display_name: string;
  is_admin: Bool;
  ldap_id: string | null;
  locale: string | null;
  disabled: Bool;
  email_verified: Bool;
}

export interface UserGroupsTable {
  id: string;
  created_at: Time;
  updated_at: Time;
  name: string;
  friendly_name: string;
  ldap_id: string | null;
}

export interface UserGroupsUsersTable {
  user_id: string;
  user_group_id: string;
}

export interface CustomClaimsTable {
  id: string;
  created_at: Time;
  key: string;
  value: string;
  user_id: string | null;
  user_group_id: string | null;
}

export interface SchemaMigrationsTable {
  version: number | string | bigint;
  dirty: Bool;
}

export interface PocketIdSchema {
  users: UsersTable;
  user_groups: UserGroupsTable;
  user_groups_users: UserGroupsUsersTable;
  custom_claims: CustomClaimsTable;
  schema_migrations: SchemaMigrationsTable;
}
