// The pure parts of incremental runs: merging changes into the kept
// directory, which groups are resolved again, the mode decision, and the
// watermark arithmetic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededPick } from '../support/prng.js';
import { formatGeneralizedTime, MarkerWatch, nextWatermark, parseGeneralizedTime, type MarkerState } from '../../src/ldap/change-markers.js';
import { normalizeDN } from '../../src/ldap/dn.js';
import { EntryValues } from '../../src/ldap/entry-values.js';
import { groupsToResolve } from '../../src/sync/groups-to-resolve.js';
import { entryKey, mergeChanges, snapshotOfKept, type DirectoryChanges, type KeptDirectory, type KeptUser } from '../../src/sync/kept-directory.js';
import { checkUsn, chooseMode, type MemoryFacts } from '../../src/sync/run-mode.js';
import type { DirectoryUser } from '../../src/sync/snapshot.js';

const dn = (uid: string) => `uid=${uid},ou=people,dc=example,dc=com`;

function user(uid: string, overrides: Partial<DirectoryUser> = {}): KeptUser {
  return {
    user: { dn: dn(uid), ldapId: `id-${uid}`, username: uid, email: `${uid}@example.com`, firstName: '', lastName: '', displayName: uid, ...overrides },
    version: `v-${uid}`,
    pictureDigest: '',
    hasAccountFlag: false,
  };
}

function kept(): KeptDirectory {
  const users = new Map(['ann', 'bob', 'cid'].map((uid) => [`id-${uid}`, user(uid)]));
  const group = (name: string, members: string[]) => ({
    group: { dn: `cn=${name},ou=groups,dc=example,dc=com`, ldapId: `g-${name}`, name, memberUsernames: [] },
    members,
    unresolved: [],
    version: `v-${name}`,
  });
  const groups = new Map([
    ['g-devs', group('devs', [dn('ann'), 'UID=Bob,OU=People,DC=example,DC=com'])],
    ['g-ops', group('ops', [dn('cid')])],
  ]);
  return { users, groups, others: new Map() };
}

const noChanges = (): DirectoryChanges => ({ users: [], groups: [], goneUsers: [], goneGroups: [], otherDns: [] });

describe('mergeChanges', () => {
  test('an entry read again unchanged counts as nothing; a changed one keeps its place, a new one goes last', () => {
    const directory = kept();
    const same = mergeChanges(directory, { ...noChanges(), users: [user('bob')] });
    assert.deepEqual([same.changed.users, same.added.users, same.touchedDns.size], [0, 0, 0]);

    const outcome = mergeChanges(directory, { ...noChanges(), users: [user('bob', { email: 'robert@example.com' }), user('dan')] });
    assert.deepEqual([outcome.changed.users, outcome.added.users], [1, 1]);
    assert.deepEqual([...directory.users.keys()], ['id-ann', 'id-bob', 'id-cid', 'id-dan']);
    assert.equal(directory.users.get('id-bob')?.user.email, 'robert@example.com');
    assert.deepEqual([...outcome.touchedDns], [dn('dan')], 'an attribute change touches no DN; an add does');
  });

  test('a rename touches the old and the new DN; a gone entry is removed unless it was read this run', () => {
    const directory = kept();
    const outcome = mergeChanges(directory, { ...noChanges(), users: [user('bob', { dn: dn('robert'), username: 'robert' })], goneUsers: ['id-bob', 'id-cid'] });
    assert.deepEqual([...outcome.touchedDns].sort(), [dn('bob'), dn('cid'), dn('robert')].sort());
    assert.deepEqual([...directory.users.keys()], ['id-ann', 'id-bob']);
    assert.equal(outcome.removed.users, 1);
  });

  test('an entry deleted and another added at its DN: the kept one goes without waiting for the id scan', () => {
    const directory = kept();
    const outcome = mergeChanges(directory, { ...noChanges(), users: [user('bob', { ldapId: 'id-bob-2' })] });
    assert.deepEqual([outcome.added.users, outcome.removed.users], [1, 1]);
    assert.deepEqual([...directory.users.keys()], ['id-ann', 'id-cid', 'id-bob-2']);
  });

  test('groups to resolve again: those read this run and those naming a touched DN, whatever its spelling', () => {
    const directory = kept();
    const outcome = mergeChanges(directory, { ...noChanges(), goneUsers: ['id-bob'] });
    const isUserDn = (value: string) => [...directory.users.values()].some(({ user }) => user.dn === value);
    const targets = groupsToResolve(directory, outcome, normalizeDN, new Map(), isUserDn);
    assert.deepEqual(targets.map((g) => g.group.name), ['devs']);
    const none = groupsToResolve(directory, mergeChanges(directory, noChanges()), normalizeDN, new Map(), isUserDn);
    assert.deepEqual(none, []);
  });

  test('the snapshot keeps the merge order and counts the disabled-flag carriers', () => {
    const directory = kept();
    directory.users.get('id-ann')!.hasAccountFlag = true;
    const snapshot = snapshotOfKept(directory, { pages: 0, memberLookups: 0, readMs: 0 }, true);
    assert.deepEqual(snapshot.users.map((u) => u.username), ['ann', 'bob', 'cid']);
    assert.equal(snapshot.entriesWithAccountFlag, 1);
    assert.equal(entryKey('', 'cn=x'), 'dn:cn=x');
  });
});

