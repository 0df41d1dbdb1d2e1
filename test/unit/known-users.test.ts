import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeDN } from '../../src/ldap/dn.js';
import { KnownUsers, updateKnownUsers } from '../../src/ldap/known-users.js';
import type { KeptUser } from '../../src/sync/kept-directory.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const dnOf = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;

function kept(...users: [uid: string, username: string][]): KeptUser[] {
  return users.map(([uid, username]) => ({ user: { dn: dnOf(uid), ldapId: `id-${uid}`, username, email: '', firstName: '', lastName: '', displayName: '', disabled: false }, version: '', pictureDigest: '', hasAccountFlag: false }));
}

/** What a member value names, as the resolver sees it: the exact user's username and entry, else the normalised DN's username. */
function names(known: KnownUsers, dn: string): { exact: string; entry: number; normalized: string } {
  const user = known.exact(bytes(dn));
  const byText = known.exactText(dn);
  assert.equal(byText, user, `bytes and text find the same user for ${dn}`);
  return { exact: user < 0 ? '' : known.usernameOf(user), entry: user < 0 ? -1 : known.entryOf(user), normalized: known.usernameByNormalizedDn(normalizeDN(dn)) };
}

test('finds users by the exact bytes or text of their DN, and by normalised DN; a user without username is found but names nobody', () => {
  const known = KnownUsers.of(kept(['ann', 'ann'], ['bob', ''], ['zoe', 'Zoe\u0301']));
  assert.deepEqual(names(known, dnOf('ann')), { exact: 'ann', entry: 0, normalized: 'ann' });
  assert.deepEqual(names(known, dnOf('bob')), { exact: '', entry: 1, normalized: '' });
  // The username as members resolve to it: NFC.
  assert.equal(names(known, dnOf('zoe')).exact, 'Zo\u00e9');
  assert.equal(known.exact(bytes('UID=ann,ou=people,dc=example,dc=com')), -1);
  assert.equal(known.usernameByNormalizedDn(normalizeDN('UID=ann, ou=people,dc=example,dc=com')), 'ann');
  assert.equal(known.dnOf(known.exactText(dnOf('ann'))), dnOf('ann'));
});

test('a user forgotten names nobody, also through an index found before; added again under another username, the new one is found', () => {
  const known = KnownUsers.of(kept(['ann', 'ann'], ['bob', 'bob']));
  const before = known.exact(bytes(dnOf('bob')));
  assert.equal(names(known, dnOf('bob')).normalized, 'bob');
  known.forget(dnOf('bob'));
  assert.equal(known.usernameOf(before), '');
  assert.deepEqual(names(known, dnOf('bob')), { exact: '', entry: -1, normalized: '' });
  known.add(dnOf('bob'), 'robert', 5);
  assert.deepEqual(names(known, dnOf('bob')), { exact: 'robert', entry: 5, normalized: 'robert' });
  assert.equal(known.usernameOf(before), '');
});

test('updated by the touched DNs, it names what a table built from the merged users names', () => {
  const others = Array.from({ length: 5 }, (_, i): [string, string] => [`u${i}`, `u${i}`]);
  const known = KnownUsers.of(kept(['ann', 'ann'], ['bob', 'bob'], ['cid', 'cid'], ['dan', 'dan'], ...others));
  known.usernameByNormalizedDn('');
  // bob renamed to rob, cid's username changed, dan removed, eve added.
  const merged = kept(['ann', 'ann'], ['rob', 'bob'], ['cid', 'cyd'], ...others, ['eve', 'eve']);
  const touched = new Set([dnOf('bob'), dnOf('rob'), dnOf('cid'), dnOf('dan'), dnOf('eve')]);
  const updated = updateKnownUsers(known, merged, touched);
  assert.equal(updated, known, 'a few changes are updated in place');
  const fresh = KnownUsers.of(merged);
  for (const uid of ['ann', 'bob', 'rob', 'cid', 'dan', 'eve', 'nobody']) {
    const [a, b] = [names(updated, dnOf(uid)), names(fresh, dnOf(uid))];
    assert.deepEqual([a.exact, a.normalized], [b.exact, b.normalized], uid);
  }
  // The entries of users added are their places in the merged users.
  assert.equal(names(updated, dnOf('eve')).entry, 8);
});

test('when it would hold more forgotten users than known ones, it is built anew from the merged users', () => {
  const known = KnownUsers.of(kept(['ann', 'ann'], ['bob', 'bob'], ['cid', 'cid']));
  const merged = kept(['ann', 'ann']);
  const updated = updateKnownUsers(known, merged, new Set([dnOf('bob'), dnOf('cid')]));
  assert.notEqual(updated, known);
  assert.equal(names(updated, dnOf('ann')).exact, 'ann');
  assert.equal(names(updated, dnOf('bob')).exact, '');
  assert.equal(updateKnownUsers(updated, merged, new Set()), updated, 'nothing touched: the same table');
});

test('looked up by text, it names the same users before and after its map by text is built (past a few thousand lookups)', () => {
  const users = kept(...Array.from({ length: 40 }, (_, k): [string, string] => [`u${k}`, `user${k}`]));
  const known = KnownUsers.of(users);
  known.forget(dnOf('u3'));
  known.forget(dnOf('u4'));
  known.add(dnOf('u4'), 'renamed', 7);
  const dns = [...users.map(({ user }) => user.dn), dnOf('nobody'), 'uid=x\u0000,dc=example,dc=com', dnOf('U1')];
  const answers = () => dns.map((dn) => known.exactText(dn));
  const before = answers();
  assert.deepEqual(before.slice(2, 6), [2, -1, 40, 5]);
  for (let k = 0; k < 5_000; k++) known.exactText(dnOf('nobody'));
  assert.deepEqual(answers(), before);
  // Changed once the map is built: it follows, as the bytes do.
  known.forget(dnOf('u5'));
  known.add(dnOf('u3'), 'back', 9);
  for (const dn of dns) assert.equal(known.exactText(dn), dn.includes('\u0000') ? -1 : known.exact(bytes(dn)), dn);
  assert.equal(known.usernameOf(known.exactText(dnOf('u3'))), 'back');
});
