import { PassThrough } from 'node:stream';
import { Client } from 'ldapts';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/db/open-database.js';
import { OPENLDAP_SETTINGS } from '../../src/ldap/vendor-settings.js';
import { createLogger } from '../../src/log/logger.js';
import { runSync, type SyncOptions, type SyncResult } from '../../src/run/run-sync.js';
import { startSlapd, type SlapdInstance, type StartSlapdOptions } from './slapd.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './test-database.js';

/** The environment an operator would set for the test directory. */
export function testEnv(slapd: SlapdInstance, db: TestDatabase, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    LDAP_ENABLED: 'true',
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: slapd.readerDn,
    LDAP_BIND_PASSWORD: slapd.readerPassword,
    LDAP_BASE: slapd.baseDn,
    // Exactly what `check` suggests for OpenLDAP.
    ...(OPENLDAP_SETTINGS as Record<string, string>),
    LDAP_ADMIN_GROUP_NAME: 'admins',
    // Smaller than the reader's size limit of 5 is not needed for paging to matter, but several pages are exercised.
    LDAP_SYNC_PAGE_SIZE: '4',
    LDAP_TIMEOUT: '5',
    DB_CONNECTION_STRING: db.connectionString,
    ...overrides,
  };
}

export interface SyncOutcome {
  result?: SyncResult;
  error?: Error;
  logs: string;
}

/** One whole sync as the CLI runs it, with the log lines captured. */
export async function syncOnce(config: Config, options: SyncOptions = {}, logging: { json?: boolean } = {}): Promise<SyncOutcome> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const log = createLogger({ level: 'debug', json: logging.json ?? false, stream });
  const db = await openDatabase(config.database);
  try {
    const result = await runSync(config, db, log, options);
    return { result, logs: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    return { error: error as Error, logs: Buffer.concat(chunks).toString('utf8') };
  } finally {
    await db.close();
  }
}

/** One sync with this environment; every runSync option; `json` logs one JSON object per line. */
export async function syncWith(env: Record<string, string>, options: SyncOptions = {}, logging: { json?: boolean } = {}): Promise<SyncOutcome> {
  return syncOnce(loadConfig(env), options, logging);
}

/** Binds to `url` as `dn`, runs `work` with the connection, and unbinds whatever happens. */
export async function withLdapClient<T>(url: string, dn: string, password: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url });
  await client.bind(dn, password);
  try {
    return await work(client);
  } finally {
    await client.unbind();
  }
}

/** An admin connection to change the directory between runs. */
export function ldapAdmin<T>(slapd: SlapdInstance, work: (client: Client) => Promise<T>): Promise<T> {
  return withLdapClient(slapd.url, slapd.adminDn, slapd.adminPassword, work);
}

export interface SyncFixture {
  slapd: SlapdInstance;
  db: TestDatabase;
  /** testEnv() for this directory and database, with the overrides given. */
  env: Record<string, string>;
  done: () => Promise<void>;
}

/** A fresh slapd (the test directory unless told otherwise) and a fresh Pocket ID database of one kind. */
export async function startFixture(kind: DbKind, options: StartSlapdOptions & { env?: Record<string, string> } = {}): Promise<SyncFixture> {
  const { env: overrides, ...slapdOptions } = options;
  const slapd = await startSlapd(slapdOptions);
  const db = await createTestDatabase(kind);
  return {
    slapd,
    db,
    env: testEnv(slapd, db, overrides ?? {}),
    done: async () => {
      await db.close();
      await slapd.stop();
    },
  };
}
