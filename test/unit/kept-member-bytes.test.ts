import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberTexts, memberTextsAfter } from '../../src/ldap/kept-read.js';
import { KnownUsers, updateKnownUsers } from '../../src/ldap/known-users.js';
import { normalizeDN } from '../../src/ldap/dn.js';
import { groupsToResolve } from '../../src/sync/groups-to-resolve.js';
import { mergeChanges, type KeptDirectory, type KeptGroup, type KeptUser } from '../../src/sync/kept-directory.js';
import { keptBytesOf, keptValueAt } from '../../src/sync/kept-member-bytes.js';

const dnOf = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;
const keptUser = (uid: string, username = uid): KeptUser => ({
  user: { dn: dnOf(uid), ldapId: `id-${uid}`, username, email: '', firstName: '', lastName: '', displayName: '', disabled: false },
  version: '',
  pictureDigest: '',
  hasAccountFlag: false,
});

/** A seeded generator, so a failure is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

/** The group's values after a few removals, insertions and replacements, some naming no user, one not UTF-8. */
function changed(values: Buffer[], next: () => number): Buffer[] {
  const result = [...values];
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    const at = Math.floor(next() * (result.length + 1));
    const kind = next();
    const value = kind < 0.1 ? Buffer.from([0xff, 0x41]) : Buffer.from(kind < 0.3 ? `cn=other${n},dc=example,dc=com` : dnOf(`u${Math.floor(next() * 60)}`));
    if (kind < 0.5) result.splice(at, 0, value);
    else if (kind < 0.8) result.splice(at, 1);
    else result.splice(at, 1, value);
  }
  return result;
}

test('keptValueAt finds a value at the place given or a few places on, byte for byte', () => {
  const values = ['a', 'bb', 'cc', 'd'].map((s) => Buffer.from(s));
  const kept = keptBytesOf(values, new Int32Array(values.length).fill(-1), null);
  assert.equal(keptValueAt(kept, 0, Buffer.from('a')), 0);
  assert.equal(keptValueAt(kept, 1, Buffer.from('cc')), 2);
  assert.equal(keptValueAt(kept, 1, Buffer.from('a')), -1, 'never behind the place given');
  assert.equal(keptValueAt(kept, 0, Buffer.from('c')), -1, 'a prefix of a value is not that value');
  assert.equal(keptValueAt(kept, 4, Buffer.from('d')), -1);
});

test('a group read again gets the same texts and users from its kept bytes as from looking every value up', () => {
  const next = random(20261130);
  const users = Array.from({ length: 50 }, (_, i) => keptUser(`u${i}`));
  let known = KnownUsers.of(users);
  let values: Buffer[] = Array.from({ length: 40 }, (_, i) => Buffer.from(dnOf(`u${i}`)));
  const first = new Int32Array(values.length);
  memberTexts(values, new Map(), known, first);
  let kept = keptBytesOf(values, first, known);
  for (let round = 0; round < 200; round++) {
    // Users renamed, removed or added between reads: their indexes are forgotten, the table sometimes built anew.
    const uid = `u${Math.floor(next() * 60)}`;
    const merged = users.filter((u) => u.user.dn !== dnOf(uid));
    if (next() < 0.5) merged.push(keptUser(uid, `${uid}-${round}`));
    users.splice(0, users.length, ...merged);
    known = updateKnownUsers(known, users, new Set([dnOf(uid)]));
    values = changed(values, next);
    const expected = new Int32Array(values.length);
    const found = new Int32Array(values.length);
    const texts = memberTextsAfter(values, new Map(), known, found, kept);
    assert.deepEqual(texts, memberTexts(values, new Map(), known, expected), `texts, round ${round}`);
    assert.deepEqual([...found], [...expected], `users, round ${round}`);
    kept = keptBytesOf(values, found, known);
  }
});

test('values found in the kept bytes are not looked up again; after the table of users was built anew, all are', () => {
  let lookups = 0;
  class Counting extends KnownUsers {
    override exact(raw: Uint8Array): number {
      lookups += 1;
      return super.exact(raw);
    }
  }
  const known = new Counting();
  for (let i = 0; i < 10; i++) known.add(dnOf(`u${i}`), `u${i}`, i);
  const values = Array.from({ length: 10 }, (_, i) => Buffer.from(dnOf(`u${i}`)));
  const found = new Int32Array(values.length);
  memberTexts(values, new Map(), known, found);
  const kept = keptBytesOf(values, found, known);
  lookups = 0;
  const again = [...values.slice(0, 4), Buffer.from(dnOf('new')), ...values.slice(6)];
  memberTextsAfter(again, new Map(), known, new Int32Array(again.length), kept);
  assert.equal(lookups, 1, 'only the value the group did not hold');
  const rebuilt = new Counting();
  for (let i = 0; i < 10; i++) rebuilt.add(dnOf(`u${i}`), `u${i}`, i);
  lookups = 0;
  memberTextsAfter(again, new Map(), rebuilt, new Int32Array(again.length), kept);
  assert.equal(lookups, again.length, 'indexes of another table are not trusted');
});

