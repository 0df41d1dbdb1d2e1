import { readFileSync } from 'node:fs';
import { cleanEnv, makeValidator, str, type ReporterOptions } from 'envalid';
import { parseDeleteThreshold, type DeleteThreshold } from '../sync/deletion-guard.js';
import { parseSchedule } from './schedule.js';
import { parsePocketIdBoolean } from './booleans.js';
import type { LogLevel } from '../log/logger.js';
import type { Config, DatabaseTarget, FileBackend } from './config.js';
import { SETTINGS, type SettingName } from './settings.js';
import { errorMessage } from '../log/error-message.js';
import { parseClaimMappings } from './claim-mappings.js';

/** Every problem found in the environment, reported together (exit status 2). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const bool = makeValidator<boolean>((raw) => parsePocketIdBoolean(raw));

function integer(min: number, max: number) {
  return makeValidator<number>((raw) => {
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`"${raw}" is not a whole number from ${min} to ${max}`);
    }
    return value;
  });
}

const threshold = makeValidator<DeleteThreshold>((raw) => parseDeleteThreshold(raw));

const schedule = makeValidator<string>((raw) => {
  parseSchedule(raw);
  return raw.trim();
});

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const FILE_BACKENDS: readonly FileBackend[] = ['filesystem', 'database', 's3'];

// Pocket ID's FILE_BACKEND values; any other spelling is an error, not a silent default.
const fileBackend = makeValidator<FileBackend>((raw) => {
  const value = raw.trim().toLowerCase();
  const backend = FILE_BACKENDS.find((b) => b === value);
  if (backend === undefined) throw new Error(`"${raw}" is not one of ${FILE_BACKENDS.join(', ')}`);
  return backend;
});

// envalid validates each variable on its own; the spec mirrors SETTINGS so the
// defaults live in exactly one place.
function defaultOf(name: SettingName): string {
  const setting = SETTINGS.find((s) => s.name === name);
  return setting && 'default' in setting ? setting.default : '';
}

function buildSpec() {
  const text = (name: SettingName) => str({ default: defaultOf(name) });
  const flag = (name: SettingName) => bool({ default: parsePocketIdBoolean(defaultOf(name)) });
  return {
    LDAP_ENABLED: flag('LDAP_ENABLED'),
    LDAP_URL: text('LDAP_URL'),
    LDAP_BIND_DN: text('LDAP_BIND_DN'),
    LDAP_BASE: text('LDAP_BASE'),
    LDAP_USER_SEARCH_FILTER: text('LDAP_USER_SEARCH_FILTER'),
    LDAP_USER_GROUP_SEARCH_FILTER: text('LDAP_USER_GROUP_SEARCH_FILTER'),
    LDAP_SKIP_CERT_VERIFY: flag('LDAP_SKIP_CERT_VERIFY'),
    LDAP_START_TLS: flag('LDAP_START_TLS'),
    LDAP_TLS_CA_FILE: text('LDAP_TLS_CA_FILE'),
    LDAP_SYNC_DELETE_THRESHOLD: threshold({ default: parseDeleteThreshold(defaultOf('LDAP_SYNC_DELETE_THRESHOLD')) }),
    LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: text('LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER'),
    LDAP_ATTRIBUTE_USER_USERNAME: text('LDAP_ATTRIBUTE_USER_USERNAME'),
    LDAP_ATTRIBUTE_USER_EMAIL: text('LDAP_ATTRIBUTE_USER_EMAIL'),
    LDAP_ATTRIBUTE_USER_FIRST_NAME: text('LDAP_ATTRIBUTE_USER_FIRST_NAME'),
    LDAP_ATTRIBUTE_USER_LAST_NAME: text('LDAP_ATTRIBUTE_USER_LAST_NAME'),
    LDAP_ATTRIBUTE_USER_DISPLAY_NAME: text('LDAP_ATTRIBUTE_USER_DISPLAY_NAME'),
    LDAP_ATTRIBUTE_USER_PROFILE_PICTURE: text('LDAP_ATTRIBUTE_USER_PROFILE_PICTURE'),
    LDAP_ATTRIBUTE_GROUP_MEMBER: text('LDAP_ATTRIBUTE_GROUP_MEMBER'),
    LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: text('LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER'),
    LDAP_ATTRIBUTE_GROUP_NAME: text('LDAP_ATTRIBUTE_GROUP_NAME'),
    LDAP_ADMIN_GROUP_NAME: text('LDAP_ADMIN_GROUP_NAME'),
    LDAP_SOFT_DELETE_USERS: flag('LDAP_SOFT_DELETE_USERS'),
    REQUIRE_USER_EMAIL: flag('REQUIRE_USER_EMAIL'),
    UI_CONFIG_DISABLED: flag('UI_CONFIG_DISABLED'),
    LOG_LEVEL: str({ default: 'info', choices: LOG_LEVELS }),
    LOG_JSON: flag('LOG_JSON'),
    LDAP_SYNC_PAGE_SIZE: integer(1, 10000)({ default: Number(defaultOf('LDAP_SYNC_PAGE_SIZE')) }),
    LDAP_TIMEOUT: integer(1, 3600)({ default: Number(defaultOf('LDAP_TIMEOUT')) }),
    LDAP_SYNC_NESTED_GROUPS: flag('LDAP_SYNC_NESTED_GROUPS'),
    LDAP_SYNC_DISABLED_ACCOUNTS: flag('LDAP_SYNC_DISABLED_ACCOUNTS'),
    LDAP_SYNC_MEMBER_RANGE_SIZE: integer(0, 1_000_000)({ default: Number(defaultOf('LDAP_SYNC_MEMBER_RANGE_SIZE')) }),
    LDAP_SYNC_SCHEDULE: schedule({ default: defaultOf('LDAP_SYNC_SCHEDULE') }),
    LDAP_SYNC_RETRY_DELAY: integer(1, 86400)({ default: Number(defaultOf('LDAP_SYNC_RETRY_DELAY')) }),
    LDAP_SYNC_RETRY_MAX_DELAY: integer(1, 86400)({ default: Number(defaultOf('LDAP_SYNC_RETRY_MAX_DELAY')) }),
    LDAP_SYNC_HTTP_PORT: integer(0, 65535)({ default: Number(defaultOf('LDAP_SYNC_HTTP_PORT')) }),
    LDAP_SYNC_HTTP_ADDRESS: text('LDAP_SYNC_HTTP_ADDRESS'),
    LDAP_SYNC_SHUTDOWN_TIMEOUT: integer(1, 3600)({ default: Number(defaultOf('LDAP_SYNC_SHUTDOWN_TIMEOUT')) }),
    FILE_BACKEND: fileBackend({ default: defaultOf('FILE_BACKEND') as FileBackend }),
    UPLOAD_PATH: text('UPLOAD_PATH'),
    LDAP_SYNC_PICTURE_CONCURRENCY: integer(1, 64)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_CONCURRENCY')) }),
    LDAP_SYNC_PICTURE_TIMEOUT: integer(1, 600)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_TIMEOUT')) }),
    LDAP_SYNC_PICTURE_MAX_BYTES: integer(1024, 1_073_741_824)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_MAX_BYTES')) }),
    LDAP_SYNC_PICTURE_DELETE_CLEARED: flag('LDAP_SYNC_PICTURE_DELETE_CLEARED'),
    LDAP_SYNC_USER_CLAIMS: text('LDAP_SYNC_USER_CLAIMS'),
    LDAP_SYNC_GROUP_CLAIMS: text('LDAP_SYNC_GROUP_CLAIMS'),
  };
}

// Structured strings whose empty value could only be a mistake (a Helm value left blank).
// FILE_BACKEND and UPLOAD_PATH: Pocket ID falls back to its defaults when they are empty.
const EMPTY_MEANS_DEFAULT: ReadonlySet<string> = new Set<SettingName>(['LDAP_SYNC_DELETE_THRESHOLD', 'LDAP_SYNC_SCHEDULE', 'FILE_BACKEND', 'UPLOAD_PATH']);

// Booleans and numbers set to "" fall back to their default, as an unset
// variable would; strings keep "" because Pocket ID uses a set-but-empty value as is.
function withoutEmptyNonStrings(env: Env): Env {
  const out: Env = { ...env };
  for (const setting of SETTINGS) {
    if ((setting.kind === 'boolean' || setting.kind === 'integer' || EMPTY_MEANS_DEFAULT.has(setting.name)) && out[setting.name]?.trim() === '') {
      delete out[setting.name];
    }
  }
  if (out.LOG_LEVEL !== undefined) out.LOG_LEVEL = out.LOG_LEVEL.trim().toLowerCase() || undefined;
  return out;
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

export function databaseTarget(connectionString: string): DatabaseTarget {
  const value = connectionString.trim();
  if (value === '') return { kind: 'sqlite', path: 'data/pocket-id.db' };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'postgres', connectionString: value };
  // Pocket ID turns every other value into a SQLite URI (prefixing "file:" when
  // absent), so "?..." is always driver options, never part of the file name.
  const uri = value.startsWith('file:') ? value : `file:${value}`;
  const withoutScheme = uri.slice('file:'.length).split('?')[0] ?? '';
  const path = decodeURIComponent(withoutScheme.replace(/^\/\/(localhost)?(?=\/)/, ''));
  return { kind: 'sqlite', path };
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const clean = cleanEnv(withoutEmptyNonStrings(env), buildSpec(), {
    reporter: ({ errors }: ReporterOptions<Record<string, unknown>>) => {
      for (const [name, error] of Object.entries(errors)) {
        // envalid's messages can echo the value; ours never carry secrets, but keep it to the reason.
        problems.push(`${name}: ${errorMessage(error)}`);
      }
    },
  });

  const bindPassword = readSecret(env, 'LDAP_BIND_PASSWORD', problems);
  const connectionString = readSecret(env, 'DB_CONNECTION_STRING', problems);
  const caPem = readCaFile(clean.LDAP_TLS_CA_FILE, problems);
  const claims = {
    user: parseClaimMappings('LDAP_SYNC_USER_CLAIMS', clean.LDAP_SYNC_USER_CLAIMS, problems),
    group: parseClaimMappings('LDAP_SYNC_GROUP_CLAIMS', clean.LDAP_SYNC_GROUP_CLAIMS, problems),
  };

  if (clean.LDAP_ENABLED) {
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
    if (clean.LDAP_START_TLS && /^ldaps:/i.test(url)) {
      problems.push('LDAP_START_TLS: only for ldap:// URLs (ldaps:// is TLS from the first byte)');
    }
    if (bindPassword === '' && !problems.some((p) => p.startsWith('LDAP_BIND_PASSWORD'))) {
      problems.push('LDAP_BIND_PASSWORD: required when LDAP_ENABLED=true (or set LDAP_BIND_PASSWORD_FILE); anonymous binds are not supported, as in Pocket ID');
    }
    if (clean.REQUIRE_USER_EMAIL && clean.LDAP_ATTRIBUTE_USER_EMAIL.trim() === '') {
      problems.push('LDAP_ATTRIBUTE_USER_EMAIL: required while REQUIRE_USER_EMAIL=true, otherwise every user would be skipped');
    }
    // An invalid FILE_BACKEND is already reported (and reading it from `clean` would throw).
    const backendValid = !problems.some((p) => p.startsWith('FILE_BACKEND:'));
    if (backendValid && clean.FILE_BACKEND === 's3' && clean.LDAP_ATTRIBUTE_USER_PROFILE_PICTURE.trim() !== '') {
      problems.push(
        'FILE_BACKEND: s3 is not supported by this daemon, so it cannot store profile pictures; set LDAP_ATTRIBUTE_USER_PROFILE_PICTURE to empty for the daemon (pictures are then not synced) or use FILE_BACKEND=filesystem or database',
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    enabled: clean.LDAP_ENABLED,
    ldap: {
      url: clean.LDAP_URL.trim(),
      bindDn: clean.LDAP_BIND_DN,
      bindPassword,
      base: clean.LDAP_BASE.trim(),
      userFilter: clean.LDAP_USER_SEARCH_FILTER,
      groupFilter: clean.LDAP_USER_GROUP_SEARCH_FILTER,
      skipCertVerify: clean.LDAP_SKIP_CERT_VERIFY,
      startTls: clean.LDAP_START_TLS,
      ...(caPem !== undefined ? { caPem } : {}),
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
    },
    database: databaseTarget(connectionString),
    rules: {
      adminGroupName: clean.LDAP_ADMIN_GROUP_NAME,
      softDeleteUsers: clean.LDAP_SOFT_DELETE_USERS,
      requireUserEmail: clean.REQUIRE_USER_EMAIL,
      deleteThreshold: clean.LDAP_SYNC_DELETE_THRESHOLD,
    },
    uiConfigDisabled: clean.UI_CONFIG_DISABLED,
    service: {
      schedule: clean.LDAP_SYNC_SCHEDULE,
      retryDelayMs: clean.LDAP_SYNC_RETRY_DELAY * 1000,
      retryMaxDelayMs: Math.max(clean.LDAP_SYNC_RETRY_DELAY, clean.LDAP_SYNC_RETRY_MAX_DELAY) * 1000,
      httpPort: clean.LDAP_SYNC_HTTP_PORT,
      httpAddress: clean.LDAP_SYNC_HTTP_ADDRESS.trim(),
      shutdownTimeoutMs: clean.LDAP_SYNC_SHUTDOWN_TIMEOUT * 1000,
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
