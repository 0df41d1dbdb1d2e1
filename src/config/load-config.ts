import { readFileSync } from 'node:fs';
import type { LogLevel } from '../log/logger.js';
import type { Config, DatabaseTarget, LdapSettings } from './config.js';
import { defaultOf, parseEnvironment, type CleanEnv, type Env } from './env-spec.js';
import type { SettingName } from './settings.js';
import { parseClaimMappings, type ClaimMappings } from './claim-mappings.js';
import { settingWarnings } from './unknown-settings.js';

/** Every problem found in the environment, reported together (exit status 2). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A secret from NAME, else from the file named by NAME_FILE. */
function readSecret(env: Env, name: string, problems: string[]): string {
  const direct = env[name];
  if (direct !== undefined) return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return '';
  try {
    // Kubernetes and `echo > file` leave one trailing newline; it is never part of a secret.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push(`${name}_FILE: cannot read ${file} (${code})`);
    return '';
  }
}

/**
 * DB_CONNECTION_STRING as Pocket ID resolves it (common/env_config.go
 * resolveFileBasedEnvVariable, v2.14.0): a non-empty DB_CONNECTION_STRING_FILE
 * wins over DB_CONNECTION_STRING, and the file's content is trimmed of
 * surrounding white space. Both programs so always open the same database.
 */
function readConnectionString(env: Env, problems: string[]): string {
  const file = env.DB_CONNECTION_STRING_FILE;
  if (file === undefined || file === '') return env.DB_CONNECTION_STRING ?? '';
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    problems.push(`DB_CONNECTION_STRING_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return '';
  }
}

function readCaFile(file: string, problems: string[]): string | undefined {
  if (file.trim() === '') return undefined;
  try {
    const pem = readFileSync(file.trim(), 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      problems.push(`LDAP_TLS_CA_FILE: ${file} holds no PEM certificate`);
      return undefined;
    }
    return pem;
  } catch (error) {
    problems.push(`LDAP_TLS_CA_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return undefined;
  }
}

/** DB_CONNECTION_STRING as Pocket ID reads it; `batchRows` (LDAP_SYNC_SQLITE_BATCH_ROWS) goes with a SQLite file. */
export function databaseTarget(connectionString: string, batchRows?: number): DatabaseTarget {
  const value = connectionString.trim();
  const sqlite = (path: string): DatabaseTarget => ({ kind: 'sqlite', path, ...(batchRows !== undefined ? { batchRows } : {}) });
  if (value === '') return sqlite('data/pocket-id.db');
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', connectionString: value };
  // Pocket ID turns every other value into a SQLite URI (prefixing "file:" when
  // absent), so "?..." is always driver options, never part of the file name.
  const uri = value.startsWith('file:') ? value : `file:${value}`;
  const withoutScheme = uri.slice('file:'.length).split('?')[0] ?? '';
  return sqlite(decodeURIComponent(withoutScheme.replace(/^\/\/(localhost)?(?=\/)/, '')));
}

/** The secrets and files the environment points at. */
interface Secrets {
  bindPassword: string;
  connectionString: string;
  caPem: string | undefined;
  triggerToken: string;
}

const MIN_TRIGGER_TOKEN_LENGTH = 16;

/** LDAP_SYNC_TRIGGER_TOKEN: POST /sync makes the daemon read the whole directory, so a guessable token is refused. */
function readTriggerToken(env: Env, problems: string[]): string {
  const token = readSecret(env, 'LDAP_SYNC_TRIGGER_TOKEN', problems);
  if (token !== '' && token.length < MIN_TRIGGER_TOKEN_LENGTH) {
    problems.push(`LDAP_SYNC_TRIGGER_TOKEN: too short (${token.length} characters); use at least ${MIN_TRIGGER_TOKEN_LENGTH}, e.g. from openssl rand -hex 32`);
  }
  return token;
}

/** envalid's per-variable parse plus the secrets read from NAME or NAME_FILE. */
function readEnvironment(env: Env, problems: string[]): { clean: CleanEnv; secrets: Secrets; claims: ClaimMappings } {
  const clean = parseEnvironment(env, problems);
  const secrets = {
    bindPassword: readSecret(env, 'LDAP_BIND_PASSWORD', problems),
    connectionString: readConnectionString(env, problems),
    caPem: readCaFile(clean.LDAP_TLS_CA_FILE, problems),
    triggerToken: readTriggerToken(env, problems),
  };
  const claims = {
    user: parseClaimMappings('LDAP_SYNC_USER_CLAIMS', clean.LDAP_SYNC_USER_CLAIMS, problems),
    group: parseClaimMappings('LDAP_SYNC_GROUP_CLAIMS', clean.LDAP_SYNC_GROUP_CLAIMS, problems),
  };
  return { clean, secrets, claims };
}

