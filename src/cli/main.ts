#!/usr/bin/env node
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { formatCheckLine, runChecks } from '../service/check.js';
import { runDaemon, warnAboutUiConfig } from '../service/daemon.js';
import { describeDatabase } from '../db/open-database.js';
import { DatabaseHandle } from '../service/database-handle.js';
import { runJob } from '../service/job.js';
import { makeRedactor, redactingLogger, secretsOf } from '../service/redact.js';
import { packageVersion } from '../service/version.js';
import { syncRunWith } from '../run/run-sync.js';
import { writeJson } from './json-stream.js';
import { formatPlanReport, refusingGuards } from './plan-report.js';
import { CHECK_USAGE, RUN_USAGE, SYNC_USAGE, USAGE } from './usage.js';
import { errorMessage } from '../log/error-message.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_CONFIG = 2;
const EXIT_CHECK_LDAP = 3;
const EXIT_CHECK_DATABASE = 4;
const EXIT_CHECK_BOTH = 5;
/** `sync --dry-run`: the plan was made, but a guard would refuse the real run. */
const EXIT_DRY_RUN_REFUSED = 6;

class UsageError extends Error {}

function parse<T extends Record<string, { type: 'boolean'; short?: string }>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${errorMessage(error)}\n\n${usage}`);
  }
}

/** The logger every command uses: Pocket ID's format, secrets masked. */
/** The command's logger; every command makes exactly one, so it also reports the configuration's warnings once. */
function commandLogger(config: Config, stream: NodeJS.WritableStream = process.stdout): Logger {
  const log = redactingLogger(createLogger({ ...config.log, stream }), makeRedactor(secretsOf(config)));
  for (const warning of config.warnings) log.warn(warning);
  return log;
}

async function runCommand(args: string[]): Promise<number> {
  const values = parse(args, {}, RUN_USAGE);
  if (values.help) {
    process.stdout.write(RUN_USAGE);
    return EXIT_OK;
  }
  const config = loadConfig();
  const result = await runDaemon(config, commandLogger(config), syncRunWith(config));
  if (result.abandoned) {
    // The abandoned run's database connection keeps the event loop alive; closing it is the rollback.
    setTimeout(() => process.exit(result.exitCode), 100);
  } else {
    // Anything a library left behind must not keep a stopped daemon alive.
    setTimeout(() => process.exit(result.exitCode), 2000).unref();
  }
  return result.exitCode;
}

async function syncCommand(args: string[]): Promise<number> {
  const values = parse(
    args,
    { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, 'allow-mass-delete': { type: 'boolean' }, 'allow-mass-reenable': { type: 'boolean' } },
    SYNC_USAGE,
  );
  if (values.help) {
    process.stdout.write(SYNC_USAGE);
    return EXIT_OK;
  }
  const dryRun = values['dry-run'] ?? false;
  if (values.json && !dryRun) throw new UsageError(`--json needs --dry-run\n\n${SYNC_USAGE}`);
  const config = loadConfig();
  // A dry run prints its report on stdout, so its log lines go to stderr.
  const log = commandLogger(config, dryRun ? process.stderr : process.stdout);
  if (!config.enabled) {
    log.error('LDAP is not enabled: set LDAP_ENABLED=true to sync');
    return EXIT_CONFIG;
  }
  if (!dryRun) warnAboutUiConfig(config, log);
  const database = new DatabaseHandle(config.database);
  try {
    const allowMassDelete = values['allow-mass-delete'] ?? false;
    const allowMassReenable = values['allow-mass-reenable'] ?? false;
    const outcome = await runJob({ log, jsonLog: config.log.json, database, sync: syncRunWith(config, { oneShot: true }) }, { dryRun, allowMassDelete, allowMassReenable });
    if (outcome.result === 'failure') return EXIT_FAILED;
    if (!dryRun || !outcome.sync) return EXIT_OK;
    const sync = outcome.sync;
    if (values.json) await writeJson(sync, process.stdout);
    else process.stdout.write(formatPlanReport(sync));
    const refused = (sync.guard && !allowMassDelete) || (sync.reEnableGuard && !allowMassReenable);
    if (refused) log.error('Dry run: a real run would be refused by a guard', { detail: refusingGuards(sync).join(' ') });
    return refused ? EXIT_DRY_RUN_REFUSED : EXIT_OK;
  } finally {
    await database.close();
  }
}

async function checkCommand(args: string[]): Promise<number> {
  const values = parse(args, {}, CHECK_USAGE);
  if (values.help) {
    process.stdout.write(CHECK_USAGE);
    return EXIT_OK;
  }
  const print = (ok: boolean, name: string, detail: string) => process.stdout.write(formatCheckLine({ ok, name, detail }) + '\n');
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    print(false, 'configuration', error.problems.join('; '));
    return EXIT_CONFIG;
  }
  if (!config.enabled) {
    print(false, 'configuration', 'LDAP_ENABLED is not true, so nothing would be synced (and the other settings were not checked)');
    return EXIT_CONFIG;
  }
  // Log lines (TLS warnings, the UI_CONFIG_DISABLED warning) go to stderr; stdout has only the check lines.
  const log = commandLogger(config, process.stderr);
  warnAboutUiConfig(config, log);
  print(true, 'configuration', `LDAP ${config.ldap.url}, base ${config.ldap.base}, database ${describeDatabase(config.database)}, schedule ${config.service.schedule}`);
  const report = await runChecks(config, log);
  const redact = makeRedactor(secretsOf(config));
  for (const line of report.lines) print(line.ok, line.name, redact(line.detail));
  if (!report.ldapOk && !report.databaseOk) return EXIT_CHECK_BOTH;
  if (!report.ldapOk) return EXIT_CHECK_LDAP;
  if (!report.databaseOk) return EXIT_CHECK_DATABASE;
  return EXIT_OK;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'sync':
        return await syncCommand(rest);
      case 'check':
        return await checkCommand(rest);
      case 'healthcheck':
        // Loaded only for this command; the image's HEALTHCHECK runs healthcheck.js directly.
        return await (await import('./healthcheck.js')).healthcheck(rest);
      case '-V':
      case '--version':
      case 'version':
        process.stdout.write(`pocket-id-ldap-sync ${packageVersion()}\n`);
        return EXIT_OK;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? EXIT_CONFIG : EXIT_OK;
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
        return EXIT_CONFIG;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_CONFIG;
    }
    process.stderr.write(`${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
