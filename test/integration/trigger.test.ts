// A run now: SIGUSR1 and POST /sync to the real daemon process (node dist/src/cli/main.js run), over a
// real signal and real HTTP, against a real slapd and SQLite database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { startDaemon, type DaemonProcess } from '../support/daemon-process.js';
import { insertClient, insertSessions, sessionRows } from '../support/oauth-sessions.js';
import { freePort } from '../support/ports.js';
import { stopAllSlapd } from '../support/slapd.js';
import { ldapAdmin, startFixture, type SyncFixture } from '../support/sync-harness.js';

after(() => stopAllSlapd());

const TOKEN = 'trigger-' + randomBytes(16).toString('hex');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

async function post(port: number, headers: Record<string, string> = {}, method = 'POST'): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`http://127.0.0.1:${port}/sync`, { method, headers });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

async function daemon(fixture: SyncFixture, env: Record<string, string>): Promise<{ d: DaemonProcess; port: number }> {
  const port = await freePort();
  const d = startDaemon({ ...fixture.env, UI_CONFIG_DISABLED: 'true', LDAP_SYNC_SCHEDULE: '@every 1h', LDAP_SYNC_HTTP_PORT: String(port), LDAP_SYNC_HTTP_ADDRESS: '127.0.0.1', ...env });
  await d.waitFor(/INF Job run successfully/);
  return { d, port };
}

const jobLines = (d: DaemonProcess) => [...d.output().matchAll(new RegExp(`INF Starting job name=SyncLdap jobID=(${UUID})`, 'g'))].map((m) => m[1]!);

test('SIGUSR1 starts a run now (and never opens Node\'s debugger); a user removed from the directory loses their tokens in it', async () => {
  const fixture = await startFixture('sqlite');
  const { d } = await daemon(fixture, {});
  try {
    const bob = (await fixture.db.user('bob'))!.id;
    await insertClient(fixture.db, 'app-one', 'App One');
    const request = 'req-bob';
    await insertSessions(fixture.db, [
      { kind: 'access_token', requestId: request, clientId: 'app-one', subject: bob },
      { kind: 'refresh_token', requestId: request, clientId: 'app-one', subject: bob },
    ]);
    await ldapAdmin(fixture.slapd, (client) => client.del('uid=bob,ou=people,dc=example,dc=com'));

    const from = d.output().length;
    d.child.kill('SIGUSR1');
    const [requested] = await d.waitFor(new RegExp(`INF Sync requested: starting now name=SyncLdap source=SIGUSR1 jobID=(${UUID})`), { from });
    await d.waitFor(new RegExp(`INF Job run successfully name=SyncLdap jobID=${requested![1]} .*usersDisabled=1 .*sessionsRevoked=2 sessionsRevokedUsers=1`), { from });
    assert.deepEqual([...(await sessionRows(fixture.db)).values()].map((r) => [r.kind, r.active]), [['refresh_token', false]]);
    assert.doesNotMatch(d.output(), /Debugger listening|inspector/i);
    assert.equal(await d.stop(), 0);
  } finally {
    d.child.kill('SIGKILL');
    await fixture.done();
  }
});

