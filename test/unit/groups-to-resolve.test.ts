import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeDN } from '../../src/ldap/dn.js';
import { memberTexts } from '../../src/ldap/kept-read.js';
import { KnownUsers, updateKnownUsers } from '../../src/ldap/known-users.js';
import { groupsToResolve } from '../../src/sync/groups-to-resolve.js';
import { mergeChanges, type KeptDirectory, type KeptGroup, type KeptUser } from '../../src/sync/kept-directory.js';

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

/** A group as a read keeps it: its values as text, and which known user each named. */
function keptGroup(name: string, values: string[], known: KnownUsers): KeptGroup {
  const raw = values.map((v) => Buffer.from(v));
  const users = new Int32Array(raw.length);
  const members = memberTexts(raw, new Map(), known, users);
  return { group: { dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `g-${name}`, name, memberUsernames: [] }, members, unresolved: [], version: '', keptUsers: { users, numbering: known } };
}

const names = (list: KeptGroup[]) => list.map((g) => g.group.name).sort();

test('groups to resolve again: with the users their values named, the same groups as from every value', () => {
  const users = ['ann', 'bob', 'cid', 'dan'].map((uid) => keptUser(uid));
  const known = KnownUsers.of(users);
  const groups = [
    keptGroup('exact', [dnOf('ann'), dnOf('bob')], known),
    keptGroup('spelled', [dnOf('ann'), 'UID=Cid,OU=People,DC=example,DC=com'], known),
    keptGroup('others', [dnOf('ann'), dnOf('dan'), 'cn=printer,dc=example,dc=com'], known),
  ];
  const directory: KeptDirectory = { users: new Map(users.map((u) => [u.user.ldapId, u])), groups: new Map(groups.map((g) => [g.group.ldapId, g])), others: new Map() };
  // bob removed, cid renamed away: both forgotten by the merge's update of the users.
  const outcome = mergeChanges(directory, { users: [], groups: [], goneUsers: ['id-bob', 'id-cid'], goneGroups: [], otherDns: [] });
  const updated = updateKnownUsers(known, directory.users, outcome.touchedDns);
  assert.equal(updated, known);
  const isUserDn = (value: string) => updated.exactText(value) >= 0;
  const everyValue = names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn));
  assert.deepEqual(everyValue, ['exact', 'spelled']);
  assert.deepEqual(names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn, updated)), everyValue);
});

test('groups to resolve again, over random merges: the users kept never leave out a group that every value finds', () => {
  const next = random(7);
  const pick = (n: number) => Math.floor(next() * n);
  const directory: KeptDirectory = { users: new Map(Array.from({ length: 30 }, (_, i) => [`id-u${i}`, keptUser(`u${i}`)])), groups: new Map(), others: new Map() };
  let known = KnownUsers.of(directory.users.values());
  const valueOf = () => (next() < 0.8 ? dnOf(`u${pick(40)}`) : next() < 0.5 ? `UID=u${pick(40)},OU=People,DC=example,DC=com` : `cn=x${pick(5)},dc=example,dc=com`);
  for (let round = 0; round < 100; round++) {
    // Groups read again this round (numbered by the users before the merge), then users changed.
    for (let g = 0; g < 6; g++) {
      if (round > 0 && next() < 0.7) continue;
      directory.groups.set(`g${g}`, keptGroup(`g${g}`, Array.from({ length: 8 }, valueOf), known));
    }
    const uid = `u${pick(40)}`;
    const key = `id-${uid}`;
    const changes = { users: [] as KeptUser[], groups: [], goneUsers: [] as string[], goneGroups: [], otherDns: [] };
    if (directory.users.has(key) && next() < 0.5) changes.goneUsers.push(key);
    else changes.users.push(keptUser(uid, next() < 0.5 ? uid : `${uid}-${round}`));
    const outcome = mergeChanges(directory, changes);
    known = updateKnownUsers(known, directory.users, outcome.touchedDns);
    const isUserDn = (value: string) => known.exactText(value) >= 0;
    const everyValue = names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn));
    assert.deepEqual(names(groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn, known)), everyValue, `round ${round}`);
  }
});
