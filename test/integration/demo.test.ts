// `npm run demo` (scripts/demo.sh), run for real: its tables, its skipped entry, its cleanup.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const DEMO_BUDGET_MS = 60_000;

interface DemoRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

/**
 * Runs the demo in its own process group, as a terminal would. With `interruptAt`, the whole group gets SIGINT
 * (Ctrl-C) as soon as the output contains that text.
 */
function runDemo(interruptAt?: string): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['scripts/demo.sh'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let interrupted = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (interruptAt !== undefined && !interrupted && output.includes(interruptAt) && child.pid !== undefined) {
        interrupted = true;
        process.kill(-child.pid, 'SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output, ms: performance.now() - started }));
  });
}

/** Live processes (not zombies) whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function isLiveSlapd(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.includes('(slapd)') && !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** The demo's temp directory and slapd PID, from its own output. */
function leftovers(output: string): { work: string; slapdPid: number } {
  const work = /^Working directory: (\S+)$/m.exec(output)?.[1];
  const slapdPid = Number(/^slapd \(pid (\d+)\) serves /m.exec(output)?.[1]);
  assert.ok(work && slapdPid > 0, `the demo names its working directory and slapd:\n${output}`);
  return { work, slapdPid };
}

function assertCleanedUp(output: string): void {
  const { work, slapdPid } = leftovers(output);
  assert.ok(!isLiveSlapd(slapdPid), `slapd ${slapdPid} is still running`);
  assert.deepEqual(processesMentioning(work), [], 'no process of the demo survives');
  assert.ok(!existsSync(work), `${work} was removed`);
}

describe('npm run demo', () => {
  test('syncs Example Corp into an empty SQLite database and prints users, groups and admins', { timeout: 180_000 }, async () => {
    const run = await runDemo();
    process.stdout.write(`# demo wall time: ${(run.ms / 1000).toFixed(1)} s\n`);
    assert.equal(run.code, 0, run.output);
    const out = run.output;

    for (const heading of ['Preparing', 'Starting a throwaway LDAP directory', 'Creating an empty Pocket ID database', 'Dry run', '== Sync ==', "Pocket ID's database after the sync", 'Cleanup']) {
      assert.ok(out.includes(heading), `heading "${heading}"`);
    }
    // The dry run plans everything and writes nothing; the sync then does it.
    assert.match(out, /Dry run: nothing was written\./);
    assert.match(out, /Users: 14 created, 0 updated, 0 disabled, 0 re-enabled, 0 deleted, 0 unchanged, 1 skipped/);
    assert.match(out, /Groups: 4 created/);
    assert.match(out, /Memberships: 16 added, 0 removed/);
    // The sync's own log lines (their wording belongs to the CLI): the summary, and one WRN for the skip.
    assert.match(out, / INF .*usersCreated=14 .*groupsCreated=4 .*membershipsAdded=16/);

    // The one skipped entry, with its reason, in the plan and in the sync's log.
    assert.match(out, /^ {2}user {2}invalid-username {2}uid=priya sharma,ou=people,dc=example,dc=com {2}username "priya sharma" must use only/m);
    assert.match(out, /^.* WRN .*dn="uid=priya sharma,ou=people,dc=example,dc=com".*reason=invalid-username/m);

    const tables = out.slice(out.indexOf("Pocket ID's database after the sync"));
    assert.match(tables, /^Users \(14\)$/m);
    assert.match(tables, /^ {2}USERNAME +EMAIL +DISPLAY NAME +ADMIN +DISABLED$/m);
    assert.match(tables, /^ {2}alice\.martin +alice\.martin@example\.com +Alice Martin +yes +no$/m);
    assert.match(tables, /^ {2}lena\.johansson +lena\.johansson@example\.com +Lena Johansson +yes +no$/m);
    assert.match(tables, /^ {2}bob\.nguyen +bob\.nguyen@example\.com +Bob Nguyen +no +no$/m);
    assert.match(tables, /^ {2}hannah\.mueller +hannah\.mueller@example\.com +Hannah Müller +no +no$/m, 'UTF-8 names (base64 in the LDIF)');
    assert.match(tables, /^ {2}marco\.bianchi +marco\.bianchi@example\.com +Marco Bianchi +no +no$/m, 'display name from givenName + sn');
    assert.ok(!/priya/i.test(tables), 'the skipped entry is not in the database');
    assert.match(tables, /^Groups \(4\)$/m);
    assert.match(tables, /^ {2}admins +2: alice\.martin, lena\.johansson$/m);
    assert.match(tables, /^ {2}engineering +6: alice\.martin, bob\.nguyen, carol\.schmidt, david\.okafor, marco\.bianchi, nora\.walsh$/m);
    assert.match(tables, /^ {2}sales +4: emma\.rossi, farid\.haddad, grace\.kim, hannah\.mueller$/m);
    assert.match(tables, /^ {2}support +4: ivan\.petrov, julia\.santos, kenji\.tanaka, nora\.walsh$/m);
    const admins = tables.slice(tables.indexOf('Admins ('));
    assert.match(admins, /^Admins \(2\)$/m);
    assert.match(admins, /^ {2}alice\.martin +Alice Martin +alice\.martin@example\.com$/m);
    assert.match(admins, /^ {2}lena\.johansson +Lena Johansson +lena\.johansson@example\.com$/m);

    assert.match(out, /^Demo finished in \d+\.\d s\.$/m);
    assert.ok(run.ms < DEMO_BUDGET_MS, `the demo took ${run.ms.toFixed(0)} ms (budget ${DEMO_BUDGET_MS} ms)`);
    assert.ok(!/password|readerpw/i.test(out.replace('LDAP_BIND_PASSWORD=********', '')), 'the bind password is masked');
    assertCleanedUp(out);
  });

  test('Ctrl-C in the middle still stops slapd and removes the temp directory', { timeout: 180_000 }, async () => {
    const run = await runDemo('== Dry run');
    // Ctrl-C reaches the whole process group: whether bash or its node child sees it first
    // decides between 130 and 1. What must hold either way: a failure status and a full cleanup.
    assert.notEqual(run.code, 0, `a failure status after SIGINT\n${run.output}`);
    assert.match(run.output, /Demo FAILED \(exit status (130|1)\)/, `exit code ${run.code}, signal ${run.signal}; output:\n${run.output}`);
    assertCleanedUp(run.output);
  });
});
