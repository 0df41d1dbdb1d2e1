import type { LogLevel } from '../log/logger.js';
import type { DeleteThreshold } from '../sync/deletion-guard.js';
import type { ClaimMappings } from '../sync/types.js';

export interface LdapAttributes {
  userUniqueId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  displayName: string;
  profilePicture: string;
  groupMember: string;
  groupUniqueId: string;
  groupName: string;
}

export interface LdapSettings {
  url: string;
  bindDn: string;
  bindPassword: string;
  base: string;
  userFilter: string;
  groupFilter: string;
  skipCertVerify: boolean;
  startTls: boolean;
  /** PEM text of extra trusted CAs, read from LDAP_TLS_CA_FILE. */
  caPem?: string;
  attributes: LdapAttributes;
  pageSize: number;
  timeoutMs: number;
  /** LDAP_SYNC_NESTED_GROUPS: record member values that are group DNs for the plan to flatten. */
  nestedGroups: boolean;
  /** LDAP_SYNC_DISABLED_ACCOUNTS: read userAccountControl / nsAccountLock into DirectoryUser.disabled. */
  syncDisabledAccounts: boolean;
  /** LDAP_SYNC_MEMBER_RANGE_SIZE: 0 follows the server's ranges; N asks for ranges of N. */
  memberRangeSize: number;
  /** LDAP_SYNC_USER_CLAIMS / LDAP_SYNC_GROUP_CLAIMS: attributes written as custom claims. */
  claims: ClaimMappings;
}

export type DatabaseTarget =
  | { kind: 'postgres'; connectionString: string }
  | { kind: 'sqlite'; path: string; /** LDAP_SYNC_SQLITE_BATCH_ROWS; unset: the default. */ batchRows?: number };

export interface SyncRules {
  adminGroupName: string;
  softDeleteUsers: boolean;
  requireUserEmail: boolean;
  deleteThreshold: DeleteThreshold;
  /** LDAP_SYNC_REVOKE_SESSIONS: revoke the OAuth2 credentials of users a run disables or deletes. */
  revokeSessions: boolean;
  /** LDAP_SYNC_REENABLE_THRESHOLD: the re-enable guard's limit, same syntax and floor as the deletion guard's. */
  reEnableThreshold: DeleteThreshold;
}

/** LDAP_SYNC_INCREMENTAL and its schedules (docs/incremental.md). */
export interface IncrementalSettings {
  enabled: boolean;
  /** LDAP_SYNC_DELETION_SCHEDULE as written ('' = an id scan in every incremental run); validated by parseSchedule(). */
  deletionSchedule: string;
  /** LDAP_SYNC_FULL_SCHEDULE as written; validated by parseSchedule(). */
  fullSchedule: string;
}

/** How the daemon (`run`) schedules runs and serves HTTP. */
export interface ServiceSettings {
  /** LDAP_SYNC_SCHEDULE as written; already validated by parseSchedule(). */
  schedule: string;
  retryDelayMs: number;
  retryMaxDelayMs: number;
  /** 0: no HTTP server. */
  httpPort: number;
  /** '' means all interfaces. */
  httpAddress: string;
  shutdownTimeoutMs: number;
  /** LDAP_SYNC_TRIGGER_TOKEN: '' leaves POST /sync off. A secret. */
  triggerToken: string;
}

/** Pocket ID's FILE_BACKEND. */
export type FileBackend = 'filesystem' | 'database' | 's3';

/** Where and how profile pictures are stored (the attribute is LdapAttributes.profilePicture). */
export interface PictureSettings {
  /** s3 is accepted only without a picture attribute (then nothing is ever written there). */
  backend: FileBackend;
  /** FILE_BACKEND=filesystem: Pocket ID's UPLOAD_PATH. */
  uploadPath: string;
  concurrency: number;
  /** Download time limit of a picture given as a URL. */
  timeoutMs: number;
  /** Largest download accepted. */
  maxBytes: number;
  /** LDAP_SYNC_PICTURE_DELETE_CLEARED: delete our stored picture when the attribute is emptied. */
  deleteCleared: boolean;
}

export interface Config {
  /** Settings that are probably mistakes but do not stop the daemon (an old or misspelt LDAP_* name). */
  warnings: string[];
  enabled: boolean;
  ldap: LdapSettings;
  database: DatabaseTarget;
  rules: SyncRules;
  incremental: IncrementalSettings;
  uiConfigDisabled: boolean;
  service: ServiceSettings;
  log: { level: LogLevel; json: boolean };
  pictures: PictureSettings;
}
