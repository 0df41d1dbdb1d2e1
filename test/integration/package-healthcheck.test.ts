// The two health checks: scripts/healthcheck.sh (bash alone), what the Docker image's HEALTHCHECK
// runs, and dist/src/cli/healthcheck.js, what the chart's `helm test` pod runs and
// `pocket-id-ldap-sync healthcheck` delegates to. Each as a child process against the same stand-in
// HTTP servers (what it asks, how it reads the answers, time-outs) and against the real daemon
// (`run`) syncing the test directory into a SQLite test database: the same lines, the same exit status.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { testEnv } from '../support/sync-harness.js';
import { createTestDatabase } from '../support/test-database.js';
import { freePort } from '../support/ports.js';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
const HEALTHCHECK = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'healthcheck.js');
const SCRIPT = path.join(import.meta.dirname, '..', '..', '..', 'scripts', 'healthcheck.sh');
type Check = 'healthcheck.sh' | 'healthcheck.js';
const CHECKS: Check[] = ['healthcheck.sh', 'healthcheck.js'];

const children = new Set<ChildProcess>();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await stopAllSlapd();
});

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** bash healthcheck.sh [args], node healthcheck.js [args], or (main) node main.js healthcheck [args]. */
function healthcheck(env: Record<string, string>, args: string[] = [], check: Check | 'main' = 'healthcheck.js'): Promise<Result> {
  const started = Date.now();
  const [file, ...argv] = check === 'healthcheck.sh' ? ['bash', SCRIPT] : check === 'main' ? [process.execPath, MAIN, 'healthcheck'] : [process.execPath, HEALTHCHECK];
  return new Promise((resolve) => {
    execFile(file ?? '', [...argv, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

interface StandIn {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP server that records "METHOD path" and answers every request with `status` and `body`. */
function standIn(status: number, body: string, host = '127.0.0.1'): Promise<StandIn> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}


for (const check of CHECKS) {
  const hc = (env: Record<string, string>, args: string[] = []) => healthcheck(env, args, check);

  test(`${check}: 200 from /readyz: exit 0, one line naming the URL; it asks GET /readyz and nothing else`, async () => {
    const server = await standIn(200, JSON.stringify({ status: 'ready', lastRun: null }));
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port) });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, `ready: http://127.0.0.1:${server.port}/readyz answered 200\n`);
      assert.equal(r.stderr, '');
      assert.deepEqual(server.requests, ['GET /readyz']);
    } finally {
      await server.close();
    }
  });

  test(`${check}: the idle daemon (LDAP_ENABLED=false answers 200 "disabled") counts as healthy and says so`, async () => {
    const server = await standIn(200, JSON.stringify({ status: 'disabled', reason: 'LDAP_ENABLED is not true: the daemon idles' }));
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port) });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^ready: .* answered 200 \(disabled: LDAP_ENABLED is not true: the daemon idles\)\n$/);
    } finally {
      await server.close();
    }
  });

  test(`${check}: 503 from /readyz: exit 1 with the reason the daemon gave`, async () => {
    const server = await standIn(503, JSON.stringify({ status: 'not ready', reason: 'the last sync run failed' }));
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port) });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, `not ready: http://127.0.0.1:${server.port}/readyz answered 503: the last sync run failed\n`);
    } finally {
      await server.close();
    }
  });

  test(`${check}: any other status, or a body that is not the daemon JSON, is not ready (exit 1)`, async () => {
    const server = await standIn(500, 'boom');
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port) });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /answered 500 boom\n$/);
    } finally {
      await server.close();
    }
  });

  test(`${check}: nothing listening: exit 1, "cannot reach"`, async () => {
    const port = await freePort();
    const r = await hc({ LDAP_SYNC_HTTP_PORT: String(port) });
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^not ready: cannot reach http://127\\.0\\.0\\.1:${port}/readyz: .*(ECONNREFUSED|Connection refused)`));
  });

  test(`${check}: a server that accepts and never answers: exit 1 after 5 s`, async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String((server.address() as net.AddressInfo).port) });
      assert.equal(r.code, 1);
      assert.match(r.stdout, /cannot reach .*: no answer within 5 s\n$/);
      assert.ok(r.ms >= 4900 && r.ms < 9000, `took ${r.ms} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test(`${check}: LDAP_SYNC_HTTP_ADDRESS: a specific address is used as is, wildcard addresses mean loopback`, async () => {
    const server = await standIn(200, JSON.stringify({ status: 'ready' }));
    try {
      for (const address of ['127.0.0.1', '0.0.0.0', '']) {
        const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port), LDAP_SYNC_HTTP_ADDRESS: address });
        assert.equal(r.code, 0, `address "${address}": ${r.stdout}`);
        assert.match(r.stdout, /http:\/\/127\.0\.0\.1:/);
      }
      // 127.0.0.2 is loopback too, but nothing listens there on this port.
      const other = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.2' });
      assert.equal(other.code, 1);
      assert.match(other.stdout, /cannot reach http:\/\/127\.0\.0\.2:/);
    } finally {
      await server.close();
    }
    let v6: StandIn | undefined;
    try {
      v6 = await standIn(200, JSON.stringify({ status: 'ready' }), '::1');
    } catch {
      return; // no IPv6 loopback on this machine
    }
    try {
      for (const address of ['::', '[::]', '::1']) {
        const r = await hc({ LDAP_SYNC_HTTP_PORT: String(v6.port), LDAP_SYNC_HTTP_ADDRESS: address });
        assert.equal(r.code, 0, `address "${address}": ${r.stdout}`);
        assert.match(r.stdout, /http:\/\/\[::1\]:/);
      }
    } finally {
      await v6.close();
    }
  });

  test(`${check}: exit status is 0 or 1 only, never 2 (Docker reserves it): port 0, a bad port, a bad option; --help exits 0`, async () => {
    const off = await hc({ LDAP_SYNC_HTTP_PORT: '0' });
    assert.equal(off.code, 1);
    assert.match(off.stdout, /HTTP server is off \(LDAP_SYNC_HTTP_PORT=0\)/);
    const bad = await hc({ LDAP_SYNC_HTTP_PORT: 'abc' });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /LDAP_SYNC_HTTP_PORT: "abc" is not a whole number/);
    const option = await hc({}, ['--bogus']);
    assert.equal(option.code, 1);
    assert.match(option.stderr, /Unknown option '--bogus'/);
    const help = await hc({}, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, check === 'healthcheck.sh' ? /^Usage: healthcheck\.sh / : /^Usage: pocket-id-ldap-sync healthcheck\n/);
    assert.match(help.stdout, /Exit status: 0 ready/);
  });

}

test('`pocket-id-ldap-sync healthcheck` delegates to healthcheck.js: the same lines and exit status', async () => {
  for (const [status, body] of [[200, '{"status":"ready"}'], [503, '{"status":"not ready","reason":"the last sync run failed"}']] as const) {
    const server = await standIn(status, body);
    try {
      const direct = await healthcheck({ LDAP_SYNC_HTTP_PORT: String(server.port) });
      const viaMain = await healthcheck({ LDAP_SYNC_HTTP_PORT: String(server.port) }, [], 'main');
      assert.deepEqual({ code: viaMain.code, stdout: viaMain.stdout }, { code: direct.code, stdout: direct.stdout });
      assert.equal(direct.code, status === 200 ? 0 : 1);
    } finally {
      await server.close();
    }
  }
  const help = await healthcheck({}, ['--help'], 'main');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: pocket-id-ldap-sync healthcheck\n/);
  const bogus = await healthcheck({}, ['--bogus'], 'main');
  assert.equal(bogus.code, 1);
});

for (const check of CHECKS) {
  const hc = (env: Record<string, string>, args: string[] = []) => healthcheck(env, args, check);

  test(`${check}: it reads no other setting: a configuration the daemon would refuse does not matter`, async () => {
    const server = await standIn(200, JSON.stringify({ status: 'ready' }));
    try {
      const r = await hc({ LDAP_SYNC_HTTP_PORT: String(server.port), LDAP_ENABLED: 'true', LDAP_SYNC_PAGE_SIZE: 'abc', LDAP_BIND_PASSWORD_FILE: '/nonexistent' });
      assert.equal(r.code, 0, r.stdout);
    } finally {
      await server.close();
    }
  });

}

test('healthcheck.sh reads LDAP_SYNC_HTTP_PORT as healthcheck.js does, in decimal digits; other number forms it cannot tell', async () => {
  const port = await freePort();
  const upToReason = (line: string) => line.replace(/(cannot reach \S+:).*/, '$1').replace(' (in decimal digits)', '');
  for (const raw of [String(port), ` ${port} `, '  ', `00${port}`, '0', '65536', '-1', 'abc', '1.5', '99999999999']) {
    const [sh, js] = await Promise.all(CHECKS.map((check) => healthcheck({ LDAP_SYNC_HTTP_PORT: raw, LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1' }, [], check)));
    assert.equal(sh?.code, js?.code, JSON.stringify(raw));
    assert.equal(upToReason(sh?.stdout ?? ''), upToReason(js?.stdout ?? ''), JSON.stringify(raw));
  }
  // The daemon takes 1e3 and 0x10 as ports (JavaScript's Number()); the script says it cannot tell.
  for (const raw of ['1e3', '0x10']) {
    const sh = await healthcheck({ LDAP_SYNC_HTTP_PORT: raw }, [], 'healthcheck.sh');
    assert.equal(sh.code, 1);
    assert.equal(sh.stdout, `not ready: cannot tell: LDAP_SYNC_HTTP_PORT: "${raw}" is not a whole number from 0 to 65535 (in decimal digits)\n`);
  }
});

test('against the real daemon: not ready before and after a failed run, ready after a committed sync', async () => {
  const slapd = await startSlapd();
  const db = await createTestDatabase('sqlite');
  const port = await freePort();
  const env = testEnv(slapd, db, { LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1', UI_CONFIG_DISABLED: 'true' });

  const daemon = (overrides: Record<string, string>) => {
    const child = spawn(process.execPath, [MAIN, 'run'], { env: { PATH: process.env.PATH ?? '', ...env, ...overrides }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no ${pattern} in:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const stop = async () => {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      children.delete(child);
    };
    return { waitFor, stop };
  };

  try {
    // LDAP refuses connections: the first run fails, the daemon keeps serving HTTP.
    const refused = await freePort();
    const failing = daemon({ LDAP_URL: `ldap://127.0.0.1:${refused}`, LDAP_SYNC_RETRY_DELAY: '3600' });
    await failing.waitFor(/ERR Job failed name=SyncLdap/);
    for (const check of CHECKS) {
      const bad = await healthcheck({ LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1' }, [], check);
      assert.equal(bad.code, 1, check);
      assert.equal(bad.stdout, `not ready: http://127.0.0.1:${port}/readyz answered 503: the last sync run failed\n`, check);
    }
    await failing.stop();

    const good = daemon({});
    await good.waitFor(/INF Job run successfully name=SyncLdap/);
    for (const check of CHECKS) {
      const ok = await healthcheck({ LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1' }, [], check);
      assert.equal(ok.code, 0, `${check}: ${ok.stdout}`);
      assert.equal(ok.stdout, `ready: http://127.0.0.1:${port}/readyz answered 200\n`, check);
    }
    assert.ok((await db.users()).length > 0);
    await good.stop();
  } finally {
    await db.close();
  }
});
