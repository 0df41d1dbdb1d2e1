import { sql } from 'kysely';
import type { SqlDialect } from '../sql-dialect.js';
import { sqliteRows } from './sqlite-row-source.js';

export const sqliteDialect: SqlDialect = {
  ...sqliteRows,
  kind: 'sqlite',
  // In the order rows arrive: grouped by the leading primary-key column, that is the
  // key's order, which is ascending. (An explicit ORDER BY costs a sort per group; an
  // unsorted list would only make the plan compare it the slow way, never wrongly.)
  joinIds: (column) => sql<string>`group_concat(${sql.ref(column)}, ',')`,
  claimTriples: (id, key, value) => sql<string>`json_group_array(json_array(${sql.ref(id)}, ${sql.ref(key)}, ${sql.ref(value)}))`,
  bytesHead: (column, bytes) => sql<Buffer>`substr(${sql.ref(column)}, 1, ${sql.lit(bytes)})`,
  // Declared types, as Pocket ID v2.14.0's migrations create them.
  expectedSchema: {
    sync: {
      users: {
        id: ['text'], created_at: ['datetime'], updated_at: ['datetime'], username: ['text'], email: ['text'], first_name: ['text'],
        last_name: ['text'], display_name: ['text'], is_admin: ['boolean'], ldap_id: ['text'], locale: ['text'], disabled: ['boolean'],
        email_verified: ['boolean'],
      },
      user_groups: { id: ['text'], created_at: ['datetime'], updated_at: ['datetime'], name: ['text'], friendly_name: ['text'], ldap_id: ['text'] },
      user_groups_users: { user_id: ['text'], user_group_id: ['text'] },
    },
    claims: {
      custom_claims: { id: ['text'], created_at: ['datetime'], key: ['text'], value: ['text'], user_id: ['text'], user_group_id: ['text'] },
    },
    credentials: {
      oauth2_sessions: { kind: ['text'], request_id: ['text'], active: ['boolean'], request_data: ['text', 'blob'] },
      one_time_access_tokens: { user_id: ['text'] },
      reauthentication_tokens: { user_id: ['text'] },
    },
  },
};
