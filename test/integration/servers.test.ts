/**
 * Smoke test of the test harness: slapd (fixture directory, reader size limit, paging, TLS) and the
 * PostgreSQL cluster (template database with the Pocket ID schema).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client, SizeLimitExceededError } from 'ldapts';
import pg from 'pg';
import { sharedPostgres } from '../support/postgres.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';

// 10 named users + user01..user20 in test/fixtures/directory.ldif.
const FIXTURE_USERS = 30;

describe('slapd harness', () => {
  let ldap: SlapdInstance;

  before(async () => {
    ldap = await startSlapd({ sizeLimit: 5 });
  });
  after(async () => {
    await stopAllSlapd();
  });

  test('paged search as the reader returns every user', async () => {
    const client = new Client({ url: ldap.url });
    try {
      await client.bind(ldap.readerDn, ldap.readerPassword);
      const { searchEntries } = await client.search(ldap.baseDn, {
        filter: '(objectClass=inetOrgPerson)',
        attributes: ['uid', 'entryUUID'],
        paged: { pageSize: 3 },
      });
      assert.equal(searchEntries.length, FIXTURE_USERS);
      const alice = searchEntries.find((e) => e.uid === 'alice');
      assert.equal(alice?.entryUUID, '00000000-0000-4000-8000-000000001001');
      assert.ok(searchEntries.some((e) => e.uid === 'Dave.Smith'));
    } finally {
      await client.unbind();
    }
  });

  test('plain search over the size limit fails', async () => {
    const client = new Client({ url: ldap.url });
    try {
      await client.bind(ldap.readerDn, ldap.readerPassword);
      await assert.rejects(
        client.search(ldap.baseDn, { filter: '(objectClass=inetOrgPerson)' }),
        (err: unknown) => err instanceof SizeLimitExceededError && err.code === 4,
      );
    } finally {
      await client.unbind();
    }
  });

  test('member DNs keep their spelling from the LDIF', async () => {
    const client = new Client({ url: ldap.url });
    try {
      await client.bind(ldap.readerDn, ldap.readerPassword);
      const { searchEntries } = await client.search(`cn=developers,ou=groups,${ldap.baseDn}`, {
        scope: 'base',
        attributes: ['member'],
      });
      assert.ok(([] as unknown[]).concat(searchEntries[0]?.member).includes('CN=Doe\\2C John,OU=People,DC=Example,DC=COM'));
    } finally {
      await client.unbind();
    }
  });

  test('stop and start keep port and data', async () => {
    const before = ldap.pid;
    await ldap.stop();
    await ldap.start();
    assert.notEqual(ldap.pid, before);
    const client = new Client({ url: ldap.url });
    try {
      await client.bind(ldap.readerDn, ldap.readerPassword);
      const { searchEntries } = await client.search(`uid=bob,ou=people,${ldap.baseDn}`, { scope: 'base' });
      assert.equal(searchEntries.length, 1);
    } finally {
      await client.unbind();
    }
  });

  test('ldaps and StartTLS with the throwaway CA', async () => {
    const tls = await startSlapd({ tls: true });
    assert.ok(tls.ldapsUrl && tls.caFile);
    const ca = [readFileSync(tls.caFile)];
    const ldaps = new Client({ url: tls.ldapsUrl.replace('127.0.0.1', 'localhost'), tlsOptions: { ca } });
    const plain = new Client({ url: tls.url });
    try {
      await ldaps.bind(tls.readerDn, tls.readerPassword);
      await plain.startTLS({ ca, servername: 'localhost' });
      await plain.bind(tls.readerDn, tls.readerPassword);
    } finally {
      await ldaps.unbind();
      await plain.unbind();
      await tls.stop();
    }
  });
});

describe('postgres harness', () => {
  test('createDatabase loads the Pocket ID schema', async () => {
    const cluster = await sharedPostgres();
    const db = new pg.Client({ connectionString: await cluster.createDatabase() });
    await db.connect();
    try {
      const { rows } = await db.query<{ version: string; dirty: boolean }>('SELECT version, dirty FROM schema_migrations');
      assert.deepEqual(rows, [{ version: '20260814120000', dirty: false }]);
      const insert = `INSERT INTO users (id, username, display_name) VALUES (gen_random_uuid(), $1, $2)`;
      await db.query(insert, ['Alice', 'Alice']);
      await assert.rejects(db.query(insert, ['alice', 'alice']), (err: unknown) => {
        return err instanceof Error && (err as Error & { constraint?: string }).constraint === 'users_username_key';
      });
    } finally {
      await db.end();
    }
  });
});
