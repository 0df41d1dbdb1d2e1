import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './health.js';
import { errorMessage } from '../log/error-message.js';

export interface HealthEndpoints {
  readiness(): Readiness;
  metrics(): Promise<string>;
  metricsContentType: string;
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
 * /healthz: 200 while the process runs. /readyz: 200 or 503 with a JSON body
 * (HealthState). /metrics: Prometheus text. GET and HEAD only; plain node:http.
 */
export function startHttpServer(port: number, host: string, endpoints: HealthEndpoints): Promise<RunningHttpServer> {
  const server = http.createServer((req, res) => {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, JSON_TYPE, JSON.stringify({ error: 'method not allowed' }) + '\n', false);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
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
