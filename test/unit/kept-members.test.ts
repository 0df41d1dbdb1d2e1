import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptMemberTexts, sameAscii, type KeptValues } from '../../src/ldap/kept-members.js';
import { memberTexts } from '../../src/ldap/kept-read.js';
import { KnownUsers } from '../../src/ldap/known-users.js';
import { MemberResolver } from '../../src/ldap/member-resolver.js';
import { PackedValues } from '../../src/ldap/packed-values.js';
import type { LdapSettings } from '../../src/config/config.js';
import type { DirectoryGroup } from '../../src/sync/snapshot.js';
import { seededPick } from '../support/prng.js';

const dnOf = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;

/** Counts the lookups among the DNs: a value taken from the kept copy makes none. */
class CountingUsers extends KnownUsers {
  lookups = 0;
  override exact(raw: Uint8Array, from?: number, to?: number): number {
    this.lookups += 1;
    return super.exact(raw, from, to);
  }
}

function usersOf(uids: string[]): CountingUsers {
  const users = new CountingUsers();
  uids.forEach((uid, entry) => users.add(dnOf(uid), uid, entry));
  return users;
}

/** The values as one message's bytes would hold them, with something before, between and after. */
function packed(values: Buffer[]): PackedValues {
  const parts: Buffer[] = [Buffer.from([0x30, 0x04])];
  const bounds = new Int32Array(2 * values.length);
  let at = 2;
  values.forEach((value, k) => {
    parts.push(Buffer.from([0x04, value.length & 0x7f]), value);
    bounds[2 * k] = at + 2;
    bounds[2 * k + 1] = at + 2 + value.length;
    at += 2 + value.length;
  });
  parts.push(Buffer.from([0xa0, 0x00]));
  return new PackedValues(Buffer.concat(parts), bounds, values.length);
}

/** A group as kept after it was read: its texts and users as memberTexts made them. */
function keptGroup(values: string[], users: KnownUsers): KeptValues {
  const found = new Int32Array(values.length);
  const members = memberTexts(values.map((v) => Buffer.from(v, 'utf8')), new Map(), users, found);
  return { members, users: found };
}

/** keptMemberTexts, from packed values and from Buffers, gives what memberTexts gives; returns the lookups it made. */
function checkSame(read: Buffer[], kept: KeptValues | undefined, users: CountingUsers, what: string): number {
  const found = new Int32Array(read.length);
  const expected = memberTexts(read, new Map(), users, found);
  users.lookups = 0;
  const fromPacked = keptMemberTexts(packed(read), kept, users, new Map());
  const lookups = users.lookups;
  const fromBuffers = keptMemberTexts(read, kept, users, new Map());
  for (const got of [fromPacked, fromBuffers]) {
    assert.deepEqual(got.members, expected, what);
    assert.deepEqual([...got.found], [...found], what);
  }
  return lookups;
}

const bytes = (values: string[]) => values.map((v) => Buffer.from(v, 'utf8'));

test('values read again in the kept order are taken from the kept copy without a lookup, also after insertions and removals', () => {
  const uids = Array.from({ length: 40 }, (_, i) => `u${i}`);
  const users = usersOf(uids);
  const kept = keptGroup(uids.slice(0, 30).map(dnOf), users);
  assert.equal(checkSame(bytes(uids.slice(0, 30).map(dnOf)), kept, users, 'unchanged'), 0);
  // u3 removed, u35 inserted after u10, u12-u25 removed (more than the look-ahead), u36 appended.
  const edited = [...uids.slice(0, 3), ...uids.slice(4, 11), 'u35', uids[11] as string, ...uids.slice(26, 30), 'u36'];
  assert.equal(checkSame(bytes(edited.map(dnOf)), kept, users, 'edited'), 3, 'u35, u36 and u26, the value after the long removal');
  // Reordered: every value is still right, found by lookup where the cursor is lost.
  const reordered = [...uids.slice(0, 30)].reverse();
  assert.ok(checkSame(bytes(reordered.map(dnOf)), kept, users, 'reversed') > 20);
});

test('a kept value whose user was forgotten or renamed since is looked up, and names what the table names now', () => {
  const uids = Array.from({ length: 12 }, (_, i) => `u${i}`);
  const users = usersOf(uids);
  const kept = keptGroup(uids.map(dnOf), users);
  users.forget(dnOf('u2'));
  users.forget(dnOf('u5'));
  users.add(dnOf('u5'), 'renamed', 20);
  const lookups = checkSame(bytes(uids.map(dnOf)), kept, users, 'forgotten');
  assert.equal(lookups, 2);
  const { found } = keptMemberTexts(bytes(uids.map(dnOf)), kept, users, new Map());
  assert.equal(found[2], -1);
  assert.equal(users.usernameOf(found[5] as number), 'renamed');
});

test('values naming no user, not UTF-8, or not ASCII are looked up as before; equal texts share a string', () => {
  const users = usersOf(['ann', 'zoë', 'bob']);
  const values = [dnOf('ann'), 'cn=admins,ou=groups,dc=example,dc=com', dnOf('zoë'), dnOf('bob'), 'cn=admins,ou=groups,dc=example,dc=com'];
  const kept = keptGroup(values, users);
  const read = [...bytes(values), Buffer.from([0x75, 0xff, 0x3d])];
  assert.equal(checkSame(read, kept, users, 'others'), 4, 'the group twice, zoë and the bytes not UTF-8; ann and bob from the kept copy');
  const { members } = keptMemberTexts(packed(read), kept, users, new Map());
  assert.ok(Buffer.isBuffer(members[5]));
});

