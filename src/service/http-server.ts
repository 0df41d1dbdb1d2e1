import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.js';
import { errorMessage } from '../log/error-message.js';
import { bearerTokenMatches, type RunRequestResult } from './trigger.js';

export interface HealthEndpoints {
  readiness(): Readiness;
  metrics(): Promise<string>;
  metricsContentType: string;
  /** POST /sync, only when LDAP_SYNC_TRIGGER_TOKEN is set: the token and what a request does. */
  sync?: { token: string; request(): RunRequestResult };
}

export interface RunningHttpServer {
  /** Where it listens, e.g. "0.0.0.0:9474" or "[::]:9474". */
  address: string;
  port: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: http.ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/**
 * POST /sync with "Authorization: Bearer <token>": 202 and the job id of the
 * run it started or joined; 401 without the right token (the token is never
 * echoed or logged); 404 when no token is configured.
 */
function handleSync(req: http.IncomingMessage, res: http.ServerResponse, sync: HealthEndpoints['sync']): void {
  // The body means nothing; read it away so the connection can be reused.
  req.resume();
  if (!sync) {
    send(res, 404, JSON_TYPE, JSON.stringify({ error: 'not found: POST /sync is off (LDAP_SYNC_TRIGGER_TOKEN is not set)' }) + '\n', false);
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    send(res, 405, JSON_TYPE, JSON.stringify({ error: 'method not allowed' }) + '\n', req.method === 'HEAD');
    return;
  }
  if (!bearerTokenMatches(req.headers.authorization, sync.token)) {
    res.setHeader('www-authenticate', 'Bearer');
    send(res, 401, JSON_TYPE, JSON.stringify({ error: 'missing or wrong bearer token' }) + '\n', false);
    return;
  }
  const result = sync.request();
  if (!result.accepted) {
    send(res, 503, JSON_TYPE, JSON.stringify({ error: result.reason }) + '\n', false);
    return;
  }
  send(res, 202, JSON_TYPE, JSON.stringify({ jobId: result.jobId, state: result.state }) + '\n', false);
}

/**
 * /healthz: 200 while the process runs. /readyz: 200 or 503 with a JSON body
 * (HealthState). /metrics: Prometheus text. GET and HEAD only, but for
 * POST /sync (handleSync); plain node:http.
 */
export function startHttpServer(port: number, host: string, endpoints: HealthEndpoints): Promise<RunningHttpServer> {
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/sync') {
      handleSync(req, res, endpoints.sync);
      return;
    }
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, JSON_TYPE, JSON.stringify({ error: 'method not allowed' }) + '\n', false);
      return;
    }
    switch (path) {
      case '/healthz':
        send(res, 200, JSON_TYPE, JSON.stringify({ status: 'ok' }) + '\n', head);
        return;
      case '/readyz': {
        const { ready, body } = endpoints.readiness();
        send(res, ready ? 200 : 503, JSON_TYPE, JSON.stringify(body) + '\n', head);
        return;
      }
      case '/metrics':
        endpoints.metrics().then(
          (text) => send(res, 200, endpoints.metricsContentType, text, head),
          (error: unknown) => send(res, 500, 'text/plain; charset=utf-8', `cannot collect metrics: ${errorMessage(error)}\n`, head),
        );
        return;
      default:
        send(res, 404, JSON_TYPE, JSON.stringify({ error: 'not found', endpoints: ['/healthz', '/readyz', '/metrics'] }) + '\n', head);
    }
  });
  // Probes and scrapers keep connections open; they must not hold up shutdown for long.
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host !== '' ? { host } : {}) }, () => {
      server.off('error', reject);
      const info = server.address() as AddressInfo;
      resolve({
        address: info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
