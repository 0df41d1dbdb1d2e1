// The reader against a scripted Active Directory: the one behaviour no test
// server here reproduces, since Samba never forces ranges. Windows answers a
// plain request for `member` on a group above MaxValRange (1500) with an empty
// `member` and `member;range=0-1499`; the rest must be asked for.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Client, Entry, SearchOptions, SearchResult } from 'ldapts';
import { loadConfig } from '../../src/config/load-config.js';
import { readDirectory } from '../../src/ldap/directory-reader.js';
import { createLogger } from '../../src/log/logger.js';

const BASE = 'DC=corp,DC=example,DC=com';
const MAX_VAL_RANGE = 1500;
const userDn = (i: number) => `CN=u${i},OU=People,${BASE}`;

interface FakeAd {
  client: Client;
  requests: string[];
}

/** Just enough of ldapts' Client: root DSE, paged user and group searches, base-object range reads. */
function fakeAd(members: number): FakeAd {
  const requests: string[] = [];
  const groupMembers = Array.from({ length: members }, (_, i) => Buffer.from(userDn(i)));
  const ranged = (low: number, high: number | null): Entry => {
    const end = Math.min(high ?? members - 1, low + MAX_VAL_RANGE - 1, members - 1);
    const last = end >= members - 1;
    return { dn: `CN=big,OU=Groups,${BASE}`, [`member;range=${low}-${last ? '*' : end}`]: groupMembers.slice(low, end + 1) };
  };
  const users: Entry[] = Array.from({ length: members }, (_, i) => ({
    dn: userDn(i),
    // 16 bytes, the first one 0xff so they are not UTF-8 text: ff 30 30 30 … for user 0.
    objectGUID: Buffer.concat([Buffer.from([0xff]), Buffer.from(`${String(i).padStart(3, '0')}0123456789ab`, 'utf8')]),
    sAMAccountName: Buffer.from(`u${i}`),
    mail: Buffer.from(`u${i}@corp.example.com`),
  }));
  const client = {
    async search(base: string, options?: SearchOptions): Promise<SearchResult> {
      const attribute = options?.attributes?.[0] ?? '';
      requests.push(`${base || '(root DSE)'} ${options?.attributes?.join(',')}`);
      if (base === '') {
        return { searchEntries: [{ dn: '', supportedCapabilities: [Buffer.from('1.2.840.113556.1.4.800')], domainControllerFunctionality: Buffer.from('7'), defaultNamingContext: Buffer.from(BASE) }], searchReferences: [] };
      }
      const match = /^member;range=(\d+)-(\d+|\*)$/.exec(attribute);
      assert.ok(match && options?.scope === 'base', `unexpected search ${attribute}`);
      return { searchEntries: [ranged(Number(match[1]), match[2] === '*' ? null : Number(match[2]))], searchReferences: [] };
    },
    async *searchPaginated(_base: string, options?: SearchOptions): AsyncGenerator<SearchResult> {
      requests.push(`paged ${options?.filter} ${options?.attributes?.join(',')}`);
      if (String(options?.filter).includes('person')) {
        for (let i = 0; i < users.length; i += 1000) {
          yield { searchEntries: users.slice(i, i + 1000), searchReferences: i === 0 ? [`ldap://corp.example.com/CN=Configuration,${BASE}`] : [] };
        }
        return;
      }
      const group: Entry = { objectGUID: Buffer.alloc(16, 0x87), cn: Buffer.from('big'), member: [], ...ranged(0, null) };
      const small: Entry = { dn: `CN=small,OU=Groups,${BASE}`, objectGUID: Buffer.alloc(16, 0x07), cn: Buffer.from('small'), member: [Buffer.from(userDn(1)), Buffer.from(userDn(2))] };
      yield { searchEntries: [group, small], searchReferences: [`ldap://DomainDnsZones.corp.example.com/DC=DomainDnsZones,${BASE}`] };
    },
  };
  return { client: client as unknown as Client, requests };
}

