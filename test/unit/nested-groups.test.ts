import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import type { Client, Entry, SearchOptions, SearchResult } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { readDirectory } from '../../src/ldap/directory-reader.js';
import { createLogger } from '../../src/log/logger.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/sync/snapshot.js';
import { expandNestedGroups } from '../../src/sync/nested-groups.js';
import { plan } from '../../src/sync/plan.js';
import { summarize } from '../../src/run/summary.js';
import type { CurrentState, CurrentUser, PlanOptions } from '../../src/sync/types.js';

const dn = (name: string) => `cn=${name},ou=groups,dc=example,dc=com`;

function group(name: string, users: string[], memberGroups: string[] = []): DirectoryGroup {
  const g: DirectoryGroup = { dn: dn(name), ldapId: `gid-${name}`, name, memberUsernames: users };
  if (memberGroups.length > 0) g.memberGroupDns = memberGroups.map(dn);
  return g;
}

const personDn = (name: string) => `uid=${name},ou=people,dc=example,dc=com`;

/** Just enough of ldapts' Client for one read: an OpenLDAP root DSE, the users p and c, and the given groups. */
function fakeDirectory(groups: { dn: string; cn: string; member: string[] }[]): Client {
  const users: Entry[] = ['p', 'c'].map((name) => ({ dn: personDn(name), uid: Buffer.from(name), entryUUID: Buffer.from(`id-${name}`), mail: Buffer.from(`${name}@example.com`) }));
  const client = {
    async search(): Promise<SearchResult> {
      return { searchEntries: [{ dn: '', objectClass: [Buffer.from('OpenLDAProotDSE')] }], searchReferences: [] };
    },
    async *searchPaginated(_base: string, options?: SearchOptions): AsyncGenerator<SearchResult> {
      if (String(options?.filter).includes('person')) {
        yield { searchEntries: users, searchReferences: [] };
        return;
      }
      yield {
        searchEntries: groups.map((g) => ({ dn: g.dn, cn: Buffer.from(g.cn), entryUUID: Buffer.from(`gid-${g.cn}`), member: g.member.map((m) => Buffer.from(m)) })),
        searchReferences: [],
      };
    },
  };
  return client as unknown as Client;
}

const nestedSettings = loadConfig({
  LDAP_ENABLED: 'true', LDAP_URL: 'ldap://localhost', LDAP_BIND_DN: 'x', LDAP_BIND_PASSWORD: 'y', LDAP_BASE: 'dc=example,dc=com',
  LDAP_USER_SEARCH_FILTER: '(objectClass=person)', LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=groupOfNames)',
  LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'entryUUID', LDAP_ATTRIBUTE_USER_USERNAME: 'uid', LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
  LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'entryUUID', LDAP_ATTRIBUTE_GROUP_NAME: 'cn', LDAP_ATTRIBUTE_GROUP_MEMBER: 'member',
  LDAP_SYNC_NESTED_GROUPS: 'true',
}).ldap;

const members = (groups: DirectoryGroup[]) => Object.fromEntries(groups.map((g) => [g.name, [...g.memberUsernames].sort()]));

