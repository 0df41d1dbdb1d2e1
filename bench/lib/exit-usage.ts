/**
 * Preloaded into a CLI child (`node --import …/exit-usage.js main.js …`): when the process exits, writes its
 * own CPU time and peak RSS to $BENCH_USAGE_OUT, so a run of the real CLI is measured like a run-one.js child
 * without changing src/.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_USAGE_OUT;
if (out) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKiB: usage.maxRSS }));
  });
}