test('a kept DN in Latin-1 text never matches the UTF-8 bytes of another DN of the same length', () => {
  // "Ã©" (U+00C3 U+00A9) has the char codes of the UTF-8 bytes of "é".
  const users = usersOf(['\u00c3\u00a9', '\u00e9']);
  const kept = keptGroup([dnOf('\u00c3\u00a9')], users);
  assert.equal(sameAscii(Buffer.from(dnOf('\u00e9'), 'utf8'), 0, Buffer.byteLength(dnOf('\u00e9')), dnOf('\u00c3\u00a9')), false);
  // Forced into the kept copy as if it were ASCII, the value must still name its own user.
  const forced: KeptValues = { members: [dnOf('\u00c3\u00a9')], users: kept.users };
  checkSame([Buffer.from(dnOf('\u00e9'), 'utf8')], forced, users, 'latin-1');
  const { found } = keptMemberTexts([Buffer.from(dnOf('\u00e9'), 'utf8')], forced, users, new Map());
  assert.equal(users.usernameOf(found[0] as number), '\u00e9');
});

test('random edits and users forgotten or added: always what memberTexts gives', () => {
  const pick = seededPick(20261201);
  for (let round = 0; round < 200; round++) {
    const uids = Array.from({ length: 60 }, (_, i) => (pick(10) === 0 ? `ü${i}` : `u${i}`));
    const users = usersOf(uids);
    const pool = [...uids.map(dnOf), 'cn=g,dc=example,dc=com', 'uid=nobody,dc=example,dc=com'];
    const keptValues = Array.from({ length: pick(40) }, () => pool[pick(pool.length)] as string);
    const kept = keptGroup(keptValues, users);
    for (let n = pick(4); n > 0; n--) users.forget(dnOf(uids[pick(uids.length)] as string));
    for (let n = pick(3); n > 0; n--) users.add(dnOf(`new${pick(5)}`), `new${round}`, 100);
    const read = [...keptValues];
    for (let n = pick(6); n > 0; n--) {
      const at = pick(read.length + 1);
      if (pick(2) === 0) read.splice(at, 1 + pick(12));
      else read.splice(at, 0, pick(3) === 0 ? dnOf(`new${pick(5)}`) : (pool[pick(pool.length)] as string));
    }
    checkSame(bytes(read), pick(8) === 0 ? undefined : kept, users, `round ${round}`);
  }
});

test('the resolver given the users keptMemberTexts found resolves a group as it does looking each value up', () => {
  const settings = { base: 'dc=example,dc=com', attributes: { username: 'uid', groupMember: 'member' } } as unknown as LdapSettings;
  const values = [dnOf('u1'), dnOf('nouser'), 'uid=other,ou=people,dc=example,dc=com', dnOf('u0'), 'bare', dnOf('u2'), dnOf('u1')];
  const read = [...bytes(values), Buffer.from([0x75, 0xff])];
  for (const form of [packed(read), read]) {
    const resolve = (withFound: boolean, none = false) => {
      const resolver = new MemberResolver(null as never, settings, { debug() {} } as never);
      ['u0', 'u1', 'u2'].forEach((uid, entry) => resolver.rememberUser(dnOf(uid), uid === 'u2' ? '' : uid, entry));
      resolver.rememberUser(dnOf('nouser'), '', 3);
      const group: DirectoryGroup = { dn: 'cn=g,dc=example,dc=com', ldapId: '', name: 'g', memberUsernames: [], memberEntries: [] };
      const { found } = keptMemberTexts(form, undefined, resolver.users, new Map());
      resolver.addGroup(group, form, withFound ? (none ? found.fill(-1) : found) : undefined);
      return group;
    };
    const looked = resolve(false);
    assert.deepEqual(resolve(true), looked);
    assert.deepEqual(looked.memberUsernames, ['u1', 'nouser', 'other', 'u0', 'bare', 'u2', 'u1']);
    // Taken, not looked up again: told no value names a user, the members have no user entries.
    assert.deepEqual(resolve(true, true).memberEntries, [-1, -1, -1, -1, -1, -1, -1]);
  }
});

test('DNs held compactly or not (other tails, long first parts), and users forgotten, renamed or added after they were held', () => {
  const pick = seededPick(20261202);
  const long = 'a-first-part-longer-than-a-head';
  const spellings = (i: number) => [dnOf(`u${i}`), `uid=u${i},ou=others,dc=example,dc=com`, dnOf(`${long}${i}`), `uid=u${i}`, `cn=ü${i},ou=people,dc=example,dc=com`][i % 5] as string;
  for (let round = 0; round < 100; round++) {
    const users = new CountingUsers();
    const dns = Array.from({ length: 50 }, (_, i) => spellings(i + round));
    dns.forEach((dn, entry) => users.add(dn, `n${entry}`, entry));
    const kept = keptGroup(dns, users);
    checkSame(bytes(dns), kept, users, `round ${round}, held now`);
    for (let n = pick(6); n > 0; n--) users.forget(dns[pick(dns.length)] as string);
    // As updateKnownUsers does: a DN is forgotten before it is added again.
    for (let n = pick(4); n > 0; n--) {
      const dn = dns[pick(dns.length)] as string;
      users.forget(dn);
      users.add(dn, `again${n}`, 200 + n);
    }
    for (let n = pick(3); n > 0; n--) users.add(spellings(1000 + pick(10)), `more${n}`, 300 + n);
    const read = dns.filter(() => pick(10) !== 0);
    checkSame(bytes(read), kept, users, `round ${round}, after forgets and adds`);
  }
});
