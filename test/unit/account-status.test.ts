import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from 'ldapts';
import { accountStatus, parseUserAccountControl } from '../../src/ldap/account-status.js';
import { EntryValues } from '../../src/ldap/entry-values.js';

const status = (attributes: Record<string, string | string[]>) => accountStatus(new EntryValues({ dn: 'cn=x', ...attributes } as Entry));

test('userAccountControl bit 0x2 disables', () => {
  assert.deepEqual(status({ userAccountControl: '514' }), { disabled: true, reason: 'userAccountControl=514' }); // NORMAL_ACCOUNT | ACCOUNTDISABLE
  assert.deepEqual(status({ userAccountControl: '546' }), { disabled: true, reason: 'userAccountControl=546' }); // + PASSWD_NOTREQD
  assert.deepEqual(status({ userAccountControl: '66050' }), { disabled: true, reason: 'userAccountControl=66050' }); // + DONT_EXPIRE_PASSWORD
  assert.deepEqual(status({ userAccountControl: '2' }), { disabled: true, reason: 'userAccountControl=2' });
});

test('userAccountControl without bit 0x2 does not', () => {
  for (const value of ['512', '544', '66048', '0', '16', '4096', '-2147483648']) {
    assert.deepEqual(status({ userAccountControl: value }), { disabled: false }, value);
  }
});

test('a negative userAccountControl (top bit set) is read as 32 unsigned bits', () => {
  assert.equal(parseUserAccountControl('-2147483646'), 0x80000002);
  assert.equal(status({ userAccountControl: '-2147483646' }).disabled, true);
  assert.equal(parseUserAccountControl('4294967295'), 0xffffffff);
});

test('a malformed userAccountControl never disables', () => {
  for (const value of ['', 'disabled', '0x2', '2.0', '99999999999', ' ']) {
    assert.equal(parseUserAccountControl(value.trim()) === null || value.trim() === '', true, value);
    assert.deepEqual(status({ userAccountControl: value }), { disabled: false }, value);
  }
});

test('nsAccountLock=TRUE disables, in any case; FALSE or anything else does not', () => {
  assert.deepEqual(status({ nsAccountLock: 'TRUE' }), { disabled: true, reason: 'nsAccountLock=TRUE' });
  assert.deepEqual(status({ nsaccountlock: 'true' }), { disabled: true, reason: 'nsAccountLock=true' });
  assert.deepEqual(status({ nsAccountLock: ' True ' }), { disabled: true, reason: 'nsAccountLock=True' });
  for (const value of ['FALSE', 'false', '', 'yes', '1']) assert.deepEqual(status({ nsAccountLock: value }), { disabled: false }, value);
});

test('AD LDS msDS-UserAccountDisabled=TRUE disables', () => {
  assert.deepEqual(status({ 'msDS-UserAccountDisabled': 'TRUE' }), { disabled: true, reason: 'msDS-UserAccountDisabled=TRUE' });
  assert.deepEqual(status({ 'msDS-UserAccountDisabled': 'FALSE' }), { disabled: false });
});

test('no status attribute at all: enabled (an unreadable attribute never disables anyone)', () => {
  assert.deepEqual(status({}), { disabled: false });
  assert.deepEqual(status({ userAccountControl: [] }), { disabled: false });
});
