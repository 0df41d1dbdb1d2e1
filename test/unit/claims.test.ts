// Custom claims: the settings, the stored encoding against Pocket ID's emit
// rule, and the plan (what is created, updated, deleted, left alone).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseClaimMappings, RESERVED_CLAIM_KEYS } from '../../src/config/claim-mappings.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import type { DirectoryUser, DirectorySnapshot } from '../../src/sync/snapshot.js';
import { claimValue, emittedValue, MAX_CLAIM_VALUE_BYTES, storedString } from '../../src/sync/claim-values.js';
import { claimSlot, joinClaimSlots } from '../../src/sync/entry-claims.js';
import { plan } from '../../src/sync/plan.js';
import { storedClaimsText } from '../../src/sync/stored-claims.js';
import type { ClaimMappings, CurrentState, CurrentUser, PlanOptions } from '../../src/sync/types.js';
import { directoryUser } from '../support/directory-user.js';

const parse = (raw: string) => {
  const problems: string[] = [];
  return { mappings: parseClaimMappings('LDAP_SYNC_USER_CLAIMS', raw, problems), problems };
};

describe('claim settings', () => {
  test('claim=attribute, claim=attribute[] and claim= (retired); spaces and a trailing comma are ignored', () => {
    assert.deepEqual(parse(' department = departmentNumber , mails=mail[], old_key=, oid=2.5.4.11,'), {
      mappings: [
        { key: 'department', attribute: 'departmentNumber', multi: false },
        { key: 'mails', attribute: 'mail', multi: true },
        { key: 'old_key', attribute: null, multi: false },
        { key: 'oid', attribute: '2.5.4.11', multi: false },
      ],
      problems: [],
    });
    assert.deepEqual(parse(''), { mappings: [], problems: [] });
  });

  test('every reserved key of Pocket ID is refused, and picture (Pocket ID overwrites it); case matters as in Pocket ID', () => {
    for (const key of ['given_name', 'family_name', 'name', 'email', 'email_verified', 'preferred_username', 'display_name', 'groups', 'type', 'sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'client_id', 'nbf', 'jti', 'picture']) {
      assert.ok(RESERVED_CLAIM_KEYS.has(key), key);
      assert.deepEqual(parse(`${key}=cn`).problems, [`LDAP_SYNC_USER_CLAIMS: claim name "${key}" is reserved (Pocket ID sets or refuses it)`]);
    }
    assert.deepEqual(parse('Email=mail').problems, []);
  });

  test('duplicate, empty, over-long and malformed pairs are each named', () => {
    const long = 'k'.repeat(256);
    const { problems } = parse(`a=cn,a=sn,=cn,${long}=cn,${'k'.repeat(255)}=cn,justakey,b=not an attribute,c=[],d=mail[][],e=mail;binary`);
    assert.deepEqual(problems, [
      'LDAP_SYNC_USER_CLAIMS: claim name "a" is given twice',
      'LDAP_SYNC_USER_CLAIMS: "=cn" has an empty claim name',
      `LDAP_SYNC_USER_CLAIMS: claim name "${'k'.repeat(40)}…" is longer than 255 characters`,
      'LDAP_SYNC_USER_CLAIMS: "justakey" is not claim=attribute',
      'LDAP_SYNC_USER_CLAIMS: "not an attribute" in "b=not an attribute" is not an LDAP attribute name',
      'LDAP_SYNC_USER_CLAIMS: "c=[]" has [] but no attribute',
      'LDAP_SYNC_USER_CLAIMS: "mail[]" in "d=mail[][]" is not an LDAP attribute name',
      'LDAP_SYNC_USER_CLAIMS: "mail;binary" in "e=mail;binary" is not an LDAP attribute name',
    ]);
  });

  test('keys are NFC-normalised before the duplicate check, as Pocket ID normalises its input', () => {
    assert.deepEqual(parse('caf\u00e9=cn,cafe\u0301=sn').problems, ['LDAP_SYNC_USER_CLAIMS: claim name "café" is given twice']);
  });

  test('loadConfig refuses bad claim settings in one error listing every problem of both settings', () => {
    const error = (() => {
      try {
        loadConfig({ LDAP_SYNC_USER_CLAIMS: 'email=mail,x=cn,x=sn', LDAP_SYNC_GROUP_CLAIMS: 'groups=cn,ok=description' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(error.problems, [
      'LDAP_SYNC_USER_CLAIMS: claim name "email" is reserved (Pocket ID sets or refuses it)',
      'LDAP_SYNC_USER_CLAIMS: claim name "x" is given twice',
      'LDAP_SYNC_GROUP_CLAIMS: claim name "groups" is reserved (Pocket ID sets or refuses it)',
    ]);
  });

  test('unset, the settings configure no claim', () => {
    assert.deepEqual(loadConfig({}).ldap.claims, { user: [], group: [] });
  });
});

describe('claim values', () => {
  const one = (text: string) => claimValue('a', [Buffer.from(text)], false);

  test('plain text is stored as it is and Pocket ID emits it as that string', () => {
    assert.deepEqual(one('Engineering'), { kind: 'value', stored: 'Engineering' });
    assert.equal(emittedValue('Engineering'), 'Engineering');
    for (const text of ['2nd floor', 'nullable', 'team', '-', '{ unclosed', '"half']) assert.deepEqual(one(text), { kind: 'value', stored: text }, text);
  });

  test('text that Pocket ID would parse as JSON is stored JSON-encoded and still arrives as the same string', () => {
    for (const text of ['123', '-1.5e3', 'true', 'false', 'null', '{"a":1}', '[1,2]', '"quoted"', ' 42 ', '1e999', '12345678901234567890']) {
      const value = one(text);
      assert.equal(value.kind, 'value', text);
      const stored = (value as { stored: string }).stored;
      assert.equal(stored, JSON.stringify(text), text);
      assert.equal(emittedValue(stored), text, `${text} must reach the token as the string it is`);
    }
    assert.equal(storedString('007'), '007', 'not JSON (leading zero): stored plain');
  });

  test('attribute[] is always a JSON array of strings, also for one value or JSON-looking values', () => {
    assert.deepEqual(claimValue('mail', [Buffer.from('a@x'), Buffer.from('b@x')], true), { kind: 'value', stored: '["a@x","b@x"]' });
    assert.deepEqual(claimValue('mail', [Buffer.from('7')], true), { kind: 'value', stored: '["7"]' });
    assert.deepEqual(emittedValue('["7","true"]'), ['7', 'true']);
  });

  test('no value, or only empty values: no claim', () => {
    assert.deepEqual(claimValue('a', [], false), { kind: 'absent' });
    assert.deepEqual(claimValue('a', [Buffer.alloc(0)], true), { kind: 'absent' });
  });

  test('values are NFC-normalised as Pocket ID normalises input', () => {
    assert.deepEqual(one('Cafe\u0301'), { kind: 'value', stored: 'Caf\u00e9' });
  });

  test('binary, non-UTF-8 and NUL values skip the claim, a single bad value skips the whole array', () => {
    assert.equal(claimValue('jpegPhoto', [Buffer.from([0xff, 0xd8, 0xff])], false).kind, 'skip');
    assert.deepEqual(claimValue('a', [Buffer.from('a\u0000b')], false), {
      kind: 'skip', reason: 'claim-not-text', message: 'attribute a has a value that is not UTF-8 text or holds a NUL byte',
    });
    assert.equal(claimValue('mail', [Buffer.from('ok'), Buffer.from([0xc3])], true).kind, 'skip');
    assert.equal(claimValue('mail', [Buffer.from('ok'), Buffer.from([0xc3])], false).kind, 'value', 'only the first value is used');
  });

  test(`a stored value over ${MAX_CLAIM_VALUE_BYTES} bytes skips the claim; exactly the limit is kept`, () => {
    assert.equal(one('x'.repeat(MAX_CLAIM_VALUE_BYTES)).kind, 'value');
    assert.deepEqual(one('x'.repeat(MAX_CLAIM_VALUE_BYTES + 1)), {
      kind: 'skip', reason: 'claim-too-long', message: `attribute a gives a value of ${MAX_CLAIM_VALUE_BYTES + 1} bytes, more than ${MAX_CLAIM_VALUE_BYTES}`,
    });
    // Multi-byte characters count as bytes.
    assert.equal(one('é'.repeat(MAX_CLAIM_VALUE_BYTES / 2 + 1)).kind, 'skip');
  });
});

describe('claim plan', () => {
  const CLAIMS: ClaimMappings = {
    user: [
      { key: 'department', attribute: 'departmentNumber', multi: false },
      { key: 'mails', attribute: 'mail', multi: true },
    ],
    group: [{ key: 'cost_centre', attribute: 'businessCategory', multi: false }],
  };
  const OPTIONS: PlanOptions = { adminGroupName: '', softDeleteUsers: true, requireUserEmail: true, claims: CLAIMS };

  function user(name: string, claims: Record<string, string[]> = {}, extra: Partial<DirectoryUser> = {}): DirectoryUser {
    return directoryUser(name, {
      lastName: 'T',
      displayName: name,
      claims: joinClaimSlots(CLAIMS.user.map(({ key, attribute, multi }) => {
        const values = claims[key];
        return values === undefined ? '' : claimSlot(claimValue(attribute!, values.map((s) => Buffer.from(s)), multi));
      })),
      ...extra,
    });
  }
  const row = (name: string, ldap = true): CurrentUser => ({
    id: `uuid-${name}`, ldapId: ldap ? `id-${name}` : null, username: name, email: `${name}@example.com`, firstName: name, lastName: 'T',
    displayName: name, isAdmin: false, emailVerified: true, disabled: false,
  });
  const snap = (users: DirectoryUser[]): DirectorySnapshot => ({ users, groups: [], unresolvedMembers: [], stats: { pages: 1, memberLookups: 0, readMs: 0 } });
  const state = (users: CurrentUser[], claims: Record<string, Record<string, string>> = {}): CurrentState => ({
    users,
    groups: [],
    memberships: new Map(),
    claims: {
      users: storedClaimsText(Object.entries(claims).flatMap(([ownerId, kv]) => Object.entries(kv).map(([key, value]) => ({ ownerId, key, value })))),
      groups: '',
    },
  });
  let n = 0;
  const ids = () => `new-${++n}`;

  test('a new user gets its claims; an existing one only the changed, new and emptied ones', () => {
    const result = plan(
      snap([user('alice', { department: ['R&D'], mails: ['a@x', 'b@x'] }), user('bob', { department: ['Sales'] })]),
      state([row('bob')], { 'uuid-bob': { department: 'Ops', mails: '["old@x"]' } }),
      OPTIONS,
      ids,
    );
    const alice = result.users.create[0]?.id;
    assert.deepEqual(result.claims.users.create.map((c) => [c.ownerId, c.key, c.after]), [[alice, 'department', 'R&D'], [alice, 'mails', '["a@x","b@x"]']]);
    assert.deepEqual(result.claims.users.update.map((c) => [c.ownerId, c.key, c.before, c.after, c.owner]), [['uuid-bob', 'department', 'Ops', 'Sales', 'bob']]);
    assert.deepEqual(result.claims.users.delete.map((c) => [c.ownerId, c.key, c.before]), [['uuid-bob', 'mails', '["old@x"]']]);
  });

  test('claims of local users are read but never written, whatever their key', () => {
    const local = { ...row('alice', false), id: 'uuid-local-alice' };
    const result = plan(
      snap([user('bob', { department: ['Sales'] })]),
      state([row('bob'), local], { 'uuid-local-alice': { department: 'Ops', mails: '["a@x"]' } }),
      OPTIONS,
      ids,
    );
    assert.deepEqual(result.claims.users.create.map((c) => [c.owner, c.key]), [['bob', 'department']]);
    assert.deepEqual([result.claims.users.update, result.claims.users.delete], [[], []]);
  });

  test('the stored rows must be the configured keys in the database format: anything else fails the plan instead of guessing', () => {
    const current = state([row('bob')]);
    const withText = (users: string): CurrentState => ({ ...current, claims: { users, groups: '' } });
    assert.throws(() => plan(snap([user('bob')]), withText(storedClaimsText([{ ownerId: 'uuid-bob', key: 'nickname', value: 'x' }])), OPTIONS, ids), /the key "nickname", which is not configured/);
    assert.throws(() => plan(snap([user('bob')]), withText('uuid-bob\u001fdepartment'), OPTIONS, ids), /not owner, key and value/);
    const twoFields = 'uuid-bob\u001fdepartment\u001euuid-bob\u001fmails\u001f[]';
    assert.throws(() => plan(snap([user('bob')]), withText(twoFields), OPTIONS, ids), /not owner, key and value: "uuid-bob\\u001fdepartment"/);
  });

  test('rows of several owners in any order: each is held against its own entry', () => {
    const rows = [
      { ownerId: 'uuid-bob', key: 'department', value: 'Ops' },
      { ownerId: 'uuid-carol', key: 'department', value: 'Ops' },
      { ownerId: 'uuid-carol', key: 'mails', value: '["c@x"]' },
      { ownerId: 'uuid-bob', key: 'mails', value: '["b@x"]' },
    ];
    const current = { ...state([row('bob'), row('carol')]), claims: { users: storedClaimsText(rows), groups: '' } };
    const result = plan(snap([user('bob', { department: ['Ops'], mails: ['b@x', 'b2@x'] }), user('carol', { department: ['Sales'], mails: ['c@x'] })]), current, OPTIONS, ids);
    assert.deepEqual(result.claims.users.update.map((c) => [c.key, c.owner, c.before, c.after]), [['mails', 'bob', '["b@x"]', '["b@x","b2@x"]'], ['department', 'carol', 'Ops', 'Sales']]);
    assert.deepEqual([result.claims.users.create, result.claims.users.delete], [[], []]);
  });

  test('owners stored far from the order of their rows are found by id: twenty users stored in reverse, local ones among them', () => {
    const names = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const local = (i: number) => i % 5 === 0;
    const stored = [...names].reverse().map((name) => ({ ownerId: `uuid-${name}`, key: 'department', value: name === 'u7' ? 'old' : `d-${name}` }));
    const current = { ...state(names.map((name, i) => row(name, !local(i)))), claims: { users: storedClaimsText(stored), groups: '' } };
    const entries = names.filter((_, i) => !local(i)).map((name) => user(name, { department: [`d-${name}`] }));
    const result = plan(snap(entries), current, OPTIONS, ids);
    assert.deepEqual(result.claims.users.update.map((c) => [c.ownerId, c.owner, c.before, c.after]), [['uuid-u7', 'u7', 'old', 'd-u7']]);
    assert.deepEqual([result.claims.users.create, result.claims.users.delete], [[], []], "the local users' claims are left alone");
  });

  test('nothing changes when the stored values equal the directory', () => {
    const result = plan(snap([user('bob', { department: ['123'], mails: ['b@x'] })]), state([row('bob')], { 'uuid-bob': { department: '"123"', mails: '["b@x"]' } }), OPTIONS, ids);
    assert.deepEqual(result.claims.users, { create: [], update: [], delete: [] });
  });

  test('a bad value is one claim skip: the user and the other claim still sync, the old value is kept', () => {
    const result = plan(
      snap([user('bob', { department: ['x'.repeat(MAX_CLAIM_VALUE_BYTES + 1)], mails: ['new@x'] })]),
      state([row('bob', true)], { 'uuid-bob': { department: 'Ops' } }),
      OPTIONS,
      ids,
    );
    assert.deepEqual(result.skips.map((s) => [s.kind, s.reason]), [['claim', 'claim-too-long']]);
    assert.match(result.skips[0]?.message ?? '', /^claim "department" of user bob: attribute departmentNumber gives a value of 8193 bytes, more than 8192; its current value is kept$/);
    assert.deepEqual(result.claims.users.delete, []);
    assert.deepEqual(result.claims.users.create.map((c) => c.key), ['mails']);
    assert.equal(result.users.unchanged, 1);
  });

  test('a skipped user keeps its claims; a user gone from LDAP (disabled) keeps them too', () => {
    const result = plan(
      snap([user('bob', { department: ['Sales'] }, { email: 'not-an-email' })]),
      state([row('bob'), row('carol')], { 'uuid-bob': { department: 'Ops' }, 'uuid-carol': { department: 'Ops' } }),
      OPTIONS,
      ids,
    );
    assert.deepEqual(result.skips.map((s) => s.reason), ['invalid-email']);
    assert.deepEqual(result.users.disable.map((u) => u.username), ['carol']);
    assert.deepEqual(result.claims.users, { create: [], update: [], delete: [] });
  });

  test('a retired key (claim=) is deleted from every LDAP user holding it, not from users the run deletes', () => {
    const claims: ClaimMappings = { user: [{ key: 'department', attribute: null, multi: false }], group: [] };
    const current = state([row('bob'), row('carol'), row('local', false)], {
      'uuid-bob': { department: 'Ops' },
      'uuid-carol': { department: 'Ops' },
      'uuid-local': { department: 'Ops' },
    });
    const soft = plan(snap([user('bob')]), current, { ...OPTIONS, claims }, ids);
    assert.deepEqual(soft.claims.users.delete.map((c) => c.owner).sort(), ['bob', 'carol'], 'the local user keeps its claim of the retired key');
    const hard = plan(snap([user('bob')]), current, { ...OPTIONS, softDeleteUsers: false, claims }, ids);
    assert.deepEqual(hard.claims.users.delete.map((c) => c.owner), ['bob'], 'carol is deleted, her claims cascade');
  });

  test('without claim settings no claim is planned and the state needs none', () => {
    const result = plan(snap([user('bob', { department: ['x'] })]), { users: [row('bob')], groups: [], memberships: new Map() }, { ...OPTIONS, claims: { user: [], group: [] } }, ids);
    assert.deepEqual(result.claims.users, { create: [], update: [], delete: [] });
  });

  test('group claims follow the group rows', () => {
    const snapshot: DirectorySnapshot = {
      ...snap([]),
      groups: [{ dn: 'cn=ops,ou=groups', ldapId: 'gid-ops', name: 'ops', memberUsernames: [], claims: claimSlot(claimValue('businessCategory', [Buffer.from('4711')], false)) }],
    };
    const result = plan(snapshot, { ...state([]), groups: [] }, OPTIONS, ids);
    assert.deepEqual(result.claims.groups.create.map((c) => [c.ownerId, c.key, c.after]), [[result.groups.create[0]?.id, 'cost_centre', '"4711"']]);
  });
});