describe('expandNestedGroups', () => {
  test('no member groups: the very same array (Pocket ID\'s flat behaviour)', () => {
    const groups = [group('a', ['u1']), group('b', ['u2'])];
    assert.equal(expandNestedGroups(groups), groups);
  });

  test('a chain: members flow up through every level', () => {
    const groups = [group('top', ['t'], ['mid']), group('mid', ['m'], ['leaf']), group('leaf', ['l1', 'l2'])];
    assert.deepEqual(members(expandNestedGroups(groups)), { top: ['l1', 'l2', 'm', 't'], mid: ['l1', 'l2', 'm'], leaf: ['l1', 'l2'] });
  });

  test('a cycle: every group in it has the members of all of them, and it terminates', () => {
    const groups = [group('a', ['ua'], ['b']), group('b', ['ub'], ['c']), group('c', ['uc'], ['a']), group('outer', [], ['a'])];
    const expanded = members(expandNestedGroups(groups));
    assert.deepEqual(expanded.a, ['ua', 'ub', 'uc']);
    assert.deepEqual(expanded.b, ['ua', 'ub', 'uc']);
    assert.deepEqual(expanded.c, ['ua', 'ub', 'uc']);
    assert.deepEqual(expanded.outer, ['ua', 'ub', 'uc']);
  });

  test('a group that is its own member', () => {
    assert.deepEqual(members(expandNestedGroups([group('self', ['u'], ['self'])])), { self: ['u'] });
  });

  test('a diamond counts each user once; own members keep their order, added ones follow', () => {
    const groups = [group('top', ['z', 'shared'], ['left', 'right']), group('left', ['shared', 'l']), group('right', ['shared', 'r'])];
    const top = expandNestedGroups(groups)[0] as DirectoryGroup;
    assert.deepEqual(top.memberUsernames, ['z', 'shared', 'l', 'r']);
  });

  test('member group DNs are matched like Pocket ID normalises DNs (case, spaces, escapes)', async () => {
    // The reader does the matching and records the member group by its snapshot DN.
    const snapshot = await readDirectory(fakeDirectory([
      { dn: dn('parent'), cn: 'parent', member: [personDn('p'), 'CN=Child , OU=Groups,DC=Example,DC=com'] },
      { dn: dn('child'), cn: 'child', member: [personDn('c')] },
    ]), nestedSettings, createLogger({ level: 'error', json: false, stream: new PassThrough() }));
    assert.deepEqual(snapshot.groups[0]?.memberGroupDns, [dn('child')]);
    const expanded = expandNestedGroups(snapshot.groups);
    assert.deepEqual(expanded[0]?.memberUsernames, ['p', 'c']);
  });

  test('a member group DN not in the snapshot adds nothing', () => {
    const expanded = expandNestedGroups([group('a', ['u'], ['elsewhere'])]);
    assert.deepEqual(expanded[0]?.memberUsernames, ['u']);
  });

  test('a deep chain (50 000 levels, deeper than a recursive walk could go) does not overflow the stack', () => {
    const depth = 50_000;
    const groups = Array.from({ length: depth }, (_, i) => group(`g${i}`, i + 1 < depth ? [] : ['bottom'], i + 1 < depth ? [`g${i + 1}`] : []));
    const expanded = expandNestedGroups(groups);
    assert.deepEqual(expanded[0]?.memberUsernames, ['bottom']);
    assert.deepEqual(expanded[depth - 1]?.memberUsernames, ['bottom']);
  });

  test('the input is not modified', () => {
    const groups = [group('a', ['ua'], ['b']), group('b', ['ub'])];
    const before = JSON.stringify(groups);
    expandNestedGroups(groups);
    assert.equal(JSON.stringify(groups), before);
  });
});

// ---------------------------------------------------------------------------
// How nested groups and directory-disabled accounts enter the plan

const OPTIONS: PlanOptions = { adminGroupName: 'admins', softDeleteUsers: true, requireUserEmail: true };

function user(name: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return { dn: `uid=${name},ou=people,dc=example,dc=com`, ldapId: `id-${name}`, username: name, email: `${name}@example.com`, firstName: name, lastName: 'T', displayName: name, ...extra };
}

function snapshot(users: DirectoryUser[], groups: DirectoryGroup[] = []): DirectorySnapshot {
  return { users, groups, unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } };
}

function row(name: string, extra: Partial<CurrentUser> = {}): CurrentUser {
  return { id: `row-${name}`, ldapId: `id-${name}`, username: name, email: `${name}@example.com`, firstName: name, lastName: 'T', displayName: name, isAdmin: false, emailVerified: true, disabled: false, ...extra };
}

function ids(): () => string {
  let n = 0;
  return () => `new-${++n}`;
}

describe('plan with nested groups', () => {
  test('memberships and the admin flag include users of member groups', () => {
    const users = ['alice', 'bob', 'carol'].map((n) => user(n));
    const groups = [group('admins', ['alice'], ['ops']), group('ops', ['bob'], ['oncall']), group('oncall', ['carol'], ['admins'])];
    const result = plan(snapshot(users, groups), { users: [], groups: [], memberships: new Map() }, OPTIONS, ids());
    const byGroup = new Map<string, string[]>();
    for (const m of result.memberships.add) byGroup.set(m.groupName, [...(byGroup.get(m.groupName) ?? []), m.username].sort());
    assert.deepEqual(Object.fromEntries(byGroup), { admins: ['alice', 'bob', 'carol'], ops: ['alice', 'bob', 'carol'], oncall: ['alice', 'bob', 'carol'] });
    assert.deepEqual(result.users.create.filter((u) => u.isAdmin).map((u) => u.username).sort(), ['alice', 'bob', 'carol']);
  });

  test('without member groups recorded (setting off) the plan is flat', () => {
    const users = ['alice', 'bob'].map((n) => user(n));
    const groups = [group('admins', ['alice']), group('ops', ['bob'])];
    const result = plan(snapshot(users, groups), { users: [], groups: [], memberships: new Map() }, OPTIONS, ids());
    assert.deepEqual(result.memberships.add.map((m) => `${m.groupName}:${m.username}`).sort(), ['admins:alice', 'ops:bob']);
  });

  test('a member group that is skipped (invalid name) still passes its members on', () => {
    const users = ['alice', 'bob'].map((n) => user(n));
    const groups = [group('staff', ['alice'], ['x']), group('x', ['bob'])];
    const result = plan(snapshot(users, groups), { users: [], groups: [], memberships: new Map() }, OPTIONS, ids());
    assert.deepEqual(result.memberships.add.map((m) => `${m.groupName}:${m.username}`).sort(), ['staff:alice', 'staff:bob']);
    assert.deepEqual(result.skips.map((s) => s.reason), ['group-name-too-short']);
  });
});

