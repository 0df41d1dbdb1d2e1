// The plain deployments under deploy/: the systemd unit (systemd-analyze verify, its Node.js
// version check run for real, the credentials) and the Compose override that adds the daemon to an
// existing Pocket ID project (its structure; Docker is not on the test machines, so it is not run).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { SETTINGS } from '../../src/config/settings.js';
import { skipUnlessCi } from '../support/requirement.js';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const UNIT = path.join(ROOT, 'deploy', 'systemd', 'pocket-id-ldap-sync.service');
const OVERRIDE = path.join(ROOT, 'deploy', 'compose', 'docker-compose.override.yml');
const unitText = readFileSync(UNIT, 'utf8');

/** Every value of one directive in the unit, in order. */
function directive(name: string): string[] {
  return [...unitText.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

test('systemd unit: systemd-analyze verify finds nothing to say', { skip: skipUnlessCi(systemdAnalyze === undefined && 'systemd-analyze is not installed (scripts/install-test-deps.sh installs it as root)') }, () => {
  const result = spawnSync(systemdAnalyze!, ['verify', '--man=no', UNIT], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.trim(), '');
});

test('systemd unit: runs the node found on its PATH, never a fixed /usr/bin/node', () => {
  assert.deepEqual(directive('ExecStart'), ['/usr/bin/env node --expose-gc /opt/pocket-id-ldap-sync/dist/src/cli/main.js run']);
  assert.deepEqual(directive('Environment').filter((e) => e.startsWith('PATH=')), ['PATH=/usr/local/bin:/usr/bin:/bin']);
  assert.doesNotMatch(unitText, /^Exec\w*=\/usr\/bin\/node /m);
});

/** The script of the version check, as systemd hands it to node: one double-quoted word. */
function versionCheckScript(): string {
  const [pre] = directive('ExecStartPre');
  const match = /^\/usr\/bin\/env node -e "([^"]*)"$/.exec(pre ?? '');
  assert.ok(match, `ExecStartPre=${pre}`);
  // Inside the quotes systemd would expand $ and %, and treat \ as an escape: none may be there.
  assert.doesNotMatch(match[1]!, /[$%\\]/);
  return match[1]!;
}

function runVersionCheck(version: string): { status: number | null; stderr: string } {
  const pretend = `Object.defineProperty(process.versions, 'node', { value: '${version}' });`;
  const result = spawnSync(process.execPath, ['-e', pretend + versionCheckScript()], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

test('systemd unit: the Node.js check refuses 18 and 20.8 with a clear message and exit 2, accepts 20.9 and later', () => {
  for (const old of ['18.19.0', '20.8.1', '16.20.2']) {
    const result = runVersionCheck(old);
    assert.equal(result.status, 2, old);
    assert.match(result.stderr, new RegExp(`needs Node\\.js 20\\.9 or later; .* is v${old.replace(/\./g, '\\.')} \\(install Node\\.js 22`));
  }
  for (const fine of ['20.9.0', '20.20.2', '22.23.3', '24.0.0']) assert.deepEqual(runVersionCheck(fine), { status: 0, stderr: '' }, fine);
  assert.equal(directive('RestartPreventExitStatus')[0], '2', 'exit 2 is not restarted');
});

test('systemd unit: the bind password and the database connection string come from systemd credentials', () => {
  assert.deepEqual(directive('LoadCredential'), [
    'ldap-bind-password:/etc/pocket-id-ldap-sync/ldap-bind-password',
    'db-connection-string:/etc/pocket-id-ldap-sync/db-connection-string',
  ]);
  const env = directive('Environment');
  assert.ok(env.includes('LDAP_BIND_PASSWORD_FILE=%d/ldap-bind-password'));
  assert.ok(env.includes('DB_CONNECTION_STRING_FILE=%d/db-connection-string'));
  assert.ok(!env.some((e) => /^(LDAP_BIND_PASSWORD|DB_CONNECTION_STRING)=/.test(e)), 'no secret in the unit itself');
  assert.deepEqual(directive('After'), ['network-online.target pocket-id.service postgresql.service']);
  assert.ok(!directive('MemoryDenyWriteExecute').length, "V8 cannot run under MemoryDenyWriteExecute");
});

type Service = {
  image?: string;
  user?: string;
  read_only?: boolean;
  env_file?: string[];
  environment?: Record<string, unknown>;
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
  depends_on?: string[];
  [key: string]: unknown;
};
const override = YAML.parse(readFileSync(OVERRIDE, 'utf8')) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };

test('compose override: adds only the lock-mode variables to Pocket ID, nothing that replaces its image, volumes, ports or .env', () => {
  assert.deepEqual(Object.keys(override.services).sort(), ['ldap-sync', 'pocket-id']);
  const pocketId = override.services['pocket-id']!;
  assert.deepEqual(Object.keys(pocketId), ['environment']);
  assert.deepEqual(pocketId.environment, {
    UI_CONFIG_DISABLED: 'true',
    LDAP_ENABLED: 'true',
    LDAP_URL: 'ldapi://%2Fnonexistent%2Fpocket-id-ldap-sync-owns-ldap',
  });
});

test("compose override: the daemon reads Pocket ID's ./data SQLite as UID 1000, with its own env file and the password as a secret", () => {
  const sync = override.services['ldap-sync']!;
  assert.deepEqual(sync.volumes, ['./data:/app/data'], "the bind mount of Pocket ID's own compose file");
  assert.equal(sync.environment?.DB_CONNECTION_STRING, '/app/data/pocket-id.db');
  assert.equal(sync.user, '1000:1000');
  assert.equal(sync.read_only, true);
  assert.deepEqual(sync.env_file, ['ldap-sync.env'], "its own file, never Pocket ID's .env");
  assert.equal(sync.environment?.UI_CONFIG_DISABLED, 'true');
  assert.equal(sync.environment?.LDAP_BIND_PASSWORD_FILE, '/run/secrets/ldap_bind_password');
  assert.deepEqual(sync.secrets, ['ldap_bind_password']);
  assert.deepEqual(override.secrets, { ldap_bind_password: { file: './ldap_bind_password' } });
  assert.deepEqual(sync.depends_on, ['pocket-id']);
  // The env file it names is the one the docs tell you to copy, and it holds no password.
  const env = readFileSync(path.join(ROOT, 'deploy', 'ldap-sync.env'), 'utf8');
  assert.doesNotMatch(env, /^LDAP_BIND_PASSWORD=/m);
});

test('compose override: every environment value is a string Pocket ID accepts, and no port is one Pocket ID uses', () => {
  for (const [name, service] of Object.entries(override.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      assert.equal(typeof value, 'string', `${name}.${key}: Compose wants strings (quote booleans)`);
      if (/^(UI_CONFIG_DISABLED|LDAP_ENABLED)$/.test(key)) assert.match(value as string, /^(true|false)$/, `${name}.${key}`);
    }
  }
  const sync = override.services['ldap-sync']!;
  const httpPort = String(sync.environment?.LDAP_SYNC_HTTP_PORT ?? SETTINGS.find((s) => s.name === 'LDAP_SYNC_HTTP_PORT')?.default);
  assert.deepEqual(sync.ports, [`127.0.0.1:${httpPort}:${httpPort}`], 'the port the daemon listens on, published on this host only');
  for (const port of ['1411', '9464']) assert.notEqual(httpPort, port, `port ${port} belongs to Pocket ID`);
});
