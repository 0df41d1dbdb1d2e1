// Transport security: ldaps:// and StartTLS against slapd with a throwaway CA,
// certificate checks on by default, never a plain-text bind after a failed
// StartTLS, and the warnings an operator must see.
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import { after, before, describe, test } from 'node:test';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { startSlapd, stopAllSlapd, type SlapdInstance } from '../support/slapd.js';
import { syncWith, testEnv, type SyncOutcome } from '../support/sync-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Users the default fixture syncs into an empty database. */
const SYNCED_USERS = 28;
const SKIP_VERIFY_WARNING = /WRN LDAP_SKIP_CERT_VERIFY=true: the directory's certificate is not checked/;
const PLAIN_TEXT_WARNING = /WRN LDAP over plain ldap:\/\/ to a remote host: the bind password and all data travel unencrypted/;

let tlsSlapd: SlapdInstance;
let plainSlapd: SlapdInstance;
before(async () => {
  [tlsSlapd, plainSlapd] = await Promise.all([startSlapd({ tls: true }), startSlapd()]);
});
after(stopAllSlapd);

/** A sync into a fresh SQLite database; `check` sees the outcome and the database. */
async function syncInto(env: (db: TestDatabase) => Record<string, string>, check: (outcome: SyncOutcome, db: TestDatabase) => Promise<void> | void): Promise<void> {
  const db = await createTestDatabase('sqlite');
  try {
    await check(await syncWith(env(db)), db);
  } finally {
    await db.close();
  }
}

async function assertSynced(outcome: SyncOutcome, db: TestDatabase): Promise<void> {
  assert.ifError(outcome.error);
  assert.equal(outcome.result!.summary.users.created, SYNCED_USERS);
  assert.equal((await db.users()).length, SYNCED_USERS);
}

async function assertNothingWritten(db: TestDatabase): Promise<void> {
  assert.equal((await db.users()).length, 0);
  assert.equal((await db.groups()).length, 0);
}