/** Rules across variables, checked only when the sync is enabled. */
function crossCheck(clean: CleanEnv, secrets: Secrets, problems: string[]): void {
  // envalid throws when an invalid variable is read; the rules below skip those already reported.
  const valid = (name: SettingName) => !problems.some((p) => p.startsWith(`${name}:`));
  if (!valid('LDAP_ENABLED') || !clean.LDAP_ENABLED) return;
  const required: [SettingName, string][] = [
    ['LDAP_URL', clean.LDAP_URL],
    ['LDAP_BASE', clean.LDAP_BASE],
    ['LDAP_BIND_DN', clean.LDAP_BIND_DN],
    ['LDAP_USER_SEARCH_FILTER', clean.LDAP_USER_SEARCH_FILTER],
    ['LDAP_USER_GROUP_SEARCH_FILTER', clean.LDAP_USER_GROUP_SEARCH_FILTER],
    ['LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER', clean.LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER],
    ['LDAP_ATTRIBUTE_USER_USERNAME', clean.LDAP_ATTRIBUTE_USER_USERNAME],
    ['LDAP_ATTRIBUTE_GROUP_MEMBER', clean.LDAP_ATTRIBUTE_GROUP_MEMBER],
    ['LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER', clean.LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER],
    ['LDAP_ATTRIBUTE_GROUP_NAME', clean.LDAP_ATTRIBUTE_GROUP_NAME],
  ];
  for (const [name, value] of required) {
    if (value.trim() === '') problems.push(`${name}: required when LDAP_ENABLED=true`);
  }
  const url = clean.LDAP_URL.trim();
  if (url !== '' && !/^ldaps?:\/\/[^/]+/i.test(url)) {
    problems.push(`LDAP_URL: "${url}" must start with ldap:// or ldaps:// and name a host`);
  }
  if (valid('LDAP_START_TLS') && clean.LDAP_START_TLS && /^ldaps:/i.test(url)) {
    problems.push('LDAP_START_TLS: only for ldap:// URLs (ldaps:// is TLS from the first byte)');
  }
  if (secrets.bindPassword === '' && !problems.some((p) => p.startsWith('LDAP_BIND_PASSWORD'))) {
    problems.push('LDAP_BIND_PASSWORD: required when LDAP_ENABLED=true (or set LDAP_BIND_PASSWORD_FILE); anonymous binds are not supported, as in Pocket ID');
  }
  if (valid('REQUIRE_USER_EMAIL') && clean.REQUIRE_USER_EMAIL && clean.LDAP_ATTRIBUTE_USER_EMAIL.trim() === '') {
    problems.push('LDAP_ATTRIBUTE_USER_EMAIL: required while REQUIRE_USER_EMAIL=true, otherwise every user would be skipped');
  }
  if (valid('FILE_BACKEND') && clean.FILE_BACKEND === 's3' && clean.LDAP_ATTRIBUTE_USER_PROFILE_PICTURE.trim() !== '') {
    problems.push(
      'FILE_BACKEND: s3 is not supported by this daemon, so it cannot store profile pictures; set LDAP_ATTRIBUTE_USER_PROFILE_PICTURE to empty for the daemon (pictures are then not synced) or use FILE_BACKEND=filesystem or database',
    );
  }
}

