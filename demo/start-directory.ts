/**
 * Starts the demo's throwaway slapd (test/support/slapd.ts) loaded with an LDIF file and keeps it running.
 *
 *   node dist/demo/start-directory.js demo/directory.ldif > directory.env
 *
 * Once slapd answers it prints KEY=VALUE lines (no quoting; the value is everything after the first "="),
 * ending with READY=1, for scripts/demo.sh to read. It then stays in the foreground until it gets SIGTERM,
 * SIGINT or SIGHUP, or until its parent process is gone (the demo script killed with SIGKILL): then slapd is
 * stopped and its temp directory (under $TMPDIR) removed.
 */
import { readFileSync } from 'node:fs';
import { startSlapd, stopAllSlapd } from '../test/support/slapd.js';

const PARENT_CHECK_MS = 500;

const ldifPath = process.argv[2];
if (ldifPath === undefined) {
  process.stderr.write('usage: start-directory.js DIRECTORY.ldif\n');
  process.exit(2);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopAllSlapd();
  process.exit(0);
}
// Registered before startSlapd() installs its own exit handlers, so this graceful stop runs first and the
// process waits for slapd to exit (and reaps it) instead of leaving it to whoever adopts it.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop());

const slapd = await startSlapd({ ldif: readFileSync(ldifPath, 'utf8') });

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, PARENT_CHECK_MS);

const lines: [string, string | number][] = [
  ['LDAP_URL', slapd.url],
  ['LDAP_BASE', slapd.baseDn],
  ['LDAP_BIND_DN', slapd.readerDn],
  ['LDAP_BIND_PASSWORD', slapd.readerPassword],
  ['LDAP_ADMIN_DN', slapd.adminDn],
  ['LDAP_ADMIN_PASSWORD', slapd.adminPassword],
  ['SLAPD_PID', slapd.pid],
  ['SLAPD_DIR', slapd.dir],
  ['READY', 1],
];
process.stdout.write(lines.map(([key, value]) => `${key}=${value}\n`).join(''));