/** An address of this machine that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

for (const mode of ['ldaps', 'starttls'] as const) {
  describe(`TLS: ${mode}`, () => {
    const url = () => (mode === 'ldaps' ? tlsSlapd.ldapsUrl! : tlsSlapd.url);
    const base = (db: TestDatabase, extra: Record<string, string> = {}) =>
      testEnv(tlsSlapd, db, { LDAP_URL: url(), ...(mode === 'starttls' ? { LDAP_START_TLS: 'true' } : {}), ...extra });

    test(`tls ${mode}: with LDAP_TLS_CA_FILE the certificate verifies and the sync succeeds, without transport warnings`, () =>
      syncInto(
        (db) => base(db, { LDAP_TLS_CA_FILE: tlsSlapd.caFile! }),
        async (outcome, db) => {
          await assertSynced(outcome, db);
          assert.doesNotMatch(outcome.logs, SKIP_VERIFY_WARNING);
          assert.doesNotMatch(outcome.logs, PLAIN_TEXT_WARNING);
        },
      ));

    test(`tls ${mode}: without the CA the run fails with a certificate error and writes nothing`, () =>
      syncInto(
        (db) => base(db),
        async (outcome, db) => {
          assert.ok(outcome.error, 'the run must fail');
          const phase = mode === 'ldaps' ? `connect to LDAP at ${tlsSlapd.ldapsUrl}` : `start TLS with ${tlsSlapd.url}`;
          assert.equal(outcome.error.message, `failed to ${phase}: self-signed certificate in certificate chain`);
          await assertNothingWritten(db);
        },
      ));

    test(`tls ${mode}: LDAP_SKIP_CERT_VERIFY=true syncs without the CA and logs a WARN on the run`, () =>
      syncInto(
        (db) => base(db, { LDAP_SKIP_CERT_VERIFY: 'true' }),
        async (outcome, db) => {
          await assertSynced(outcome, db);
          assert.match(outcome.logs, SKIP_VERIFY_WARNING);
          assert.equal(outcome.logs.split('\n').filter((l) => SKIP_VERIFY_WARNING.test(l)).length, 1);
        },
      ));

    test(`tls ${mode}: a certificate that does not name the host fails even with the right CA`, { skip: externalAddress() === undefined && 'no non-loopback address on this machine' }, async () => {
      // The certificate names localhost, 127.0.0.1 and ::1; reach the same server by another address.
      const address = externalAddress()!;
      const proxy = await startCuttingProxy(url(), { listenHost: address });
      try {
        const { port } = new URL(proxy.url);
        await syncInto(
          (db) => base(db, { LDAP_URL: `${mode === 'ldaps' ? 'ldaps' : 'ldap'}://${address}:${port}`, LDAP_TLS_CA_FILE: tlsSlapd.caFile! }),
          async (outcome, db) => {
            assert.ok(outcome.error, 'the run must fail');
            assert.match(outcome.error.message, new RegExp(`^failed to (connect to LDAP at|start TLS with) ldaps?://${address.replace(/\./g, '\\.')}:${port}: Hostname/IP does not match certificate's altnames: IP: ${address.replace(/\./g, '\\.')} is not in the cert's list`));
            assert.ok(!proxy.sent().includes(Buffer.from(tlsSlapd.readerPassword)), 'the password never went over the wire in clear');
            await assertNothingWritten(db);
          },
        );
      } finally {
        await proxy.close();
      }
    });
  });
}

describe('TLS: StartTLS never falls back to plain text', () => {
  let proxy: CuttingProxy;
  before(async () => {
    proxy = await startCuttingProxy(plainSlapd.url);
  });
  after(async () => {
    await proxy.close();
  });

  test('tls starttls: a server without TLS refuses StartTLS; the run fails and never binds in plain text', () =>
    syncInto(
      (db) => testEnv(plainSlapd, db, { LDAP_URL: proxy.url, LDAP_START_TLS: 'true' }),
      async (outcome, db) => {
        assert.ok(outcome.error, 'the run must fail');
        assert.match(outcome.error.message, new RegExp(`^failed to start TLS with ${proxy.url}: `));
        const sent = proxy.sent();
        assert.ok(sent.includes(Buffer.from('1.3.6.1.4.1.1466.20037')), 'StartTLS was asked for');
        assert.ok(!sent.includes(Buffer.from(plainSlapd.readerPassword)), 'the password was never sent');
        assert.ok(!sent.includes(Buffer.from(plainSlapd.readerDn)), 'no bind request was sent');
        await assertNothingWritten(db);
      },
    ));

  test('tls starttls: without the CA the handshake fails and the password never goes over the wire', async () => {
    const tlsProxy = await startCuttingProxy(tlsSlapd.url);
    try {
      await syncInto(
        (db) => testEnv(tlsSlapd, db, { LDAP_URL: tlsProxy.url, LDAP_START_TLS: 'true' }),
        async (outcome, db) => {
          assert.match(outcome.error?.message ?? '', /^failed to start TLS with .*: self-signed certificate in certificate chain$/);
          assert.ok(!tlsProxy.sent().includes(Buffer.from(tlsSlapd.readerPassword)));
          assert.ok(!tlsProxy.sent().includes(Buffer.from(tlsSlapd.readerDn)));
          await assertNothingWritten(db);
        },
      );
    } finally {
      await tlsProxy.close();
    }
  });
});

describe('TLS: plain ldap:// warnings', () => {
  test('tls plain: ldap:// to a loopback address syncs without the plain-text WARN', () =>
    syncInto(
      (db) => testEnv(plainSlapd, db),
      async (outcome, db) => {
        await assertSynced(outcome, db);
        assert.doesNotMatch(outcome.logs, PLAIN_TEXT_WARNING);
      },
    ));

  test('tls plain: ldap://localhost is loopback too: no plain-text WARN', () =>
    syncInto(
      (db) => testEnv(plainSlapd, db, { LDAP_URL: plainSlapd.url.replace('127.0.0.1', 'localhost') }),
      async (outcome, db) => {
        await assertSynced(outcome, db);
        assert.doesNotMatch(outcome.logs, PLAIN_TEXT_WARNING);
      },
    ));

  test('tls plain: ldap:// to a non-loopback address logs the plain-text WARN naming the host', { skip: externalAddress() === undefined && 'no non-loopback address on this machine' }, async () => {
    const address = externalAddress()!;
    const proxy = await startCuttingProxy(plainSlapd.url, { listenHost: address });
    try {
      await syncInto(
        (db) => testEnv(plainSlapd, db, { LDAP_URL: proxy.url }),
        async (outcome, db) => {
          await assertSynced(outcome, db);
          const warnings = outcome.logs.split('\n').filter((l) => PLAIN_TEXT_WARNING.test(l));
          assert.equal(warnings.length, 1, outcome.logs);
          assert.match(warnings[0]!, new RegExp(` host=${address.replace(/\./g, '\\.')}$`));
        },
      );
    } finally {
      await proxy.close();
    }
  });

  test('tls plain: a host name that is not literally loopback gets the WARN even if it resolves to 127.0.0.1', async (t) => {
    const name = os.hostname();
    const resolved = await lookup(name, { family: 4 }).catch(() => undefined);
    if (!resolved || !resolved.address.startsWith('127.') || name === 'localhost') {
      t.skip(`${name} does not resolve to a loopback address here`);
      return;
    }
    await syncInto(
      (db) => testEnv(plainSlapd, db, { LDAP_URL: plainSlapd.url.replace('127.0.0.1', name) }),
      async (outcome, db) => {
        await assertSynced(outcome, db);
        assert.match(outcome.logs, new RegExp(`${PLAIN_TEXT_WARNING.source}.* host=${name}`));
      },
    );
  });
});
