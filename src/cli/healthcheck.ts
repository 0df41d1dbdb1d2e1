#!/usr/bin/env node
// `pocket-id-ldap-sync healthcheck`, also run on its own by the chart's `helm test` pod
// (node dist/src/cli/healthcheck.js). The image's HEALTHCHECK runs scripts/healthcheck.sh instead,
// the same check in bash, because any Node.js start costs 43 MB. Kept cheap all the same: it loads
// nothing but node:http, its help text and the dependency-free errorMessage(): no settings loader, no logger, no
// database driver. It reads its two settings itself, with the daemon's default and rules
// (src/config/settings.ts; test/unit/healthcheck.test.ts holds the two together).
import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../log/error-message.js';
import { HEALTHCHECK_USAGE } from './usage.js';

// Not `import http from 'node:http'`: on Node 22 an ES-module import of a built-in module costs
// about 12 MB more resident memory per process than getBuiltinModule() (57 vs 46 MB measured).
// Node before 20.16 has no getBuiltinModule(): the import then.
const http = process.getBuiltinModule?.('node:http') ?? (await import('node:http')).default;

/** LDAP_SYNC_HTTP_PORT's default, as in src/config/settings.ts. */
export const DEFAULT_HTTP_PORT = 9474;
const TIMEOUT_MS = 5000;
const READY = 0;
/** Anything but ready. Never 2: Docker reserves it. */
const NOT_READY = 1;

/** LDAP_SYNC_HTTP_PORT as the daemon reads it: empty means the default; else a whole number 0-65535. */
export function parseHttpPort(raw: string | undefined): number | string {
  if (raw === undefined || raw === '') return DEFAULT_HTTP_PORT;
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < 0 || value > 65535) return `LDAP_SYNC_HTTP_PORT: "${raw}" is not a whole number from 0 to 65535`;
  return value;
}

/** The daemon listens on a wildcard address (all interfaces) unless told otherwise: reach it over loopback then. */
export function healthcheckHost(address: string | undefined): string {
  const bare = (address ?? '').trim().replace(/^\[(.*)\]$/, '$1');
  if (bare === '' || bare === '0.0.0.0') return '127.0.0.1';
  if (bare === '::') return '::1';
  return bare;
}

function getReadyz(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false, so no kept-alive socket holds the process open after the answer.
    const req = http.get({ host, port, path: '/readyz', agent: false, headers: { accept: 'application/json' } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The one line for an answer, and whether it means ready. */
export function judge(url: string, answer: { status: number; body: string }): { ready: boolean; line: string } {
  let body: { status?: unknown; reason?: unknown } = {};
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    // Not the daemon's JSON: the status code alone decides.
  }
  const status = typeof body.status === 'string' ? body.status : '';
  const reason = typeof body.reason === 'string' ? `: ${body.reason}` : '';
  if (answer.status === 200) return { ready: true, line: `ready: ${url} answered 200${status !== '' && status !== 'ready' ? ` (${status}${reason})` : ''}` };
  return { ready: false, line: `not ready: ${url} answered ${answer.status}${reason !== '' ? reason : ` ${answer.body.trim().slice(0, 200)}`}` };
}

/** The command: exit status 0 when /readyz answers 200, else 1. */
export async function healthcheck(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const say = (line: string) => process.stdout.write(line + '\n');
  if (args.length === 1 && (args[0] === '-h' || args[0] === '--help')) {
    process.stdout.write(HEALTHCHECK_USAGE);
    return READY;
  }
  if (args.length > 0) {
    process.stderr.write(`Unknown option '${args[0]}'\n\n${HEALTHCHECK_USAGE}`);
    return NOT_READY;
  }
  const port = parseHttpPort(env.LDAP_SYNC_HTTP_PORT);
  if (typeof port === 'string') {
    say(`not ready: cannot tell: ${port}`);
    return NOT_READY;
  }
  if (port === 0) {
    say('not ready: cannot tell: the HTTP server is off (LDAP_SYNC_HTTP_PORT=0); set a port or turn the container health check off');
    return NOT_READY;
  }
  const host = healthcheckHost(env.LDAP_SYNC_HTTP_ADDRESS);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/readyz`;
  try {
    const { ready, line } = judge(url, await getReadyz(host, port));
    say(line);
    return ready ? READY : NOT_READY;
  } catch (error) {
    say(`not ready: cannot reach ${url}: ${errorMessage(error)}`);
    return NOT_READY;
  }
}

// Run directly (node .../healthcheck.js), not imported by main.js. (import.meta.filename needs 20.11.)
if (process.argv[1] === decodeURIComponent(new URL(import.meta.url).pathname)) process.exitCode = await healthcheck(process.argv.slice(2));