describe('plan with directory-disabled accounts', () => {
  const empty: CurrentState = { users: [], groups: [], memberships: new Map() };

  test('a new disabled account is created disabled', () => {
    const result = plan(snapshot([user('ann', { disabled: true }), user('ben', { disabled: false }), user('cid')]), empty, OPTIONS, ids());
    assert.deepEqual(result.users.create.map((u) => `${u.username}:${u.disabled}`), ['ann:true', 'ben:false', 'cid:false']);
  });

  test('an enabled row is disabled when the directory disables it, counted as disabled (not updated)', () => {
    const state: CurrentState = { users: [row('ann'), row('ben')], groups: [], memberships: new Map() };
    const result = plan(snapshot([user('ann', { disabled: true }), user('ben')]), state, OPTIONS, ids());
    assert.deepEqual(result.users.update.map((u) => ({ id: u.id, changed: u.changed, disabled: u.after.disabled })), [{ id: 'row-ann', changed: ['disabled'], disabled: true }]);
    assert.equal(result.users.disable.length, 0, 'not a removal: the deletion guard does not count it');
    const summary = summarize(result);
    assert.equal(summary.users.disabled, 1);
    assert.equal(summary.users.updated, 0);
    assert.equal(summary.users.unchanged, 1);
  });

  test('enabled again when the flag is cleared (counted as re-enabled)', () => {
    const state: CurrentState = { users: [row('ann', { disabled: true })], groups: [], memberships: new Map() };
    const result = plan(snapshot([user('ann', { disabled: false })]), state, OPTIONS, ids());
    assert.deepEqual(result.users.update.map((u) => [u.id, u.after.disabled]), [['row-ann', false]]);
    assert.equal(summarize(result).users.reEnabled, 1);
  });

  test('a disabled row that stays disabled in the directory is unchanged; other fields still update', () => {
    const state: CurrentState = { users: [row('ann', { disabled: true }), row('ben', { disabled: true })], groups: [], memberships: new Map() };
    const result = plan(snapshot([user('ann', { disabled: true }), user('ben', { disabled: true, lastName: 'New' })]), state, OPTIONS, ids());
    assert.equal(result.users.unchanged, 1);
    assert.deepEqual(result.users.update.map((u) => [u.id, u.changed]), [['row-ben', ['lastName']]]);
    assert.equal(result.users.update[0]?.after.disabled, true);
  });

  test('a disabled user keeps group memberships and admin rights in the rows (Pocket ID blocks the login)', () => {
    const result = plan(snapshot([user('ann', { disabled: true })], [group('admins', ['ann'])]), empty, OPTIONS, ids());
    assert.equal(result.users.create[0]?.isAdmin, true);
    assert.deepEqual(result.memberships.add.map((m) => m.username), ['ann']);
  });

  test('undefined (setting off) means enabled: Pocket ID re-enables a row it disabled', () => {
    const state: CurrentState = { users: [row('ann', { disabled: true })], groups: [], memberships: new Map() };
    const result = plan(snapshot([user('ann')]), state, OPTIONS, ids());
    assert.equal(result.users.update[0]?.after.disabled, false);
  });

  test('a disabled account that leaves the directory stays disabled and is not counted again', () => {
    const state: CurrentState = { users: [row('ann', { disabled: true })], groups: [], memberships: new Map() };
    const result = plan(snapshot([]), state, OPTIONS, ids());
    assert.equal(result.users.disable.length, 0);
    assert.equal(result.users.update.length, 0);
  });
});
