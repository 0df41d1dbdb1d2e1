import net from 'node:net';
import tls from 'node:tls';
import { Client, ResultCodeError } from 'ldapts';
import type { LdapSettings } from '../config/config.js';

export class LdapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LdapError';
  }
}

/** "invalid credentials (LDAP result 49)" rather than ldapts' " Code: 0x31". */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ResultCodeError) {
    const kind = error.constructor.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    const detail = error.message.replace(/\s*Code: 0x[0-9a-f]+\s*$/i, '').trim();
    return `${kind}${detail ? `: ${detail}` : ''} (LDAP result ${error.code})`;
  }
  return error.message.split('\n')[0] ?? error.message;
}

/**
 * Opens one bound connection. ldapts silently reconnects when a socket drops,
 * and the new socket is not bound: a later search would run anonymously and
 * could return nothing, which the plan would read as "everyone left". So the
 * client may open exactly one connection; a second attempt fails the run.
 */
export async function openLdapConnection(settings: LdapSettings): Promise<Client> {
  let opened = 0;
  const once = <T>(connect: () => T): T => {
    opened += 1;
    if (opened > 1) throw new LdapError('the LDAP connection was lost during the run');
    return connect();
  };
  // ldapts switches to TLS whenever tlsOptions is given, even for ldap://.
  const secure = /^ldaps:/i.test(settings.url);
  const tlsOptions: tls.ConnectionOptions | undefined = secure ? { rejectUnauthorized: !settings.skipCertVerify } : undefined;
  const client = new Client({
    url: settings.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    ...(tlsOptions ? { tlsOptions } : {}),
    strictDN: false,
    createConnection: ((port: number, host: string) => once(() => net.connect(port, host))) as typeof net.connect,
    createSecureConnection: ((...args: unknown[]) => {
      // StartTLS upgrades the existing socket (options.socket): not a new connection.
      const [first] = args;
      if (typeof first === 'object' && first !== null && 'socket' in first) {
        return tls.connect(first as tls.ConnectionOptions);
      }
      const [port, host, options] = args as [number, string, tls.ConnectionOptions];
      return once(() => tls.connect(port, host, options));
    }) as typeof tls.connect,
  });
  try {
    await client.bind(settings.bindDn, settings.bindPassword);
  } catch (error) {
    await client.unbind().catch(() => undefined);
    // A result code means the server answered: the connection worked and the bind was refused.
    const phase = error instanceof ResultCodeError ? `bind to LDAP as ${settings.bindDn}` : `connect to LDAP at ${settings.url}`;
    throw new LdapError(`failed to ${phase}: ${describeError(error)}`, { cause: error });
  }
  return client;
}

export async function closeLdapConnection(client: Client): Promise<void> {
  await client.unbind().catch(() => undefined);
}
