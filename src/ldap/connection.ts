import net from 'node:net';
import tls from 'node:tls';
import { Client, ResultCodeError } from 'ldapts';
import type { LdapSettings } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { SyncFailure } from '../sync/failure.js';

/** A failure talking to the directory: connecting (TCP, TLS, bind), searching, or a setting the directory cannot serve. */
export class LdapError extends SyncFailure {
  constructor(reason: 'ldap_connect' | 'ldap_search' | 'config', message: string, options?: { cause?: unknown }) {
    super(reason, message, options);
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

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/**
 * Certificate checks are on unless LDAP_SKIP_CERT_VERIFY; LDAP_TLS_CA_FILE
 * adds a private CA to the system's, it does not replace them.
 */
function tlsOptionsFor(settings: LdapSettings, host: string): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: !settings.skipCertVerify, host };
  if (!net.isIP(host)) options.servername = host;
  if (settings.caPem) options.ca = [...tls.rootCertificates, settings.caPem];
  return options;
}

/** The warnings an operator must see on every run, not only at start-up. */
function warnAboutTransport(settings: LdapSettings, host: string, secure: boolean, log: Logger): void {
  if ((secure || settings.startTls) && settings.skipCertVerify) {
    log.warn('LDAP_SKIP_CERT_VERIFY=true: the directory\'s certificate is not checked, so the connection can be intercepted');
  }
  if (!secure && !settings.startTls && !isLoopback(host)) {
    log.warn('LDAP over plain ldap:// to a remote host: the bind password and all data travel unencrypted (use ldaps:// or LDAP_START_TLS=true)', { host });
  }
}

/**
 * Opens one bound connection. ldapts silently reconnects when a socket drops,
 * and the new socket is not bound: a later search would run anonymously and
 * could return nothing, which the plan would read as "everyone left". So the
 * client may open exactly one connection; a second attempt fails the run.
 * `warn: false`: another connection of a run that already warned (groups-ahead.ts).
 */
export async function openLdapConnection(settings: LdapSettings, log: Logger, options: { warn: boolean } = { warn: true }): Promise<Client> {
  const url = new URL(settings.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // ldapts switches to TLS whenever tlsOptions is given, even for ldap://.
  const secure = url.protocol === 'ldaps:';
  if (options.warn) warnAboutTransport(settings, host, secure, log);
  const tlsOptions = tlsOptionsFor(settings, host);

  let opened = 0;
  const once = <T>(connect: () => T): T => {
    opened += 1;
    if (opened > 1) throw new LdapError('ldap_search', 'the LDAP connection was lost during the run');
    return connect();
  };
  const client = new Client({
    url: settings.url,
    timeout: settings.timeoutMs,
    connectTimeout: settings.timeoutMs,
    ...(secure ? { tlsOptions } : {}),
    strictDN: false,
    createConnection: ((port: number, hostname: string) => once(() => net.connect(port, hostname))) as typeof net.connect,
    createSecureConnection: ((...args: unknown[]) => {
      // StartTLS upgrades the existing socket (options.socket): not a new connection.
      const [first] = args;
      if (typeof first === 'object' && first !== null && 'socket' in first) {
        return tls.connect(first as tls.ConnectionOptions);
      }
      const [port, hostname, options] = args as [number, string, tls.ConnectionOptions];
      return once(() => tls.connect(port, hostname, options));
    }) as typeof tls.connect,
  });

  let phase = `connect to LDAP at ${settings.url}`;
  try {
    if (settings.startTls) {
      phase = `start TLS with ${settings.url}`;
      // Fails when the server refuses or the certificate does not verify: never falls back to plain text.
      await client.startTLS(tlsOptions);
    }
    phase = `bind to LDAP as ${settings.bindDn}`;
    await client.bind(settings.bindDn, settings.bindPassword);
  } catch (error) {
    await client.unbind().catch(() => undefined);
    // Before TLS/bind answered, a non-LDAP error is a connection problem.
    const failed = phase.startsWith('bind') && !(error instanceof ResultCodeError) && !client.isConnected ? `connect to LDAP at ${settings.url}` : phase;
    throw new LdapError('ldap_connect', `failed to ${failed}: ${describeError(error)}`, { cause: error });
  }
  return client;
}

export async function closeLdapConnection(client: Client): Promise<void> {
  await client.unbind().catch(() => undefined);
}