test('groups to resolve again: with their kept bytes, the same groups as from every value', () => {
  const users = ['ann', 'bob', 'cid', 'dan'].map((uid) => keptUser(uid));
  const known = KnownUsers.of(users);
  const group = (name: string, values: string[]): KeptGroup => {
    const raw = values.map((v) => Buffer.from(v));
    const found = new Int32Array(raw.length);
    const members = memberTexts(raw, new Map(), known, found);
    return { group: { dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `g-${name}`, name, memberUsernames: [] }, members, unresolved: [], version: '', memberBytes: keptBytesOf(raw, found, known) };
  };
  const directory: KeptDirectory = {
    users: new Map(users.map((u) => [u.user.ldapId, u])),
    groups: new Map([
      group('exact', [dnOf('ann'), dnOf('bob')]),
      group('spelled', [dnOf('ann'), 'UID=Cid,OU=People,DC=example,DC=com']),
      group('others', [dnOf('ann'), dnOf('dan'), 'cn=printer,dc=example,dc=com']),
    ].map((g) => [g.group.ldapId, g])),
    others: new Map(),
  };
  // bob removed, cid renamed away: both forgotten by the merge's update of the users.
  const outcome = mergeChanges(directory, { users: [], groups: [], goneUsers: ['id-bob', 'id-cid'], goneGroups: [], otherDns: [] });
  const updated = updateKnownUsers(known, directory.users.values(), outcome.touchedDns);
  assert.equal(updated, known);
  const isUserDn = (value: string) => updated.exactText(value) >= 0;
  const names = (list: KeptGroup[]) => list.map((g) => g.group.name);
  const everyValue = names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn));
  assert.deepEqual(everyValue, ['exact', 'spelled']);
  assert.deepEqual(names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn, updated)), everyValue);
});

test('groups to resolve again, over random merges: the kept bytes never leave out a group that every value finds', () => {
  const next = random(7);
  const pick = (n: number) => Math.floor(next() * n);
  const users = Array.from({ length: 30 }, (_, i) => keptUser(`u${i}`));
  const directory: KeptDirectory = { users: new Map(users.map((u) => [u.user.ldapId, u])), groups: new Map(), others: new Map() };
  let known = KnownUsers.of(directory.users.values());
  const valueOf = () => (next() < 0.8 ? dnOf(`u${pick(40)}`) : next() < 0.5 ? `UID=u${pick(40)},OU=People,DC=example,DC=com` : `cn=x${pick(5)},dc=example,dc=com`);
  for (let round = 0; round < 100; round++) {
    // Groups read again this round (their bytes numbered by the users before the merge), then users changed.
    for (let g = 0; g < 6; g++) {
      if (round > 0 && next() < 0.7) continue;
      const raw = Array.from({ length: 8 }, () => Buffer.from(valueOf()));
      const found = new Int32Array(raw.length);
      const members = memberTexts(raw, new Map(), known, found);
      directory.groups.set(`g${g}`, { group: { dn: `cn=g${g},ou=groups,dc=example,dc=com`, ldapId: `g${g}`, name: `g${g}`, memberUsernames: [] }, members, unresolved: [], version: '', memberBytes: keptBytesOf(raw, found, known) });
    }
    const uid = `u${pick(40)}`;
    const key = `id-${uid}`;
    const changes = { users: [] as KeptUser[], groups: [], goneUsers: [] as string[], goneGroups: [], otherDns: [] };
    if (directory.users.has(key) && next() < 0.5) changes.goneUsers.push(key);
    else changes.users.push(keptUser(uid, next() < 0.5 ? uid : `${uid}-${round}`));
    const outcome = mergeChanges(directory, changes);
    known = updateKnownUsers(known, directory.users.values(), outcome.touchedDns);
    const isUserDn = (value: string) => known.exactText(value) >= 0;
    const names = (list: KeptGroup[]) => list.map((g) => g.group.name).sort();
    const everyValue = names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn));
    assert.deepEqual(names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn, known)), everyValue, `round ${round}`);
  }
});
