import type { Config } from '../config/config.js';
import { databaseSecrets } from '../db/open-database.js';
import type { LogFields, Logger } from '../log/logger.js';

const MASK = '[REDACTED]';

/**
 * The secrets of a configuration: the bind password, the trigger token and, for PostgreSQL, the
 * password inside the connection string (user:password@ or ?password=), raw
 * and percent-decoded. Nothing the daemon writes should ever contain them; the
 * code never puts them in a message, and this is the second line of defence
 * against a library that does.
 */
export function secretsOf(config: Config): string[] {
  const secrets = [config.ldap.bindPassword, config.service.triggerToken];
  secrets.push(...databaseSecrets(config.database));
  // Very short values would mask ordinary words; such passwords are not worth the noise.
  return [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
}

export type Redactor = (text: string) => string;

export function makeRedactor(secrets: string[]): Redactor {
  if (secrets.length === 0) return (text) => text;
  return (text) => secrets.reduce((out, secret) => out.split(secret).join(MASK), text);
}

class RedactingLogger implements Logger {
  constructor(
    private readonly inner: Logger,
    private readonly redact: Redactor,
  ) {}

  private clean(fields: LogFields | undefined): LogFields | undefined {
    if (!fields) return fields;
    const out: LogFields = {};
    for (const [key, value] of Object.entries(fields)) out[key] = typeof value === 'string' ? this.redact(value) : value;
    return out;
  }

  debug(message: string, fields?: LogFields): void { this.inner.debug(this.redact(message), this.clean(fields)); }
  info(message: string, fields?: LogFields): void { this.inner.info(this.redact(message), this.clean(fields)); }
  warn(message: string, fields?: LogFields): void { this.inner.warn(this.redact(message), this.clean(fields)); }
  error(message: string, fields?: LogFields): void { this.inner.error(this.redact(message), this.clean(fields)); }
  child(fields: LogFields): Logger { return new RedactingLogger(this.inner.child(this.clean(fields) ?? {}), this.redact); }
}

/** A logger that masks the given secrets in every message and string field. */
export function redactingLogger(log: Logger, redact: Redactor): Logger {
  return new RedactingLogger(log, redact);
}
