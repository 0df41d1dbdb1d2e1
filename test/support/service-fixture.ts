// What the daemon and CLI tests (test/integration/service-*.test.ts) share: a real slapd and a
// database with the daemon's environment, the HTTP endpoints, and the secrets no output may show.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSlapd, type SlapdInstance } from './slapd.js';
import { testEnv } from './sync-harness.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './test-database.js';

export const PEOPLE = 'ou=people,dc=example,dc=com';
export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
/** The time at the start of a log line, as Pocket ID's logger writes it. */
export const TIME = '[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d';

/** Put into every PostgreSQL connection string of the fixture; trust auth ignores it, the daemon must never print it. */
export const DB_PASSWORD = 'Db-Pa55-' + randomBytes(4).toString('hex');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

export async function http(port: number, route: string): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`);
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) json = JSON.parse(text) as Record<string, unknown>;
  return { status: response.status, text, json };
}

/** One series' value in a Prometheus text exposition. */
export function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export function withPassword(connectionString: string): string {
  const url = new URL(connectionString);
  url.password = DB_PASSWORD;
  return url.toString();
}

export interface Fixture {
  slapd: SlapdInstance;
  db: TestDatabase;
  env: Record<string, string>;
  done(): Promise<void>;
}

export async function fixture(kind: DbKind = 'postgres', overrides: Record<string, string> = {}): Promise<Fixture> {
  const slapd = await startSlapd();
  const db = await createTestDatabase(kind);
  const env = testEnv(slapd, db, {
    UI_CONFIG_DISABLED: 'true',
    LDAP_SYNC_HTTP_PORT: '0',
    ...(kind === 'postgres' ? { DB_CONNECTION_STRING: withPassword(db.connectionString) } : {}),
    ...overrides,
  });
  return {
    slapd,
    db,
    env,
    done: async () => {
      await db.close();
      await slapd.stop();
    },
  };
}

export function assertNoSecrets(text: string, secrets: string[]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `output contains the secret ${JSON.stringify(secret)}:\n${text}`);
}