const facts = (overrides: Partial<MemoryFacts> = {}): MemoryFacts => ({
  incrementalEnabled: true,
  dryRun: false,
  forceFull: false,
  hasKept: true,
  lastRunFailed: false,
  settingsChanged: false,
  markerProblem: undefined,
  fullScheduleDue: false,
  ...overrides,
});

describe('chooseMode and checkUsn', () => {
  test('incremental only with everything in place; otherwise the first reason that applies', () => {
    assert.deepEqual(chooseMode(facts()), { mode: 'incremental' });
    assert.deepEqual(chooseMode(facts({ incrementalEnabled: false, lastRunFailed: true })), { mode: 'full', reason: 'incremental-off' });
    assert.deepEqual(chooseMode(facts({ hasKept: false, lastRunFailed: true })), { mode: 'full', reason: 'previous-run-failed' });
    assert.deepEqual(chooseMode(facts({ hasKept: false })), { mode: 'full', reason: 'first-run' });
    assert.deepEqual(chooseMode(facts({ settingsChanged: true, forceFull: true })), { mode: 'full', reason: 'configuration-changed' });
    assert.deepEqual(chooseMode(facts({ markerProblem: 'marker-unavailable' })), { mode: 'full', reason: 'marker-unavailable' });
    assert.deepEqual(chooseMode(facts({ forceFull: true, fullScheduleDue: true })), { mode: 'full', reason: 'requested' });
    assert.deepEqual(chooseMode(facts({ fullScheduleDue: true })), { mode: 'full', reason: 'scheduled' });
    assert.deepEqual(chooseMode(facts({ dryRun: true })), { mode: 'full', reason: 'dry-run' });
  });

  test('USNs: the same DC and a counter that did not go back', () => {
    const kept = { dsServiceName: 'CN=NTDS Settings,CN=DC1', next: 101n };
    assert.equal(checkUsn({ kept, now: { dsServiceName: 'cn=ntds settings,cn=dc1', highestCommittedUsn: 100n } }), undefined);
    assert.equal(checkUsn({ kept, now: { dsServiceName: 'CN=NTDS Settings,CN=DC2', highestCommittedUsn: 500n } }), 'dc-changed');
    assert.equal(checkUsn({ kept, now: { dsServiceName: 'CN=NTDS Settings,CN=DC1', highestCommittedUsn: 99n } }), 'usn-went-backwards');
    assert.equal(checkUsn({ kept, now: { dsServiceName: undefined, highestCommittedUsn: 99n } }), 'marker-unavailable');
  });
});

