// The stand-alone health check (src/cli/healthcheck.ts) reads its two settings itself: the same
// default and the same rules as the daemon's loader, and it loads no other part of the program.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_HTTP_PORT, healthcheckHost, judge, parseHttpPort } from '../../src/cli/healthcheck.js';
import { HEALTHCHECK_USAGE } from '../../src/cli/usage.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { SETTINGS } from '../../src/config/settings.js';

const DIST_CLI = path.join(import.meta.dirname, '..', '..', 'src', 'cli');

test('the default port is the daemon\'s, and it is none of Pocket ID\'s (1411, 9464)', () => {
  assert.equal(String(DEFAULT_HTTP_PORT), SETTINGS.find((s) => s.name === 'LDAP_SYNC_HTTP_PORT')?.default);
  assert.ok(![1411, 9464].includes(DEFAULT_HTTP_PORT));
});

test('LDAP_SYNC_HTTP_PORT: the same value, or the same refusal, as the daemon\'s loader', () => {
  for (const raw of [undefined, '', '0', '9474', ' 9600 ', '65535', '65536', '-1', 'abc', '1.5', '0x10', '1e3']) {
    let daemon: number | string;
    try {
      daemon = loadConfig({ LDAP_SYNC_HTTP_PORT: raw }).service.httpPort;
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      daemon = error.problems.join('; ');
    }
    assert.equal(parseHttpPort(raw), daemon, JSON.stringify(raw));
  }
});

test('a wildcard or empty LDAP_SYNC_HTTP_ADDRESS means loopback; a specific address is used as is', () => {
  assert.deepEqual(['', undefined, '0.0.0.0', '::', '[::]', ' 0.0.0.0 ', '127.0.0.2', '::1', '[::1]', 'svc.ns.svc'].map(healthcheckHost), ['127.0.0.1', '127.0.0.1', '127.0.0.1', '::1', '::1', '127.0.0.1', '127.0.0.2', '::1', '::1', 'svc.ns.svc']);
});

test('judge(): 200 is ready (naming a non-"ready" status), anything else is not, with the daemon\'s reason', () => {
  const url = 'http://127.0.0.1:9474/readyz';
  assert.deepEqual(judge(url, { status: 200, body: '{"status":"ready"}' }), { ready: true, line: `ready: ${url} answered 200` });
  assert.deepEqual(judge(url, { status: 200, body: '{"status":"disabled","reason":"idle"}' }), { ready: true, line: `ready: ${url} answered 200 (disabled: idle)` });
  assert.deepEqual(judge(url, { status: 503, body: '{"status":"not ready","reason":"the last sync run failed"}' }), { ready: false, line: `not ready: ${url} answered 503: the last sync run failed` });
  assert.deepEqual(judge(url, { status: 500, body: 'boom\n' }), { ready: false, line: `not ready: ${url} answered 500 boom` });
});

test('healthcheck.js loads node:http, its help text and the dependency-free errorMessage() only, never the settings loader', () => {
  const importsOf = (file: string) => [...readFileSync(path.join(DIST_CLI, file), 'utf8').matchAll(/^\s*import\b[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  assert.deepEqual(importsOf('healthcheck.js'), ['../log/error-message.js', './usage.js']);
  assert.deepEqual(importsOf(path.join('..', 'log', 'error-message.js')), []);
  assert.deepEqual(importsOf('usage.js'), []);
  assert.match(HEALTHCHECK_USAGE, new RegExp(`default ${DEFAULT_HTTP_PORT}\\)`));
  assert.match(readFileSync(path.join(DIST_CLI, 'healthcheck.js'), 'utf8'), /process\.getBuiltinModule\?\.\('node:http'\)/);
});
