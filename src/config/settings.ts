// Every environment variable the daemon reads, in one place. The configuration
// table in docs/configuration.md and config/example.env are checked against this list by
// test/unit/config-docs.test.ts, so a new setting cannot go undocumented.

export type SettingKind = 'string' | 'boolean' | 'integer' | 'secret' | 'file';

export interface SettingDefinition {
  name: string;
  kind: SettingKind;
  /** Default as the environment would spell it; undefined means "no default". */
  default?: string;
  /** True when Pocket ID reads the same variable with the same meaning. */
  pocketId: boolean;
  description: string;
}

export const SETTINGS = [
  { name: 'LDAP_ENABLED', kind: 'boolean', default: 'false', pocketId: true, description: 'Master switch: nothing is synced unless true.' },
  { name: 'LDAP_URL', kind: 'string', pocketId: true, description: 'ldap:// or ldaps:// URL of the directory.' },
  { name: 'LDAP_BIND_DN', kind: 'string', pocketId: true, description: 'DN for the simple bind.' },
  { name: 'LDAP_BIND_PASSWORD', kind: 'secret', pocketId: true, description: 'Password for the simple bind. Never logged.' },
  { name: 'LDAP_BIND_PASSWORD_FILE', kind: 'file', pocketId: true, description: 'File holding the bind password (used when LDAP_BIND_PASSWORD is unset); one trailing newline is ignored.' },
  { name: 'LDAP_BASE', kind: 'string', pocketId: true, description: 'Base DN of both the user and the group search (subtree).' },
  { name: 'LDAP_USER_SEARCH_FILTER', kind: 'string', default: '(objectClass=person)', pocketId: true, description: 'Filter selecting users.' },
  { name: 'LDAP_USER_GROUP_SEARCH_FILTER', kind: 'string', default: '(objectClass=groupOfNames)', pocketId: true, description: 'Filter selecting groups.' },
  { name: 'LDAP_SKIP_CERT_VERIFY', kind: 'boolean', default: 'false', pocketId: true, description: 'Accept any TLS certificate from the directory (insecure).' },
  { name: 'LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER', kind: 'string', pocketId: true, description: 'User attribute stored as ldap_id (entryUUID, objectGUID, uuid, ipaUniqueID, ...). Required.' },
  { name: 'LDAP_ATTRIBUTE_USER_USERNAME', kind: 'string', pocketId: true, description: 'User attribute for the username (uid, sAMAccountName, user_id, ...). Required.' },
  { name: 'LDAP_ATTRIBUTE_USER_EMAIL', kind: 'string', pocketId: true, description: 'User attribute for the email address (mail).' },
  { name: 'LDAP_ATTRIBUTE_USER_FIRST_NAME', kind: 'string', pocketId: true, description: 'User attribute for the first name (givenName).' },
  { name: 'LDAP_ATTRIBUTE_USER_LAST_NAME', kind: 'string', pocketId: true, description: 'User attribute for the last name (sn).' },
  { name: 'LDAP_ATTRIBUTE_USER_DISPLAY_NAME', kind: 'string', default: 'cn', pocketId: true, description: 'User attribute for the display name; when empty on an entry, "first last" is used.' },
  { name: 'LDAP_ATTRIBUTE_USER_PROFILE_PICTURE', kind: 'string', pocketId: true, description: 'User attribute holding a picture (jpegPhoto, thumbnailPhoto, ...): image bytes, base64 text or an http(s) URL. Stored as a 300x300 PNG after the run commits, only when it changed. Empty: no pictures.' },
  { name: 'LDAP_ATTRIBUTE_GROUP_MEMBER', kind: 'string', default: 'member', pocketId: true, description: 'Group attribute listing members (member, uniqueMember, memberUid).' },
  { name: 'LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER', kind: 'string', pocketId: true, description: 'Group attribute stored as ldap_id. Required.' },
  { name: 'LDAP_ATTRIBUTE_GROUP_NAME', kind: 'string', pocketId: true, description: 'Group attribute used as the group name (cn). Required.' },
  { name: 'LDAP_ADMIN_GROUP_NAME', kind: 'string', pocketId: true, description: 'Members of the group with exactly this name become Pocket ID admins; empty: no LDAP user is admin.' },
  { name: 'LDAP_SOFT_DELETE_USERS', kind: 'boolean', default: 'true', pocketId: true, description: 'true: users gone from LDAP are disabled; false: they are deleted.' },
  { name: 'REQUIRE_USER_EMAIL', kind: 'boolean', default: 'true', pocketId: true, description: 'Users without an email are skipped (and reported) when true.' },
  { name: 'DB_CONNECTION_STRING', kind: 'secret', pocketId: true, description: 'postgres:// or postgresql:// URL for PostgreSQL; anything else is a SQLite path; empty means data/pocket-id.db.' },
  { name: 'DB_CONNECTION_STRING_FILE', kind: 'file', pocketId: true, description: 'File holding DB_CONNECTION_STRING; when set, it wins over DB_CONNECTION_STRING, as in Pocket ID (surrounding white space trimmed).' },
  { name: 'UI_CONFIG_DISABLED', kind: 'boolean', default: 'false', pocketId: true, description: 'Mirror of Pocket ID\'s setting; the daemon warns when it is not true.' },
  { name: 'LOG_LEVEL', kind: 'string', default: 'info', pocketId: true, description: 'debug, info, warn or error.' },
  { name: 'LOG_JSON', kind: 'boolean', default: 'false', pocketId: true, description: 'One JSON object per log line instead of text.' },
  { name: 'FILE_BACKEND', kind: 'string', default: 'filesystem', pocketId: true, description: 'Where Pocket ID keeps uploads, so where profile pictures are written: filesystem or database (table storage). s3 is not supported: with a picture attribute it is a configuration error.' },
  { name: 'UPLOAD_PATH', kind: 'string', default: 'data/uploads', pocketId: true, description: 'FILE_BACKEND=filesystem: the upload directory Pocket ID uses (a shared volume); pictures go to <UPLOAD_PATH>/profile-pictures/<user id>.png.' },
  { name: 'LDAP_SYNC_PAGE_SIZE', kind: 'integer', default: '500', pocketId: false, description: 'Entries per page of the paged (RFC 2696) searches, 1-10000. Keep it below the server\'s size limit for the bind account (Active Directory: 1000, 389-ds: 2000): a refused page is retried at half the size with a WARN.' },
  { name: 'LDAP_START_TLS', kind: 'boolean', default: 'false', pocketId: false, description: 'Upgrade an ldap:// connection with StartTLS before binding; the run fails if the server refuses (never falls back to plain text).' },
  { name: 'LDAP_TLS_CA_FILE', kind: 'file', pocketId: false, description: 'PEM bundle of the CA(s) that signed the directory\'s certificate, for a private CA (added to the system trust store).' },
  { name: 'LDAP_SYNC_DELETE_THRESHOLD', kind: 'string', default: '20%', pocketId: false, description: 'Deletion guard: the most LDAP users (or groups) one run may disable or delete, as a percentage of those Pocket ID holds (only counted above 5) or a whole number. A run over it changes nothing and fails.' },
  { name: 'LDAP_SYNC_REENABLE_THRESHOLD', kind: 'string', default: '20%', pocketId: false, description: 'Re-enable guard: the most directory users one run may re-enable or take the admin flag from, as a percentage of those Pocket ID holds (only counted above 5) or a whole number. A run over it changes nothing and fails; `sync --allow-mass-reenable` lets one run pass.' },
  { name: 'LDAP_SYNC_SCHEDULE', kind: 'string', default: '@every 1h', pocketId: false, description: 'When to sync after the run at start: "@every <duration>" counted from start (Go syntax: 30m, 1h, 1h30m), or a cron expression (5 fields, or 6 with seconds first; @hourly, @daily; process time zone).' },
  { name: 'LDAP_SYNC_INCREMENTAL', kind: 'boolean', default: 'false', pocketId: false, description: 'true: a scheduled run after a good full run reads only what changed in the directory (modifyTimestamp, or uSNChanged on Active Directory and Samba) plus, on LDAP_SYNC_DELETION_SCHEDULE, the ids of every user and group; a run that finds no change touches nothing. See docs/incremental.md.' },
  { name: 'LDAP_SYNC_DELETION_SCHEDULE', kind: 'string', pocketId: false, description: 'With LDAP_SYNC_INCREMENTAL=true: when an incremental run also scans the ids of all users and groups, which is how deletions and moves out of LDAP_BASE are found (same syntax as LDAP_SYNC_SCHEDULE). Empty: in every incremental run.' },
  { name: 'LDAP_SYNC_FULL_SCHEDULE', kind: 'string', default: '@every 24h', pocketId: false, description: 'With LDAP_SYNC_INCREMENTAL=true: when a run is full anyway (same syntax as LDAP_SYNC_SCHEDULE); a full run also repairs rows changed in Pocket ID by hand.' },
  { name: 'LDAP_SYNC_RETRY_DELAY', kind: 'integer', default: '30', pocketId: false, description: 'Seconds before the first retry of a failed run; the delay doubles with each failure up to LDAP_SYNC_RETRY_MAX_DELAY, and a retry never goes past the next scheduled run.' },
  { name: 'LDAP_SYNC_RETRY_MAX_DELAY', kind: 'integer', default: '600', pocketId: false, description: 'Upper bound in seconds of the retry delay.' },
  { name: 'LDAP_SYNC_HTTP_PORT', kind: 'integer', default: '9474', pocketId: false, description: 'Port of the HTTP server with /healthz, /readyz and /metrics; 0 turns it off.' },
  { name: 'LDAP_SYNC_HTTP_ADDRESS', kind: 'string', pocketId: false, description: 'Address the HTTP server binds to, e.g. 127.0.0.1; empty: all interfaces.' },
  { name: 'LDAP_SYNC_SHUTDOWN_TIMEOUT', kind: 'integer', default: '20', pocketId: false, description: 'Seconds a running sync may take to finish after SIGTERM or SIGINT; after that the process exits and the database rolls the unfinished transaction back.' },
  { name: 'LDAP_TIMEOUT', kind: 'integer', default: '30', pocketId: false, description: 'Seconds allowed for connecting and for each LDAP operation (one page, one lookup).' },
  { name: 'LDAP_SYNC_NESTED_GROUPS', kind: 'boolean', default: 'false', pocketId: false, description: 'true: a group\'s members include the users of its member groups, at any depth (cycles allowed); member groups must match LDAP_USER_GROUP_SEARCH_FILTER. false: flat, as Pocket ID.' },
  { name: 'LDAP_SYNC_DISABLED_ACCOUNTS', kind: 'boolean', default: 'false', pocketId: false, description: 'true: accounts the directory marks disabled (Active Directory/Samba userAccountControl bit 0x2, AD LDS msDS-UserAccountDisabled, 389-ds/FreeIPA nsAccountLock=TRUE) become disabled Pocket ID users, enabled again when cleared. false: enabled, as Pocket ID.' },
  { name: 'LDAP_SYNC_MEMBER_RANGE_SIZE', kind: 'integer', default: '0', pocketId: false, description: '0: ranged member values are followed whenever the server sends them (Active Directory above 1500 members). N: always read members in ranges of N (Active Directory and Samba only; for testing, as Samba never forces ranges).' },
  { name: 'LDAP_SYNC_SQLITE_BATCH_ROWS', kind: 'integer', default: '200000', pocketId: false, description: 'SQLite only: the most rows one write transaction writes (a user counts as 4 rows, a membership as 1, a deletion as 20 or, for a group, 5 plus its members). A larger plan is committed in several transactions, each complete on its own, so Pocket ID never waits long for the write lock; below this limit the size follows the database\'s speed so that each transaction holds the lock about 0.5 s (the limit only bounds a batch on a very fast machine). PostgreSQL always writes one transaction.' },
  { name: 'LDAP_SYNC_USER_CLAIMS', kind: 'string', pocketId: false, description: 'Directory attributes written as Pocket ID custom claims on LDAP users: comma-separated claim=attribute (first value, a string) or claim=attribute[] (all values, a JSON array); claim= deletes that claim from LDAP users. The sync owns exactly these keys. See docs/custom-claims.md.' },
  { name: 'LDAP_SYNC_GROUP_CLAIMS', kind: 'string', pocketId: false, description: 'The same for LDAP groups; a user\'s own claim wins over a group\'s claim of the same name.' },
  { name: 'LDAP_SYNC_PICTURE_CONCURRENCY', kind: 'integer', default: '4', pocketId: false, description: 'Profile pictures fetched, decoded and written at once after the run commits, 1-64.' },
  { name: 'LDAP_SYNC_PICTURE_TIMEOUT', kind: 'integer', default: '15', pocketId: false, description: 'Seconds allowed to download a picture given as an http(s) URL (Pocket ID: 15).' },
  { name: 'LDAP_SYNC_PICTURE_MAX_BYTES', kind: 'integer', default: '10485760', pocketId: false, description: 'Largest picture download accepted, in bytes; a larger one fails that picture.' },
  { name: 'LDAP_SYNC_PICTURE_DELETE_CLEARED', kind: 'boolean', default: 'false', pocketId: false, description: 'true: when a user\'s picture attribute is emptied, the picture this daemon stored from LDAP is deleted (a picture uploaded in Pocket ID is never deleted). false: it stays, as in Pocket ID.' },
  { name: 'LDAP_SYNC_REVOKE_SESSIONS', kind: 'boolean', default: 'true', pocketId: false, description: 'true: when a run disables or deletes a user, the same commit revokes all of that user\'s OAuth2 tokens and codes for every client, plus reauthentication (and, up to Pocket ID v2.11, one-time access) tokens, as Pocket ID revokes them itself (docs/offboarding.md). Needs Pocket ID v2.10+; on an older schema it is off with a warning. false: only disabled/deleted, as Pocket ID.' },
  { name: 'LDAP_SYNC_TRIGGER_TOKEN', kind: 'secret', pocketId: false, description: 'Bearer token that turns on POST /sync on the HTTP port (a run now, or right after the running one); at least 16 characters. Unset: POST /sync answers 404. Never logged.' },
  { name: 'LDAP_SYNC_TRIGGER_TOKEN_FILE', kind: 'file', pocketId: false, description: 'File holding LDAP_SYNC_TRIGGER_TOKEN (used when it is unset); one trailing newline is ignored.' },
] as const satisfies readonly SettingDefinition[];

export type SettingName = (typeof SETTINGS)[number]['name'];
