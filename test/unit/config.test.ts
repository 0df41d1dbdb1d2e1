import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { describePostgres } from '../../src/db/postgres/postgres-target.js';
import { validEnv } from '../support/env.js';

const VALID = validEnv();

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

test("Pocket ID's defaults apply when variables are unset", () => {
  const config = loadConfig(VALID);
  assert.equal(config.ldap.userFilter, '(objectClass=person)');
  assert.equal(config.ldap.groupFilter, '(objectClass=groupOfNames)');
  assert.equal(config.ldap.attributes.displayName, 'cn');
  assert.equal(config.ldap.attributes.groupMember, 'member');
  assert.equal(config.rules.softDeleteUsers, true);
  assert.equal(config.rules.requireUserEmail, true);
  assert.equal(config.ldap.skipCertVerify, false);
  assert.equal(config.ldap.pageSize, 500);
  assert.deepEqual(config.database, { kind: 'sqlite', path: 'data/pocket-id.db', batchRows: 200000 });
  assert.equal(loadConfig({}).enabled, false, 'LDAP_ENABLED defaults to false, as in Pocket ID');
});

// Pocket ID v2.14 with UI_CONFIG_DISABLED=true: exactly "true" or "false" (dto/validations.go validateBooleanString,
// `binding:"required,boolean_string"`), anything else, empty included, stops it at start.
const EXACT = ['LDAP_ENABLED', 'LDAP_SKIP_CERT_VERIFY', 'LDAP_SOFT_DELETE_USERS', 'REQUIRE_USER_EMAIL'] as const;
// Read with Go's strconv.ParseBool (caarlos0/env).
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const OWN = ['LDAP_START_TLS', 'LDAP_SYNC_NESTED_GROUPS', 'LDAP_SYNC_DISABLED_ACCOUNTS', 'LDAP_SYNC_PICTURE_DELETE_CLEARED'] as const;

function booleanOf(name: string, config: ReturnType<typeof loadConfig>): boolean {
  const values: Record<string, boolean> = {
    LDAP_ENABLED: config.enabled,
    LDAP_SKIP_CERT_VERIFY: config.ldap.skipCertVerify,
    LDAP_SOFT_DELETE_USERS: config.rules.softDeleteUsers,
    REQUIRE_USER_EMAIL: config.rules.requireUserEmail,
    UI_CONFIG_DISABLED: config.uiConfigDisabled,
    LOG_JSON: config.log.json,
    LDAP_START_TLS: config.ldap.startTls,
    LDAP_SYNC_NESTED_GROUPS: config.ldap.nestedGroups,
    LDAP_SYNC_DISABLED_ACCOUNTS: config.ldap.syncDisabledAccounts,
    LDAP_SYNC_PICTURE_DELETE_CLEARED: config.pictures.deleteCleared,
  };
  const value = values[name];
  assert.notEqual(value, undefined, name);
  return value as boolean;
}

test("Pocket ID's LDAP booleans take exactly true or false, as Pocket ID does; anything else, empty too, is refused naming the variable", () => {
  for (const name of EXACT) {
    assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: 'true' })), true, name);
    if (name !== 'LDAP_ENABLED') assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: 'false' })), false, name);
    else assert.equal(loadConfig({ LDAP_ENABLED: 'false' }).enabled, false);
    for (const refused of ['TRUE', 'True', 'FALSE', '1', '0', 't', 'f', 'yes', 'no', 'on', 'off', 'y', '', ' true', 'true ']) {
      const found = problems({ ...VALID, [name]: refused });
      assert.equal(found.length, 1, `${name}=${JSON.stringify(refused)}: ${found.join(' | ')}`);
      assert.match(found[0] ?? '', new RegExp(`^${name}: .*use exactly true or false .*Pocket ID`), `${name}=${JSON.stringify(refused)}`);
    }
  }
});

test("UI_CONFIG_DISABLED and LOG_JSON take Go's strconv.ParseBool spellings, as Pocket ID reads them; empty means false", () => {
  for (const name of ['UI_CONFIG_DISABLED', 'LOG_JSON']) {
    for (const value of GO_TRUE) assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: value })), true, `${name}=${value}`);
    for (const value of GO_FALSE) assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: value })), false, `${name}=${value}`);
    assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: '' })), false, `${name}= (empty) is unset for Pocket ID too`);
    for (const refused of ['yes', 'no', 'on', 'off', 'y', 'tRuE', '2', ' true']) {
      const found = problems({ ...VALID, [name]: refused });
      assert.equal(found.length, 1, `${name}=${refused}`);
      assert.match(found[0] ?? '', new RegExp(`^${name}: .*strconv\\.ParseBool, which takes 1, t, T, TRUE, true, True, 0, f, F, FALSE, false or False`));
    }
  }
});