test('POST /sync: 401 without or with a wrong bearer token, 405 for GET, 202 with the job id; the token never appears in output or metrics', async () => {
  const fixture = await startFixture('sqlite');
  const { d, port } = await daemon(fixture, { LDAP_SYNC_TRIGGER_TOKEN: TOKEN });
  try {
    const from = d.output().length;
    const missing = await post(port);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await post(port, { authorization: `Bearer ${TOKEN}x` })).status, 401);
    assert.equal((await post(port, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status, 401);
    assert.equal((await post(port, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status, 401);
    assert.equal((await post(port, { authorization: `Bearer ${TOKEN}` }, 'GET')).status, 405);
    assert.deepEqual(jobLines(d).length, 1, 'no refused request started a run');

    const accepted = await post(port, { authorization: `Bearer ${TOKEN}` });
    assert.equal(accepted.status, 202);
    assert.equal(accepted.json.state, 'started');
    assert.match(String(accepted.json.jobId), new RegExp(`^${UUID}$`));
    await d.waitFor(new RegExp(`INF Job run successfully name=SyncLdap jobID=${String(accepted.json.jobId)} `), { from });
    assert.match(d.output().slice(from), /INF Sync requested: starting now name=SyncLdap source="POST \/sync"/);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /pocket_id_ldap_sync_runs_total\{result="success"\} 2/);
    assert.equal(await d.stop(), 0);
    for (const text of [d.output(), metrics]) assert.ok(!text.includes(TOKEN) && !text.includes(TOKEN.slice(8)), 'the token leaked');
  } finally {
    d.child.kill('SIGKILL');
    await fixture.done();
  }
});

test('without LDAP_SYNC_TRIGGER_TOKEN, POST /sync is 404 (SIGUSR1 still works)', async () => {
  const fixture = await startFixture('sqlite');
  const { d, port } = await daemon(fixture, {});
  try {
    assert.equal((await post(port, { authorization: 'Bearer anything-at-all-here' })).status, 404);
    assert.match(d.output(), /endpoints=\/healthz,\/readyz,\/metrics\n/);
    assert.equal(await d.stop(), 0);
  } finally {
    d.child.kill('SIGKILL');
    await fixture.done();
  }
});

test('requests during a run (signals and HTTP) are coalesced into exactly one run after it; never two at once', async () => {
  const fixture = await startFixture('sqlite');
  const { d, port } = await daemon(fixture, { LDAP_SYNC_TRIGGER_TOKEN: TOKEN, LDAP_TIMEOUT: '20' });
  try {
    const from = d.output().length;
    // slapd frozen: the requested run hangs on LDAP until it is thawed.
    process.kill(fixture.slapd.pid, 'SIGSTOP');
    let thawed = false;
    let queuedId = '';
    try {
      d.child.kill('SIGUSR1');
      const [running] = await d.waitFor(new RegExp(`INF Starting job name=SyncLdap jobID=(${UUID})`), { from });
      d.child.kill('SIGUSR1');
      const queued = await post(port, { authorization: `Bearer ${TOKEN}` });
      d.child.kill('SIGUSR1');
      const queuedAgain = await post(port, { authorization: `Bearer ${TOKEN}` });
      const logged = await d.waitFor(new RegExp(`INF Sync requested: queued after the running sync name=SyncLdap source=(?:SIGUSR1|"POST /sync") jobID=(${UUID})`), { from, count: 4 });
      assert.equal(queued.status, 202);
      assert.equal(queued.json.state, 'queued');
      assert.deepEqual(new Set([...logged.map((m) => m[1]), queued.json.jobId, queuedAgain.json.jobId]), new Set([queued.json.jobId]), 'one queued run for all four');
      assert.notEqual(queued.json.jobId, running![1]);
      queuedId = String(queued.json.jobId);
      process.kill(fixture.slapd.pid, 'SIGCONT');
      thawed = true;
      await d.waitFor(new RegExp(`INF Job run successfully name=SyncLdap jobID=${String(queued.json.jobId)} `), { from });
    } finally {
      if (!thawed) process.kill(fixture.slapd.pid, 'SIGCONT');
    }
    // A marker run after the follow-up: any extra run would have started before it.
    const marker = await post(port, { authorization: `Bearer ${TOKEN}` });
    assert.equal(marker.json.state, 'started');
    await d.waitFor(new RegExp(`INF Job run successfully name=SyncLdap jobID=${String(marker.json.jobId)} `), { from });
    const jobs = jobLines(d);
    assert.equal(jobs.length, 4, `initial, requested, one coalesced follow-up, marker: ${jobs.join(' ')}`);
    assert.deepEqual(jobs.slice(2), [queuedId, marker.json.jobId]);
    // Never two at once: every "Starting job" after the first comes after the previous run's end line.
    const events = [...d.output().matchAll(/INF (Starting job|Job run successfully|Job failed) name=/g)].map((m) => m[1]);
    assert.deepEqual(events, ['Starting job', 'Job run successfully', 'Starting job', 'Job run successfully', 'Starting job', 'Job run successfully', 'Starting job', 'Job run successfully']);
    assert.equal(await d.stop(), 0);
  } finally {
    d.child.kill('SIGKILL');
    await fixture.done();
  }
});
