import type { Client, Entry } from 'ldapts';
import type { Config } from '../config/config.js';
import { openDatabase } from '../db/open-database.js';
import { claimsConfigured } from '../config/claim-mappings.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { describeInspection, inspectDirectory } from '../ldap/vendor-settings.js';
import { inspectChangeMarker } from '../ldap/marker-check.js';
import type { Logger } from '../log/logger.js';
import { trustChecks } from './check-trust.js';
import { describeDatabase } from '../db/open-database.js';
import { errorMessage } from '../log/error-message.js';

export interface CheckLine {
  ok: boolean;
  name: string;
  detail: string;
}

export interface CheckReport {
  lines: CheckLine[];
  ldapOk: boolean;
  databaseOk: boolean;
}

/** ldapts lists every requested attribute, an absent one as []: present means at least one value. */
function hasAttribute(entry: Entry, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.entries(entry).some(([key, value]) => key !== 'dn' && key.toLowerCase() === wanted && (!Array.isArray(value) || value.length > 0));
}

/**
 * One search as the sync would run it, but with a size limit of 1: the server
 * answers sizeLimitExceeded when more entries match, which ldapts (and this
 * check) counts as success. Finding nobody is a failure for users (a sync
 * would create no one, and the deletion guard would refuse) but not for groups.
 */
async function searchCheck(
  client: Client,
  config: Config,
  what: 'user' | 'group',
): Promise<CheckLine> {
  const { ldap } = config;
  const filter = what === 'user' ? ldap.userFilter : ldap.groupFilter;
  const required: [string, string][] =
    what === 'user'
      ? [[ldap.attributes.userUniqueId, 'LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER'], [ldap.attributes.username, 'LDAP_ATTRIBUTE_USER_USERNAME']]
      : [[ldap.attributes.groupUniqueId, 'LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER'], [ldap.attributes.groupName, 'LDAP_ATTRIBUTE_GROUP_NAME']];
  const name = `LDAP ${what} search`;
  const where = `${filter} under ${ldap.base}`;
  try {
    const { searchEntries } = await client.search(ldap.base, {
      scope: 'sub',
      filter,
      sizeLimit: 1,
      attributes: required.map(([attribute]) => attribute),
    });
    const entry = searchEntries[0];
    if (!entry) return { ok: what === 'group', name, detail: `${where} matched no entry` };
    const missing = required.filter(([attribute]) => !hasAttribute(entry, attribute)).map(([attribute, setting]) => `${attribute} (${setting})`);
    if (missing.length > 0) return { ok: false, name, detail: `${where} found ${entry.dn}, which has no ${missing.join(' and no ')}` };
    return { ok: true, name, detail: `${where} found ${entry.dn}` };
  } catch (error) {
    return { ok: false, name, detail: `${where}: ${errorMessage(error)}` };
  }
}

const DIRECTORY = 'LDAP directory';

/** The change marker incremental runs poll; it fails only when LDAP_SYNC_INCREMENTAL=true asks for what the directory cannot give. */
async function markerCheck(client: Client, config: Config): Promise<CheckLine> {
  const inspection = await inspectChangeMarker(client, config.ldap);
  const setting = config.incremental.enabled ? 'LDAP_SYNC_INCREMENTAL=true' : 'LDAP_SYNC_INCREMENTAL=false: every run is full';
  return { ok: inspection.usable || !config.incremental.enabled, name: 'LDAP change marker', detail: `${inspection.detail} (${setting})` };
}

async function ldapChecks(config: Config, log: Logger): Promise<CheckLine[]> {
  const bind = `LDAP connect and bind`;
  let client: Client;
  try {
    client = await openLdapConnection(config.ldap, log);
  } catch (error) {
    const notRun = (name: string): CheckLine => ({ ok: false, name, detail: 'not run: no LDAP connection' });
    return [{ ok: false, name: bind, detail: errorMessage(error) }, notRun(DIRECTORY), notRun('LDAP user search'), notRun('LDAP group search'), notRun('LDAP change marker')];
  }
  try {
    const lines: CheckLine[] = [{ ok: true, name: bind, detail: `${config.ldap.url} as ${config.ldap.bindDn}` }];
    // Informational: a configuration may differ from the usual settings on purpose, so this line never fails.
    lines.push({ ok: true, name: DIRECTORY, detail: describeInspection(await inspectDirectory(client, config.ldap)) });
    lines.push(await searchCheck(client, config, 'user'));
    lines.push(await searchCheck(client, config, 'group'));
    lines.push(await markerCheck(client, config));
    lines.push(...(await trustChecks(client, config)));
    return lines;
  } finally {
    await closeLdapConnection(client);
  }
}

async function databaseCheck(config: Config): Promise<CheckLine> {
  const name = 'database';
  const where = describeDatabase(config.database);
  try {
    const db = await openDatabase(config.database);
    try {
      const report = await db.checkSchema(claimsConfigured(config.ldap.claims) ? { claims: config.ldap.claims } : {});
      if (report.problems.length > 0) return { ok: false, name, detail: `${where}: ${report.problems.join('; ')}` };
      const version = report.version !== undefined ? `Pocket ID schema version ${report.version}` : 'Pocket ID schema';
      return { ok: true, name, detail: [`${where}: ${version}, tables and columns the sync writes are present`, ...report.warnings].join('; ') };
    } finally {
      await db.close();
    }
  } catch (error) {
    const message = errorMessage(error);
    return { ok: false, name, detail: message.includes(where) ? message : `${where}: ${message}` };
  }
}

/** `check`, after the configuration loaded: LDAP (bind, both searches) and the database, side by side. */
export async function runChecks(config: Config, log: Logger): Promise<CheckReport> {
  const [ldap, database] = await Promise.all([ldapChecks(config, log), databaseCheck(config)]);
  return { lines: [...ldap, database], ldapOk: ldap.every((l) => l.ok), databaseOk: database.ok };
}

export function formatCheckLine(line: CheckLine): string {
  return `${(line.ok ? 'ok' : 'fail').padEnd(4)}  ${line.name}: ${line.detail}`;
}
