// The memory warning against a real limit: `sync` run inside a memory cgroup (test/support/cgroup.ts;
// root only), once with room to spare (no warning) and once with a limit just above the run's own
// peak (one WARN line naming the peak, that limit and what to raise). The container limit is read
// the way it is in a pod: through process.constrainedMemory(), libuv's reading of the cgroup.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { makeMemoryCgroup, memoryCgroupUnavailable } from '../support/cgroup.js';
import { startSlapd, stopAllSlapd } from '../support/slapd.js';
import { testEnv } from '../support/sync-harness.js';
import { createTestDatabase } from '../support/test-database.js';

const MAIN = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
const MIB = 1024 * 1024;

after(stopAllSlapd);

// Prints the process's peak resident memory (the kernel's high-water mark, KiB) when it exits.
const PRINT_MAX_RSS = `data:text/javascript,process.on('exit', () => process.stderr.write('maxRSS=' + process.resourceUsage().maxRSS + '\\n'))`;

async function syncIn(limitBytes: number, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const cgroup = makeMemoryCgroup(limitBytes);
  try {
    const child = cgroup.spawn(process.execPath, ['--import', PRINT_MAX_RSS, MAIN, 'sync'], { PATH: process.env.PATH ?? '', ...env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, out };
  } finally {
    cgroup.remove();
  }
}

test('a sync whose peak is near the cgroup memory limit warns once, naming peak, limit and what to raise', { skip: memoryCgroupUnavailable() ?? false }, async () => {
  const slapd = await startSlapd();
  const db = await createTestDatabase('sqlite');
  try {
    const env = testEnv(slapd, db, { UI_CONFIG_DISABLED: 'true' });
    const roomy = await syncIn(4096 * MIB, env);
    assert.equal(roomy.code, 0, roomy.out);
    assert.doesNotMatch(roomy.out, /WRN Memory peak/);
    const peakMib = Number(/^maxRSS=(\d+)$/m.exec(roomy.out)?.[1]) / 1024;
    assert.ok(peakMib > 20 && peakMib < 1024, roomy.out);

    // A limit just above that peak: warned, and still done. (Under the limit's pressure the kernel
    // evicts file-backed pages, so the run's resident peak comes out lower than with room to spare:
    // 83 against 93 MiB measured, hence a limit only 5% above.)
    const tightMib = Math.ceil(peakMib / 0.95);
    const tight = await syncIn(tightMib * MIB, env);
    assert.equal(tight.code, 0, tight.out);
    const warnings = tight.out.split('\n').filter((line) => line.includes(' WRN Memory peak'));
    assert.equal(warnings.length, 1, tight.out);
    assert.match(warnings[0] ?? '', new RegExp(`WRN Memory peak of the run is near the container's memory limit .*peak="\\d+ MiB resident" limit="${tightMib} MiB \\(cgroup memory limit\\)" raise="the container's memory limit \\(Helm: daemon\\.resources\\.limits\\.memory\\) to \\d+ MiB or more; docs/sizing\\.md"`));
  } finally {
    await db.close();
  }
});