function settings(overrides: Record<string, string> = {}) {
  return loadConfig({
    LDAP_ENABLED: 'true', LDAP_URL: 'ldaps://dc.corp.example.com', LDAP_BIND_DN: 'x', LDAP_BIND_PASSWORD: 'y', LDAP_BASE: BASE,
    LDAP_USER_SEARCH_FILTER: '(&(objectClass=user)(objectCategory=person))', LDAP_USER_GROUP_SEARCH_FILTER: '(objectClass=group)',
    LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER: 'objectGUID', LDAP_ATTRIBUTE_USER_USERNAME: 'sAMAccountName', LDAP_ATTRIBUTE_USER_EMAIL: 'mail',
    LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER: 'objectGUID', LDAP_ATTRIBUTE_GROUP_NAME: 'cn',
    ...overrides,
  }).ldap;
}

function capture() {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { log: createLogger({ level: 'debug', json: false, stream }), text: () => Buffer.concat(chunks).toString('utf8') };
}

test('a group of 4 000 members that AD answers in ranges of 1500 is read whole: plain request, then 1500-* and 3000-*', async () => {
  const ad = fakeAd(4000);
  const { log, text } = capture();
  const snapshot = await readDirectory(ad.client, settings(), log);
  const big = snapshot.groups.find((g) => g.name === 'big');
  assert.equal(big?.memberUsernames.length, 4000);
  assert.equal(new Set(big?.memberUsernames).size, 4000);
  assert.deepEqual(snapshot.groups.find((g) => g.name === 'small')?.memberUsernames, ['u1', 'u2']);
  // Each member names its user entry too (DirectoryGroup.memberEntries), so the plan need not look the username up.
  assert.deepEqual(big?.memberEntries?.map((e) => snapshot.users[e]?.username), big?.memberUsernames);
  assert.equal(snapshot.stats.rangeRequests, 2);
  assert.equal(snapshot.stats.memberLookups, 0, 'every member DN came from the user search');
  assert.deepEqual(snapshot.unresolvedMembers, []);
  assert.equal(snapshot.vendor?.kind, 'active-directory');
  assert.deepEqual(ad.requests.filter((r) => r.includes('range=')), [`CN=big,OU=Groups,${BASE} member;range=1500-*`, `CN=big,OU=Groups,${BASE} member;range=3000-*`]);
  assert.ok(ad.requests.some((r) => r.startsWith('paged (objectClass=group) cn,objectGUID,member')), 'the group search asks for plain member');
  const logs = text();
  assert.match(logs, /INF LDAP directory recognised vendor=active-directory detail="Active Directory \(Windows Server 2016 or later domain controller\)/);
  assert.match(logs, /DBG Ignoring search continuation references search=users references=1/);
  assert.match(logs, /DBG Ignoring search continuation references search=groups references=1/);
  assert.equal(snapshot.users.length, 4000, 'references are not entries');
});

test('objectGUID ids are Pocket ID\'s (wire byte order)', async () => {
  const ad = fakeAd(3);
  const snapshot = await readDirectory(ad.client, settings(), capture().log);
  // bytes ff 30 30 30 30 31 32 …: hex in the given order.
  assert.equal(snapshot.users[0]?.ldapId, 'ff303030-3031-3233-3435-363738396162');
  assert.equal(snapshot.groups[0]?.ldapId, '87878787-8787-8787-8787-878787878787');
  // Pocket ID's quirk, kept for compatibility: 16 bytes that happen to be UTF-8 text (without NUL) stay text.
  assert.equal(snapshot.groups[1]?.ldapId, '\x07'.repeat(16));
});

test('with LDAP_SYNC_MEMBER_RANGE_SIZE the search asks for the first block and follow-ups are bounded', async () => {
  const ad = fakeAd(3200);
  const snapshot = await readDirectory(ad.client, settings({ LDAP_SYNC_MEMBER_RANGE_SIZE: '1000' }), capture().log);
  assert.equal(snapshot.groups.find((g) => g.name === 'big')?.memberUsernames.length, 3200);
  assert.ok(ad.requests.some((r) => r.startsWith('paged (objectClass=group) cn,objectGUID,member;range=0-999')));
});
