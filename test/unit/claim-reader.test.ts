// Claim attributes are read like any attribute: an Active Directory that
// answers a multi-valued attribute in ranges (proxyAddresses above
// MaxValRange) is followed to the end, and a partial read fails the run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client, Entry, SearchOptions, SearchResult } from 'ldapts';
import { readClaimValues } from '../../src/ldap/claim-reader.js';
import { EntryValues } from '../../src/ldap/entry-values.js';
import { claimAt } from '../../src/sync/entry-claims.js';

const DN = 'CN=u1,OU=People,DC=corp,DC=example,DC=com';
const address = (i: number) => Buffer.from(`smtp:u1-${i}@corp.example.com`);

/** A base-object search answering `proxyAddresses;range=low-*` in blocks of 1500 out of `total`. */
function rangedServer(total: number, failAt?: number): { client: Client; requests: string[] } {
  const requests: string[] = [];
  const client = {
    async search(base: string, options?: SearchOptions): Promise<SearchResult> {
      const attribute = options?.attributes?.[0] ?? '';
      requests.push(attribute);
      const low = Number(/range=(\d+)-/.exec(attribute)?.[1]);
      if (low === failAt) return { searchEntries: [{ dn: base }], searchReferences: [] };
      const high = Math.min(low + 1499, total - 1);
      const key = `proxyAddresses;range=${low}-${high === total - 1 ? '*' : high}`;
      return { searchEntries: [{ dn: base, [key]: Array.from({ length: high - low + 1 }, (_, i) => address(low + i)) }], searchReferences: [] };
    },
  };
  return { client: client as unknown as Client, requests };
}

const MAPPINGS = [
  { key: 'aliases', attribute: 'proxyAddresses', multi: true },
  { key: 'department', attribute: 'department', multi: false },
  { key: 'retired', attribute: null, multi: false },
];

function entry(total: number): Entry {
  return {
    dn: DN,
    department: [Buffer.from('R&D')],
    proxyAddresses: [],
    'proxyAddresses;range=0-1499': Array.from({ length: Math.min(total, 1500) }, (_, i) => address(i)),
  };
}

test('a claim attribute sent in ranges is read whole; other claims of the entry are read as sent', async () => {
  const server = rangedServer(3200);
  const e = entry(3200);
  const claims = await readClaimValues(server.client, e, new EntryValues(e), MAPPINGS);
  // 3,200 addresses are far over the claim size limit: the byte count shows every value was read.
  const all = JSON.stringify(Array.from({ length: 3200 }, (_, i) => address(i).toString()));
  assert.deepEqual(claimAt(claims, 0), {
    kind: 'skip', reason: 'claim-too-long', message: `attribute proxyAddresses gives a value of ${Buffer.byteLength(all)} bytes, more than 8192`,
  });
  assert.deepEqual(claimAt(claims, 1), { kind: 'value', stored: 'R&D' });
  assert.deepEqual(claimAt(claims, 2), { kind: 'absent' });
  assert.deepEqual(server.requests, ['proxyAddresses;range=1500-*', 'proxyAddresses;range=3000-*']);
});

test('a ranged claim attribute that cannot be completed fails the read instead of becoming a shorter claim', async () => {
  const server = rangedServer(3200, 3000);
  const e = entry(3200);
  await assert.rejects(async () => readClaimValues(server.client, e, new EntryValues(e), MAPPINGS), /failed to read all values of proxyAddresses of CN=u1.*range retrieval/);
});

test('entries without ranged values need no request; no mapping reads nothing', async () => {
  const server = rangedServer(0);
  const e: Entry = { dn: DN, proxyAddresses: [Buffer.from('smtp:a@x')], department: [] };
  const claims = await readClaimValues(server.client, e, new EntryValues(e), MAPPINGS);
  assert.deepEqual([0, 1, 2].map((k) => claimAt(claims, k).kind), ['value', 'absent', 'absent']);
  assert.deepEqual(server.requests, []);
  assert.equal(await readClaimValues(server.client, e, new EntryValues(e), []), undefined);
});
