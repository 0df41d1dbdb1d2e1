/**
 * The full read's group path alone, in one process, by turns: 5,000 group entries of 200 member
 * values each (1,000,000), BER-encoded as slapd sends them, fed to ldapts's MessageParser in 64 KiB
 * chunks with the reader's hooks, then resolved among 100,000 users (MemberResolver.addGroup); the
 * member values as a Buffer each (ALL_ATTRIBUTES_AS_BUFFERS) against packed (MANY_VALUES_PACKED,
 * src/ldap/packed-values.ts). Prints the CPU ms of each, four rounds. No server: for comparing the
 * two forms, not a figure of a run (docs/incremental-history.md).
 *   npm run build && node dist/bench/group-read-alone.js
 */
import { MessageParser, type SearchEntry } from 'ldapts';
import type { LdapSettings } from '../src/config/config.js';
import { ALL_ATTRIBUTES_AS_BUFFERS, EntryValues, MANY_VALUES_PACKED } from '../src/ldap/entry-values.js';
import { MemberResolver } from '../src/ldap/member-resolver.js';
import type { DirectoryGroup } from '../src/sync/snapshot.js';
import { searchEntryMessage } from '../test/support/ber-entry.js';

const USERS = 100_000;
const dn = (i: number) => `uid=user${String(i).padStart(6, '0')},ou=people,dc=example,dc=com`;
let seed = 1;
const pick = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
const messages = Buffer.concat(
  Array.from({ length: 5000 }, (_, g) => searchEntryMessage(`cn=g${g},ou=groups,dc=example,dc=com`, [['cn', [`g${g}`]], ['member', Array.from({ length: 200 }, () => dn(pick(USERS)))]])),
);
const settings = { base: 'dc=example,dc=com', attributes: { username: 'uid', groupMember: 'member' } } as unknown as LdapSettings;

function cpuMs(asBuffers: string[]): number {
  const resolver = new MemberResolver(null as never, settings, { debug() {} } as never);
  for (let i = 0; i < USERS; i++) resolver.rememberUser(dn(i), `user${i}`, i);
  const parser = new MessageParser();
  const entries: ReturnType<SearchEntry['toObject']>[] = [];
  parser.on('message', (m) => entries.push((m as SearchEntry).toObject(['cn', 'member'], asBuffers)));
  const details = new Map([['7', { message: { explicitBufferAttributes: asBuffers } }]]) as never;
  const started = process.cpuUsage();
  for (let at = 0; at < messages.length; at += 65536) parser.read(messages.subarray(at, at + 65536), details);
  for (const entry of entries) {
    const values = new EntryValues(entry);
    const group: DirectoryGroup = { dn: entry.dn, ldapId: '', name: '', memberUsernames: [], memberEntries: [] };
    resolver.addGroup(group, values.packed('member') ?? values.all('member'));
  }
  const used = process.cpuUsage(started);
  return Math.round((used.user + used.system) / 1000);
}

for (let round = 0; round < 4; round++) console.log(`Buffers ${cpuMs(ALL_ATTRIBUTES_AS_BUFFERS)} ms, packed ${cpuMs(MANY_VALUES_PACKED)} ms`);
