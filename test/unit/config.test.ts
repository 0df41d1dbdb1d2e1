import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parsePocketIdBoolean } from '../../src/config/booleans.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { describePostgres } from '../../src/db/postgres/postgres-database.js';

const VALID = {
  LDAP_ENABLED: 'true',
  LDAP_URL: 'ldap://ldap.example.com',
  LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
  LDAP_BIND_PASSWORD: 'hunter2-secret',
  LDAP_BASE: 'dc=example,dc=com',
  LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'entryUUID',
  LDAP_ATTRIBUTE_USER_USERNAME: 'uid',
  LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
  LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'entryUUID',
  LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
};

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
  assert.deepEqual(config.database, { kind: 'sqlite', path: 'data/pocket-id.db', batchRows: 100000 });
  assert.equal(loadConfig({}).enabled, false, 'LDAP_ENABLED defaults to false, as in Pocket ID');
});

test('booleans follow Pocket ID: 1/true/t/on/yes/y are true; unknown spellings are an error, not false', () => {
  for (const v of ['1', 'true', 'TRUE', 't', 'on', 'yes', 'Y']) assert.equal(parsePocketIdBoolean(v), true, v);
  for (const v of ['0', 'false', 'f', 'off', 'no', 'N']) assert.equal(parsePocketIdBoolean(v), false, v);
  assert.throws(() => parsePocketIdBoolean('ture'));
  assert.deepEqual(problems({ ...VALID, LDAP_SOFT_DELETE_USERS: 'ture' }).length, 1);
  assert.equal(loadConfig({ ...VALID, LDAP_SOFT_DELETE_USERS: '' }).rules.softDeleteUsers, true, 'empty means default');
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
