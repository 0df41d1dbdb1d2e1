// The environment as envalid reads it: one validator per variable, the
// defaults taken from SETTINGS so they live in exactly one place.
import { cleanEnv, makeValidator, str, type ReporterOptions } from 'envalid';
import { parseDeleteThreshold, type DeleteThreshold } from '../sync/deletion-guard.js';
import { errorMessage } from '../log/error-message.js';
import { LOG_LEVELS } from '../log/logger.js';
import { booleanParser, POCKET_ID_EXACT_BOOLEANS } from './booleans.js';
import type { FileBackend } from './config.js';
import { parseSchedule } from './schedule.js';
import { SETTINGS, type SettingName } from './settings.js';

export type Env = Record<string, string | undefined>;

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

function scheduleText(raw: string): string {
  parseSchedule(raw);
  return raw.trim();
}

const schedule = makeValidator<string>(scheduleText);

/** A schedule where empty has a meaning of its own (LDAP_SYNC_DELETION_SCHEDULE: every run). */
const optionalSchedule = makeValidator<string>((raw) => (raw.trim() === '' ? '' : scheduleText(raw)));

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
export function defaultOf(name: SettingName): string {
  const setting = SETTINGS.find((s) => s.name === name);
  return setting && 'default' in setting ? setting.default : '';
}

function buildSpec() {
  const text = (name: SettingName) => str({ default: defaultOf(name) });
  const flag = (name: SettingName) => {
    const parse = booleanParser(name);
    return makeValidator<boolean>(parse)({ default: parse(defaultOf(name)) });
  };
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
    LDAP_SYNC_REENABLE_THRESHOLD: threshold({ default: parseDeleteThreshold(defaultOf('LDAP_SYNC_REENABLE_THRESHOLD')) }),
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
    LDAP_SYNC_INCREMENTAL: flag('LDAP_SYNC_INCREMENTAL'),
    LDAP_SYNC_DELETION_SCHEDULE: optionalSchedule({ default: defaultOf('LDAP_SYNC_DELETION_SCHEDULE') }),
    LDAP_SYNC_FULL_SCHEDULE: schedule({ default: defaultOf('LDAP_SYNC_FULL_SCHEDULE') }),
    LDAP_SYNC_RETRY_DELAY: integer(1, 86400)({ default: Number(defaultOf('LDAP_SYNC_RETRY_DELAY')) }),
    LDAP_SYNC_RETRY_MAX_DELAY: integer(1, 86400)({ default: Number(defaultOf('LDAP_SYNC_RETRY_MAX_DELAY')) }),
    LDAP_SYNC_HTTP_PORT: integer(0, 65535)({ default: Number(defaultOf('LDAP_SYNC_HTTP_PORT')) }),
    LDAP_SYNC_HTTP_ADDRESS: text('LDAP_SYNC_HTTP_ADDRESS'),
    LDAP_SYNC_SQLITE_BATCH_ROWS: integer(1, 100_000_000)({ default: Number(defaultOf('LDAP_SYNC_SQLITE_BATCH_ROWS')) }),
    LDAP_SYNC_SHUTDOWN_TIMEOUT: integer(1, 3600)({ default: Number(defaultOf('LDAP_SYNC_SHUTDOWN_TIMEOUT')) }),
    FILE_BACKEND: fileBackend({ default: defaultOf('FILE_BACKEND') as FileBackend }),
    UPLOAD_PATH: text('UPLOAD_PATH'),
    LDAP_SYNC_PICTURE_CONCURRENCY: integer(1, 64)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_CONCURRENCY')) }),
    LDAP_SYNC_PICTURE_TIMEOUT: integer(1, 600)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_TIMEOUT')) }),
    LDAP_SYNC_PICTURE_MAX_BYTES: integer(1024, 1_073_741_824)({ default: Number(defaultOf('LDAP_SYNC_PICTURE_MAX_BYTES')) }),
    LDAP_SYNC_PICTURE_DELETE_CLEARED: flag('LDAP_SYNC_PICTURE_DELETE_CLEARED'),
    LDAP_SYNC_REVOKE_SESSIONS: flag('LDAP_SYNC_REVOKE_SESSIONS'),
    LDAP_SYNC_USER_CLAIMS: text('LDAP_SYNC_USER_CLAIMS'),
    LDAP_SYNC_GROUP_CLAIMS: text('LDAP_SYNC_GROUP_CLAIMS'),
  };
}

// Structured strings whose empty value could only be a mistake (a Helm value left blank).
// FILE_BACKEND and UPLOAD_PATH: Pocket ID falls back to its defaults when they are empty.
const EMPTY_MEANS_DEFAULT: ReadonlySet<string> = new Set<SettingName>(['LDAP_SYNC_DELETE_THRESHOLD', 'LDAP_SYNC_REENABLE_THRESHOLD', 'LDAP_SYNC_SCHEDULE', 'LDAP_SYNC_FULL_SCHEDULE', 'FILE_BACKEND', 'UPLOAD_PATH']);

// Booleans and numbers set to "" fall back to their default, as an unset
// variable would; strings keep "" because Pocket ID uses a set-but-empty value as is.
// Pocket ID's exact booleans keep "" too: Pocket ID refuses to start on it, so it is refused here.
function withoutEmptyNonStrings(env: Env): Env {
  const out: Env = { ...env };
  for (const setting of SETTINGS) {
    if (POCKET_ID_EXACT_BOOLEANS.has(setting.name)) continue;
    if ((setting.kind === 'boolean' || setting.kind === 'integer' || EMPTY_MEANS_DEFAULT.has(setting.name)) && out[setting.name]?.trim() === '') {
      delete out[setting.name];
    }
  }
  if (out.LOG_LEVEL !== undefined) out.LOG_LEVEL = out.LOG_LEVEL.trim().toLowerCase() || undefined;
  return out;
}

/** Each variable parsed on its own; every problem is added to `problems`. */
export function parseEnvironment(env: Env, problems: string[]) {
  return cleanEnv(withoutEmptyNonStrings(env), buildSpec(), {
    reporter: ({ errors }: ReporterOptions<Record<string, unknown>>) => {
      for (const [name, error] of Object.entries(errors)) {
        // envalid's messages can echo the value; ours never carry secrets, but keep it to the reason.
        problems.push(`${name}: ${errorMessage(error)}`);
      }
    },
  });
}

export type CleanEnv = ReturnType<typeof parseEnvironment>;
