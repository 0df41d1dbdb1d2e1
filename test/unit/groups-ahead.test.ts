import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candidate } from '../../src/ldap/candidate-reads.js';
import { normalizeDN } from '../../src/ldap/dn.js';
import { pairAhead, type AheadGroup } from '../../src/ldap/groups-ahead.js';

/** A group as the search ahead of the change scan read it, at `dn` with `version`. */
function ahead(dn: string, version: string): AheadGroup {
  return { dn, marker: '20261202000000Z', read: { group: { dn, ldapId: dn, name: dn, memberUsernames: [], memberEntries: [] }, members: [], version } };
}

function byKey(groups: AheadGroup[]): Map<string, AheadGroup> {
  return new Map(groups.map((group) => [normalizeDN(group.dn), group]));
}

const changed = (dn: string, version: string): Candidate => ({ dn, changed: true, version, groupKey: dn });

test('a group read ahead is taken for the candidate the scan found changed at its DN with its version', () => {
  const staff = changed('cn=staff,ou=groups,dc=example,dc=com', 'csn-2');
  const { taken, rest } = pairAhead([staff], byKey([ahead(staff.dn, 'csn-2')]));
  assert.deepEqual(taken.map(([candidate, group]) => [candidate.dn, group.read.version]), [[staff.dn, 'csn-2']]);
  assert.deepEqual(rest, []);
});

test('a group changed between the two searches (another version) is read again, not taken', () => {
  const staff = changed('cn=staff,ou=groups,dc=example,dc=com', 'csn-3');
  const { taken, rest } = pairAhead([staff], byKey([ahead(staff.dn, 'csn-2')]));
  assert.deepEqual(taken, []);
  assert.deepEqual(rest, [staff]);
});

test('without an exact version, or not found by the change scan, a candidate is read as before', () => {
  const dn = 'cn=staff,ou=groups,dc=example,dc=com';
  const groups = byKey([ahead(dn, '')]);
  assert.equal(pairAhead([changed(dn, '')], groups).taken.length, 0);
  // Found by the id scan (new or moved): no version the scan saw.
  const idScan: Candidate = { dn, groupKey: dn };
  assert.deepEqual(pairAhead([idScan], byKey([ahead(dn, 'csn-2')])).rest, [idScan]);
});

test('a candidate at another spelling of the DN (renamed since) is not taken; two whose DNs differ only in case are both left', () => {
  const read = ahead('cn=Staff,ou=groups,dc=example,dc=com', 'csn-2');
  const renamed = changed('cn=staff,ou=groups,dc=example,dc=com', 'csn-2');
  assert.deepEqual(pairAhead([renamed], byKey([read])).rest, [renamed]);
  const twins = [changed('cn=Staff,ou=groups,dc=example,dc=com', 'csn-2'), changed('cn=STAFF,ou=groups,dc=example,dc=com', 'csn-2')];
  const { taken, rest } = pairAhead(twins, byKey([read]));
  assert.deepEqual(taken, []);
  assert.deepEqual(rest, twins);
});

test('groups read ahead that no candidate names are left alone (the scan did not see them changed)', () => {
  const staff = changed('cn=staff,ou=groups,dc=example,dc=com', 'csn-2');
  const { taken, rest } = pairAhead([staff], byKey([ahead(staff.dn, 'csn-2'), ahead('cn=ops,ou=groups,dc=example,dc=com', 'csn-9')]));
  assert.deepEqual(taken.map(([candidate]) => candidate.dn), [staff.dn]);
  assert.deepEqual(rest, []);
});