describe('watermarks', () => {
  const timestamp: MarkerState = { vendor: { kind: 'openldap', label: 'OpenLDAP', activeDirectoryCompatible: false, pagedResults: true, evidence: [] }, marker: { kind: 'timestamp', attribute: 'modifyTimestamp', version: 'entryCSN' } };
  const entry = (stamp: string | undefined) => new EntryValues({ dn: 'cn=x', ...(stamp ? { modifyTimestamp: Buffer.from(stamp) } : {}), entryCSN: Buffer.from('csn') });

  test('GeneralizedTime both ways, with offsets and fractions', () => {
    assert.equal(parseGeneralizedTime('20261130091500Z'), Date.UTC(2026, 10, 30, 9, 15, 0) / 1000);
    assert.equal(parseGeneralizedTime('20261130091500.0Z'), Date.UTC(2026, 10, 30, 9, 15, 0) / 1000);
    assert.equal(parseGeneralizedTime('20261130101500+0100'), Date.UTC(2026, 10, 30, 9, 15, 0) / 1000);
    assert.equal(parseGeneralizedTime('yesterday'), null);
    assert.equal(formatGeneralizedTime(Date.UTC(2026, 10, 30, 9, 15, 7) / 1000), '20261130091507Z');
  });

  test('GeneralizedTime: the plain form (14 digits and Z) reads as the same time with a fraction, which the regular expression reads', () => {
    // Any 14 digits, months and days out of range too (Date.UTC carries them over either way).
    const pick = seededPick(20261203);
    for (let round = 0; round < 5000; round++) {
      const digits = Array.from({ length: 14 }, () => String(pick(10))).join('');
      assert.equal(parseGeneralizedTime(`${digits}Z`), parseGeneralizedTime(`${digits}.0Z`), digits);
    }
    assert.equal(parseGeneralizedTime('2026113009.500Z'), Date.UTC(2026, 10, 30, 9, 0, 0) / 1000, 'other forms as before');
  });

  test('timestamp: the latest value seen, back by the read time in whole seconds; an entry without the marker makes it unusable', () => {
    const watch = new MarkerWatch(timestamp.marker);
    assert.equal(watch.note(entry('20261130091500Z')), 'csn');
    watch.note(entry('20261130091510Z'));
    const at = (second: number) => Date.UTC(2026, 10, 30, 9, 15, second) / 1000;
    assert.deepEqual(nextWatermark(timestamp, watch, 2500, undefined), { kind: 'timestamp', from: at(7), latest: at(10) });
    assert.deepEqual(nextWatermark(timestamp, watch, 2500, { kind: 'timestamp', from: at(9), latest: at(9) }), { kind: 'timestamp', from: at(9), latest: at(10) }, 'never back');
    const quiet = new MarkerWatch(timestamp.marker);
    quiet.note(entry('20261130091510Z'));
    assert.deepEqual(nextWatermark(timestamp, quiet, 9000, { kind: 'timestamp', from: at(1), latest: at(10) }), { kind: 'timestamp', from: at(10), latest: at(10) }, 'what an earlier run saw was committed before this run began');
    watch.note(entry(undefined));
    assert.ok('problem' in nextWatermark(timestamp, watch, 10, undefined));
  });

  test('usn: highestCommittedUSN + 1 read before the read', () => {
    const usn: MarkerState = { ...timestamp, marker: { kind: 'usn', attribute: 'uSNChanged', version: 'uSNChanged' }, highestCommittedUsn: 41n, dsServiceName: 'CN=DC1' };
    assert.deepEqual(nextWatermark(usn, new MarkerWatch(usn.marker), 10, undefined), { kind: 'usn', next: 42n, dsServiceName: 'CN=DC1' });
    assert.ok('problem' in nextWatermark({ ...usn, highestCommittedUsn: undefined }, new MarkerWatch(usn.marker), 10, undefined));
  });
});