function toLdapSettings(clean: CleanEnv, secrets: Secrets, claims: ClaimMappings): LdapSettings {
  return {
    url: clean.LDAP_URL.trim(),
    bindDn: clean.LDAP_BIND_DN,
    bindPassword: secrets.bindPassword,
    base: clean.LDAP_BASE.trim(),
    userFilter: clean.LDAP_USER_SEARCH_FILTER,
    groupFilter: clean.LDAP_USER_GROUP_SEARCH_FILTER,
    skipCertVerify: clean.LDAP_SKIP_CERT_VERIFY,
    startTls: clean.LDAP_START_TLS,
    ...(secrets.caPem !== undefined ? { caPem: secrets.caPem } : {}),
    attributes: {
      userUniqueId: clean.LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER.trim(),
      username: clean.LDAP_ATTRIBUTE_USER_USERNAME.trim(),
      email: clean.LDAP_ATTRIBUTE_USER_EMAIL.trim(),
      firstName: clean.LDAP_ATTRIBUTE_USER_FIRST_NAME.trim(),
      lastName: clean.LDAP_ATTRIBUTE_USER_LAST_NAME.trim(),
      displayName: clean.LDAP_ATTRIBUTE_USER_DISPLAY_NAME.trim(),
      profilePicture: clean.LDAP_ATTRIBUTE_USER_PROFILE_PICTURE.trim(),
      groupMember: clean.LDAP_ATTRIBUTE_GROUP_MEMBER.trim(),
      groupUniqueId: clean.LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER.trim(),
      groupName: clean.LDAP_ATTRIBUTE_GROUP_NAME.trim(),
    },
    pageSize: clean.LDAP_SYNC_PAGE_SIZE,
    timeoutMs: clean.LDAP_TIMEOUT * 1000,
    nestedGroups: clean.LDAP_SYNC_NESTED_GROUPS,
    syncDisabledAccounts: clean.LDAP_SYNC_DISABLED_ACCOUNTS,
    memberRangeSize: clean.LDAP_SYNC_MEMBER_RANGE_SIZE,
    claims,
  };
}

function toConfig(env: Env, clean: CleanEnv, secrets: Secrets, claims: ClaimMappings): Config {
  return {
    warnings: settingWarnings(env),
    enabled: clean.LDAP_ENABLED,
    ldap: toLdapSettings(clean, secrets, claims),
    database: databaseTarget(secrets.connectionString, clean.LDAP_SYNC_SQLITE_BATCH_ROWS),
    rules: {
      adminGroupName: clean.LDAP_ADMIN_GROUP_NAME,
      softDeleteUsers: clean.LDAP_SOFT_DELETE_USERS,
      requireUserEmail: clean.REQUIRE_USER_EMAIL,
      deleteThreshold: clean.LDAP_SYNC_DELETE_THRESHOLD,
      revokeSessions: clean.LDAP_SYNC_REVOKE_SESSIONS,
      reEnableThreshold: clean.LDAP_SYNC_REENABLE_THRESHOLD,
    },
    incremental: {
      enabled: clean.LDAP_SYNC_INCREMENTAL,
      deletionSchedule: clean.LDAP_SYNC_DELETION_SCHEDULE,
      fullSchedule: clean.LDAP_SYNC_FULL_SCHEDULE,
    },
    uiConfigDisabled: clean.UI_CONFIG_DISABLED,
    service: {
      schedule: clean.LDAP_SYNC_SCHEDULE,
      retryDelayMs: clean.LDAP_SYNC_RETRY_DELAY * 1000,
      retryMaxDelayMs: Math.max(clean.LDAP_SYNC_RETRY_DELAY, clean.LDAP_SYNC_RETRY_MAX_DELAY) * 1000,
      httpPort: clean.LDAP_SYNC_HTTP_PORT,
      httpAddress: clean.LDAP_SYNC_HTTP_ADDRESS.trim(),
      shutdownTimeoutMs: clean.LDAP_SYNC_SHUTDOWN_TIMEOUT * 1000,
      triggerToken: secrets.triggerToken,
    },
    log: { level: clean.LOG_LEVEL as LogLevel, json: clean.LOG_JSON },
    pictures: {
      backend: clean.FILE_BACKEND,
      uploadPath: clean.UPLOAD_PATH.trim() || defaultOf('UPLOAD_PATH'),
      concurrency: clean.LDAP_SYNC_PICTURE_CONCURRENCY,
      timeoutMs: clean.LDAP_SYNC_PICTURE_TIMEOUT * 1000,
      maxBytes: clean.LDAP_SYNC_PICTURE_MAX_BYTES,
      deleteCleared: clean.LDAP_SYNC_PICTURE_DELETE_CLEARED,
    },
  };
}

/** The typed configuration, or a ConfigError naming every problem at once. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const { clean, secrets, claims } = readEnvironment(env, problems);
  crossCheck(clean, secrets, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return toConfig(env, clean, secrets, claims);
}
