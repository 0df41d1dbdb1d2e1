#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { openDatabase } from '../db/open-database.js';
import { createLogger } from '../log/logger.js';
import { formatDuration } from '../sync/duration.js';
import { runSync } from '../sync/run-sync.js';
import { summaryFields } from '../sync/summary.js';
import { formatPlanReport } from './plan-report.js';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_CONFIG = 2;

const USAGE = `Usage: pocket-id-ldap-sync <command> [options]

Commands:
  sync            Run one synchronisation from LDAP into Pocket ID's database and exit.

Run "pocket-id-ldap-sync <command> --help" for a command's options.
Configuration comes from environment variables; see config/example.env.
`;

const SYNC_USAGE = `Usage: pocket-id-ldap-sync sync [--dry-run] [--json]

Reads the whole directory, then writes users, groups, memberships and admin
flags into Pocket ID's database in one transaction.

Options:
  --dry-run   Print what would change and write nothing (no write transaction is opened).
  --json      With --dry-run: print the plan as JSON instead of a table.
  -h, --help  Show this help.

Exit status: 0 success, 1 the sync failed, 2 invalid configuration.
`;

async function syncCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(SYNC_USAGE);
    return EXIT_OK;
  }
  const dryRun = values['dry-run'] ?? false;
  const config = loadConfig();
  // A dry run prints its report on stdout, so its log lines go to stderr.
  const log = createLogger({ ...config.log, stream: dryRun ? process.stderr : process.stdout });
  if (!config.enabled) {
    log.error('LDAP is not enabled: set LDAP_ENABLED=true to sync');
    return EXIT_CONFIG;
  }
  const db = await openDatabase(config.database);
  const started = performance.now();
  try {
    const result = await runSync(config, db, log, { dryRun });
    const duration = formatDuration(performance.now() - started);
    if (dryRun) {
      process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : formatPlanReport(result));
    }
    log.info(dryRun ? 'Dry run finished' : 'LDAP sync finished', { duration, ...summaryFields(result.summary) });
    return EXIT_OK;
  } catch (error) {
    log.error('LDAP sync failed', { duration: formatDuration(performance.now() - started), error: error instanceof Error ? error.message : String(error) });
    return EXIT_FAILED;
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'sync':
        return await syncCommand(rest);
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
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_CONFIG;
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