test("the daemon's own booleans follow the same rule as Pocket ID's: exactly true or false; empty means the default", () => {
  for (const name of OWN) {
    assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: 'false' })), false, name);
    assert.equal(booleanOf(name, loadConfig({ ...VALID, [name]: '' })), false, `${name}: empty is the default`);
    for (const refused of ['yes', '1', 'TRUE', 'on']) assert.match(problems({ ...VALID, [name]: refused })[0] ?? '', new RegExp(`^${name}: `), `${name}=${refused}`);
  }
  // LDAP_START_TLS=true needs an ldap:// URL, which VALID has.
  assert.equal(loadConfig({ ...VALID, LDAP_SYNC_NESTED_GROUPS: 'true' }).ldap.nestedGroups, true);
});

test('DB_CONNECTION_STRING_FILE wins over DB_CONNECTION_STRING and is trimmed, as in Pocket ID', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
  const file = path.join(dir, 'db');
  writeFileSync(file, '  /data/from-file.db\n\n');
  const both = loadConfig({ ...VALID, DB_CONNECTION_STRING: '/data/direct.db', DB_CONNECTION_STRING_FILE: file });
  assert.equal(both.database.kind === 'sqlite' && both.database.path, '/data/from-file.db');
  assert.equal(loadConfig({ ...VALID, DB_CONNECTION_STRING: '/data/direct.db', DB_CONNECTION_STRING_FILE: '' }).database.kind === 'sqlite' && true, true);
  const emptyFile = loadConfig({ ...VALID, DB_CONNECTION_STRING: '/data/direct.db', DB_CONNECTION_STRING_FILE: '' });
  assert.equal(emptyFile.database.kind === 'sqlite' && emptyFile.database.path, '/data/direct.db', 'an empty _FILE is unset');
  assert.match(problems({ ...VALID, DB_CONNECTION_STRING: '/data/direct.db', DB_CONNECTION_STRING_FILE: path.join(dir, 'missing') })[0] ?? '', /^DB_CONNECTION_STRING_FILE: cannot read .*ENOENT/);
});

test('the old LDAP_ATTRIBUTE_ADMIN_GROUP and unknown LDAP_* names are warned about, by name only', () => {
  const config = loadConfig({ ...VALID, LDAP_ATTRIBUTE_ADMIN_GROUP: 'cn=admins,dc=example,dc=com', LDAP_BASEDN: 'dc=x', LDAP_USER_SEARCH_FILTR: '(uid=*)', LDAP_SYNC_SOMETHING: 'secret-value', LDAPX: '1' });
  assert.deepEqual(config.warnings, [
    "LDAP_ATTRIBUTE_ADMIN_GROUP is set but no longer read: Pocket ID renamed it to LDAP_ADMIN_GROUP_NAME, which holds the admin group's name; set that instead (until then no LDAP user becomes admin)",
    'LDAP_BASEDN is set but neither this daemon nor Pocket ID reads it, so it is ignored (did you mean LDAP_BASE?)',
    'LDAP_SYNC_SOMETHING is set but neither this daemon nor Pocket ID reads it, so it is ignored',
    'LDAP_USER_SEARCH_FILTR is set but neither this daemon nor Pocket ID reads it, so it is ignored (did you mean LDAP_USER_SEARCH_FILTER?)',
  ]);
  assert.deepEqual(loadConfig(VALID).warnings, [], 'known names only: no warning');
});

test('every problem is reported at once, naming the setting, never the password', () => {
  const found = problems({ LDAP_ENABLED: 'true', LDAP_BIND_PASSWORD: 'hunter2-secret', LDAP_SYNC_PAGE_SIZE: '0', LDAP_URL: 'http://x' });
  const names = found.map((p) => p.split(':')[0]);
  for (const name of ['LDAP_URL', 'LDAP_BASE', 'LDAP_BIND_DN', 'LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER', 'LDAP_ATTRIBUTE_USER_USERNAME', 'LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER', 'LDAP_ATTRIBUTE_GROUP_NAME', 'LDAP_ATTRIBUTE_USER_EMAIL', 'LDAP_SYNC_PAGE_SIZE']) {
    assert.ok(names.includes(name), `${name} should be reported: ${found.join(' | ')}`);
  }
  assert.ok(!found.join('\n').includes('hunter2-secret'));
});

test('the bind password can come from a file; one trailing newline is dropped', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
  const file = path.join(dir, 'pw');
  writeFileSync(file, 'from-file\n');
  const { LDAP_BIND_PASSWORD: _unused, ...withoutPassword } = VALID;
  assert.equal(loadConfig({ ...withoutPassword, LDAP_BIND_PASSWORD_FILE: file }).ldap.bindPassword, 'from-file');
  assert.match(problems({ ...withoutPassword, LDAP_BIND_PASSWORD_FILE: path.join(dir, 'missing') })[0] ?? '', /LDAP_BIND_PASSWORD_FILE: cannot read .*ENOENT/);
  assert.match(problems(withoutPassword)[0] ?? '', /^LDAP_BIND_PASSWORD: required/);
});

test('database descriptions never contain the password', () => {
  assert.equal(describePostgres('postgres://pocket:s3cr3t@db.internal:5433/pocketid?sslmode=require'), 'postgres db.internal:5433/pocketid');
  assert.equal(describePostgres('not a url s3cr3t'), 'postgres (connection string not shown)');
});
