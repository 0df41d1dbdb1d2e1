import net from 'node:net';

/**
 * A TCP proxy in front of slapd that drops the connection the moment the
 * client sends a request containing `marker` (for example the group filter):
 * a network failure at an exact point of a run, without racing the clock.
 *
 * onRequest() runs an action instead (kill slapd, restart something) at the
 * n-th request containing a marker, holding that request until the action
 * has finished and forwarding it afterwards if the server is still there.
 * Everything clients send is recorded (sent()), to prove what never went over
 * the wire.
 */
export interface CuttingProxy {
  url: string;
  /** Arms the proxy: the next client chunk containing this text closes both sides. */
  cutOn(marker: string | null): void;
  cuts: number;
  /**
   * Runs `action` when a client sends the `occurrence`-th chunk (default the
   * first) containing `marker`, before that chunk is forwarded. One-shot.
   * The returned promise settles when the action has run (with its error).
   */
  onRequest(marker: string, action: () => void | Promise<void>, options?: { occurrence?: number }): Promise<void>;
  /** Every byte clients have sent through the proxy so far, in order. */
  sent(): Buffer;
  /** Connections clients have opened through the proxy. */
  connections: number;
  close(): Promise<void>;
}

interface Trigger {
  marker: Buffer;
  remaining: number;
  action: () => void | Promise<void>;
  settle: (error?: unknown) => void;
}

/** `listenHost`: the address to listen on and to name in `url` (default 127.0.0.1). */
export async function startCuttingProxy(target: string, options: { listenHost?: string } = {}): Promise<CuttingProxy> {
  const listenHost = options.listenHost ?? '127.0.0.1';
  const { hostname, port } = new URL(target);
  let marker: Buffer | null = null;
  const triggers: Trigger[] = [];
  const traffic: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const proxy: CuttingProxy = {
    url: '',
    cuts: 0,
    connections: 0,
    cutOn: (text) => (marker = text === null ? null : Buffer.from(text, 'utf8')),
    onRequest: (text, action, options = {}) =>
      new Promise<void>((resolve, reject) => {
        triggers.push({
          marker: Buffer.from(text, 'utf8'),
          remaining: options.occurrence ?? 1,
          action,
          settle: (error) => (error === undefined ? resolve() : reject(error)),
        });
      }),
    sent: () => Buffer.concat(traffic),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  /** The trigger this chunk fires, if any (counting every armed trigger's occurrences). */
  const fired = (chunk: Buffer): Trigger | undefined => {
    for (const trigger of triggers) {
      if (!chunk.includes(trigger.marker)) continue;
      trigger.remaining -= 1;
      if (trigger.remaining === 0) {
        triggers.splice(triggers.indexOf(trigger), 1);
        return trigger;
      }
    }
    return undefined;
  };

  const server = net.createServer((client) => {
    proxy.connections += 1;
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    // Chunks are handled one at a time, in order, even while an action runs.
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      traffic.push(chunk);
      if (marker && chunk.includes(marker)) {
        proxy.cuts += 1;
        drop();
        return;
      }
      const trigger = fired(chunk);
      if (!trigger) {
        queue = queue.then(() => {
          if (!upstream.destroyed) upstream.write(chunk);
        });
        return;
      }
      client.pause();
      queue = queue.then(async () => {
        try {
          await trigger.action();
          trigger.settle();
        } catch (error) {
          trigger.settle(error);
        }
        if (!upstream.destroyed) upstream.write(chunk);
        client.resume();
      });
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, resolve);
  });
  const shownHost = net.isIPv6(listenHost) ? `[${listenHost}]` : listenHost;
  proxy.url = `ldap://${shownHost}:${(server.address() as net.AddressInfo).port}`;
  return proxy;
}
