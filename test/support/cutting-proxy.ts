import net from 'node:net';

/**
 * A TCP proxy in front of slapd that drops the connection the moment the
 * client sends a request containing `marker` (for example the group filter):
 * a network failure at an exact point of a run, without racing the clock.
 */
export interface CuttingProxy {
  url: string;
  /** Arms the proxy: the next client chunk containing this text closes both sides. */
  cutOn(marker: string | null): void;
  cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  let marker: Buffer | null = null;
  const sockets = new Set<net.Socket>();
  const proxy: CuttingProxy = {
    url: '',
    cuts: 0,
    cutOn: (text) => (marker = text === null ? null : Buffer.from(text, 'utf8')),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (marker && chunk.includes(marker)) {
        proxy.cuts += 1;
        drop();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `ldap://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}
