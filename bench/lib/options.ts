// The benchmark's command line (bench/README.md): which workloads, databases and scenarios, and how.
import type { DbKind } from './databases.js';
import { INCREMENTAL_SCENARIOS } from './incremental-bench.js';
import type { WorkloadName } from './model.js';
import type { IncrementalScenario } from './protocol.js';
import { LOG_LEVELS, type LogLevel } from '../../src/log/logger.js';

export type Scenario = 'dry-run' | 'initial' | 'no-change' | '1pct' | 'floor' | IncrementalScenario;
/** Without --scenarios: every scenario but the incremental ones. */
export const DEFAULT_SCENARIOS: Scenario[] = ['dry-run', 'initial', 'no-change', '1pct', 'floor'];
export const SCENARIOS: Scenario[] = [...DEFAULT_SCENARIOS, ...INCREMENTAL_SCENARIOS];

export interface Options {
  workloads: WorkloadName[];
  dbs: DbKind[];
  scenarios: Set<Scenario>;
  pageSize: number;
  sizeLimit: number;
  /** auto: modify on M, reload on L (the faster one on each, measured: see README of bench/). */
  changes: 'auto' | 'modify' | 'reload';
  floorRuns: number;
  /** Runs per sync scenario, each from the same starting database (a fresh one, or a clone); the median is reported. */
  repeat: number;
  profile: boolean;
  /** PostgreSQL syncs load auto_explain and report plans of statements slower than this (ms). */
  pgExplainMs: number | null;
  keep: boolean;
  /** --claims: every user carries three more attributes, synced as two string claims and one array claim. */
  claims: boolean;
  /** --inc-runs: how often each incremental no-change scenario runs in a row in its child. */
  incRuns: number;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- [--workload M|L|M,L|L,L,L] [--db postgres|sqlite|both] [--scenarios ${SCENARIOS.join(',')}] [--page-size N] [--size-limit N] [--changes auto|modify|reload] [--floor-runs N] [--repeat N] [--profile] [--pg-explain MS] [--keep] [--claims] [--inc-runs N]`);
  process.exit(2);
}

/** BENCH_LOG_LEVEL (bench/README.md): unset, or one of the daemon's levels; a misspelt one would show nothing, silently. */
export function benchLogLevel(value = process.env.BENCH_LOG_LEVEL): LogLevel | undefined {
  if (value === undefined || value === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  return usage(`BENCH_LOG_LEVEL=${JSON.stringify(value)} must be one of ${LOG_LEVELS.join(', ')}`);
}

function positiveInteger(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${name} must be a positive integer`);
  return n;
}

function workloads(text: string): WorkloadName[] {
  return text.split(',').map((w) => {
    const upper = w.trim().toUpperCase();
    if (upper !== 'M' && upper !== 'L') usage(`unknown workload ${w}`);
    return upper;
  });
}

function databases(text: string): DbKind[] {
  if (text === 'both') return ['postgres', 'sqlite'];
  if (text === 'postgres' || text === 'sqlite') return [text];
  return usage(`unknown database ${text}`);
}

function scenarios(text: string): Set<Scenario> {
  return new Set(text.split(',').map((s) => {
    const scenario = s.trim() as Scenario;
    if (!SCENARIOS.includes(scenario)) usage(`unknown scenario ${s}`);
    return scenario;
  }));
}

function changes(text: string): Options['changes'] {
  if (text !== 'auto' && text !== 'modify' && text !== 'reload') usage(`--changes is auto, modify or reload, not ${text}`);
  return text;
}

function milliseconds(text: string): number {
  const ms = Number(text);
  if (!(ms >= 0)) usage('--pg-explain needs a number of milliseconds');
  return ms;
}

/** Options that take a value, and where it goes. */
const WITH_VALUE: Record<string, (options: Options, value: string, name: string) => void> = {
  '--workload': (o, v) => (o.workloads = workloads(v)),
  '--db': (o, v) => (o.dbs = databases(v)),
  '--scenarios': (o, v) => (o.scenarios = scenarios(v)),
  '--page-size': (o, v, n) => (o.pageSize = positiveInteger(n, v)),
  '--size-limit': (o, v) => (o.sizeLimit = Number(v)),
  '--changes': (o, v) => (o.changes = changes(v)),
  '--floor-runs': (o, v, n) => (o.floorRuns = positiveInteger(n, v)),
  '--repeat': (o, v, n) => (o.repeat = positiveInteger(n, v)),
  '--pg-explain': (o, v) => (o.pgExplainMs = milliseconds(v)),
  '--inc-runs': (o, v, n) => (o.incRuns = positiveInteger(n, v)),
};

/** Switches. */
const FLAGS: Record<string, (options: Options) => void> = {
  '--profile': (o) => (o.profile = true),
  '--keep': (o) => (o.keep = true),
  '--claims': (o) => (o.claims = true),
};

function defaults(): Options {
  return {
    workloads: ['M'],
    dbs: ['postgres', 'sqlite'],
    scenarios: new Set(DEFAULT_SCENARIOS),
    pageSize: positiveInteger('LDAP_SYNC_PAGE_SIZE', process.env.LDAP_SYNC_PAGE_SIZE ?? '500'),
    sizeLimit: 1000,
    changes: 'auto',
    floorRuns: 3,
    repeat: 1,
    profile: false,
    pgExplainMs: null,
    keep: false,
    claims: false,
    incRuns: 1,
  };
}

/** `--name value` or `--name=value`; exits 2 with the usage line on anything else. */
export function parseOptions(argv: string[]): Options {
  const options = defaults();
  benchLogLevel();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS[name];
    const setter = WITH_VALUE[name];
    if (flag && eq === -1) flag(options);
    else if (setter) setter(options, eq === -1 ? (argv[++i] ?? usage(`${name} needs a value`)) : arg.slice(eq + 1), name);
    else usage(`unknown option ${arg}`);
  }
  return options;
}
