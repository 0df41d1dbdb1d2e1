// The chart's values against values.schema.json with ajv (the defaults, every example merged over
// them the way Helm merges a -f file, and values the schema must refuse), and every YAML file the
// project ships for deployment parses. The rendered chart is tested in helm-chart*.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv, type ErrorObject } from 'ajv';
import YAML from 'yaml';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const CHART = path.join(ROOT, 'helm', 'pocket-id-ldap-sync');
const EXAMPLES = path.join(CHART, 'examples');

type Values = Record<string, unknown>;

const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
const defaults = YAML.parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Values;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function isObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's coalescing of a values file over the chart's values: maps merge, everything else replaces. */
function merge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? merge(current, value) : value;
  }
  return out;
}

/** Sets a dotted path, as `--set a.b.c=value` does. */
function withValue(base: Values, dotted: string, value: unknown): Values {
  const [head, ...rest] = dotted.split('.');
  const key = head ?? '';
  if (rest.length === 0) return { ...base, [key]: value };
  const child = isObject(base[key]) ? base[key] : {};
  return { ...base, [key]: withValue(child, rest.join('.'), value) };
}

function errorsOf(values: Values): ErrorObject[] {
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

test('values.yaml is valid against values.schema.json', () => {
  assert.deepEqual(errorsOf(defaults), []);
});

test('there are examples for the sidecar with SQLite, daemon-only with PostgreSQL, and unlocked mode', () => {
  for (const name of ['sqlite-sidecar.yaml', 'postgres-daemon-only.yaml', 'unlocked.yaml']) assert.ok(examples.includes(name), name);
});

for (const file of examples) {
  test(`examples/${file} merged over values.yaml is valid`, () => {
    const example = YAML.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Values;
    assert.ok(isObject(example));
    assert.deepEqual(errorsOf(merge(defaults, example)), []);
  });
}

const invalid: { what: string; path: string; value: unknown; at: string }[] = [
  { what: 'an unknown lock mode', path: 'lockMode', value: 'open', at: '/lockMode' },
  { what: 'an unknown mode', path: 'mode', value: 'both', at: '/mode' },
  { what: 'a misspelt key', path: 'ldap.bindPasword', value: { value: 'x' }, at: '/ldap' },
  { what: 'a misspelt top-level key', path: 'lockmode', value: 'locked', at: '' },
  { what: 'an encryption key under 16 bytes', path: 'pocketId.encryptionKey.value', value: 'short', at: '/pocketId/encryptionKey/value' },
  { what: 'an unsupported database', path: 'database.type', value: 'mysql', at: '/database/type' },
  { what: 'an LDAP URL that is not ldap:// or ldaps://', path: 'ldap.url', value: 'http://ldap.example.com', at: '/ldap/url' },
  { what: 'a filter without parentheses', path: 'ldap.userSearchFilter', value: 'objectClass=person', at: '/ldap/userSearchFilter' },
  { what: 'a port out of range', path: 'metrics.port', value: 70000, at: '/metrics/port' },
  { what: 'a page size given as text', path: 'ldap.pageSize', value: '500', at: '/ldap/pageSize' },
  { what: 'a page size over 10000', path: 'ldap.pageSize', value: 20000, at: '/ldap/pageSize' },
  { what: 'a deletion threshold over 100%', path: 'sync.deleteThreshold', value: '150%', at: '/sync/deleteThreshold' },
  { what: 'a deletion threshold that is no number', path: 'sync.deleteThreshold', value: 'lots', at: '/sync/deleteThreshold' },
  { what: 'a SQLite file outside the shared /app/data volume', path: 'database.sqlite.path', value: '/var/lib/pocket-id.db', at: '/database/sqlite/path' },
  { what: 'a PostgreSQL connection string of another scheme', path: 'database.postgres.connectionString', value: 'mysql://u:p@db/x', at: '/database/postgres/connectionString' },
  { what: 'an environment variable name with a space', path: 'daemon.extraEnv', value: [{ name: 'BAD NAME', value: 'x' }], at: '/daemon/extraEnv/0/name' },
  { what: 'a boolean given as text', path: 'ldap.nestedGroups', value: 'yes', at: '/ldap/nestedGroups' },
  { what: 'an unknown log level', path: 'log.level', value: 'verbose', at: '/log/level' },
  { what: 'an APP_URL without a scheme', path: 'pocketId.appUrl', value: 'id.example.com', at: '/pocketId/appUrl' },
  { what: 'an unknown FILE_BACKEND', path: 'pocketId.fileBackend', value: 'ftp', at: '/pocketId/fileBackend' },
  { what: 'a probe without its period', path: 'daemon.readinessProbe', value: { enabled: true }, at: '/daemon/readinessProbe' },
  { what: 'an APP_URL with a path (Pocket ID exits on it)', path: 'pocketId.appUrl', value: 'https://example.com/auth', at: '/pocketId/appUrl' },
  { what: 'a Pocket ID startup probe without its threshold', path: 'pocketId.startupProbe', value: { enabled: true, periodSeconds: 5, timeoutSeconds: 5 }, at: '/pocketId/startupProbe' },
  { what: 'an image digest that is not sha256', path: 'image.digest', value: 'latest', at: '/image/digest' },
  { what: 'a misspelt NetworkPolicy key', path: 'networkPolicy.directoryPeer', value: [], at: '/networkPolicy' },
  { what: 'a volume mount without a path', path: 'daemon.extraVolumeMounts', value: [{ name: 'x' }], at: '/daemon/extraVolumeMounts/0' },
  { what: 'an envFrom entry of an unknown kind', path: 'pocketId.extraEnvFrom', value: [{ fileRef: {} }], at: '/pocketId/extraEnvFrom/0' },
  { what: 'a ServiceAccount switch given as text', path: 'serviceAccount.create', value: 'yes', at: '/serviceAccount/create' },
  { what: 'a common label that is not text', path: 'commonLabels', value: { tier: 1 }, at: '/commonLabels/tier' },
  { what: 'a PrometheusRule switch given as text', path: 'metrics.prometheusRule.enabled', value: 'yes', at: '/metrics/prometheusRule/enabled' },
  { what: 'a PrometheusRule label that is no string', path: 'metrics.prometheusRule.additionalLabels', value: { release: 1 }, at: '/metrics/prometheusRule/additionalLabels/release' },
  { what: 'a misspelt PrometheusRule key', path: 'metrics.prometheusRule.labels', value: {}, at: '/metrics/prometheusRule' },
  { what: 'a dashboard label that is no string', path: 'metrics.grafanaDashboard.labels', value: { grafana_dashboard: 1 }, at: '/metrics/grafanaDashboard/labels/grafana_dashboard' },
  { what: 'a dashboard namespace that is no namespace name', path: 'metrics.grafanaDashboard.namespace', value: 'Monitoring NS', at: '/metrics/grafanaDashboard/namespace' },
];

for (const c of invalid) {
  test(`the schema refuses ${c.what} (${c.path})`, () => {
    const errors = errorsOf(withValue(defaults, c.path, c.value));
    assert.ok(errors.length > 0, 'accepted');
    assert.ok(
      errors.some((e) => e.instancePath === c.at),
      `no error at ${c.at}: ${JSON.stringify(errors.map((e) => `${e.instancePath} ${e.message}`))}`,
    );
  });
}

test('the schema accepts what the daemon accepts at the edges', () => {
  for (const [dotted, value] of [
    ['sync.deleteThreshold', '100%'],
    ['sync.deleteThreshold', '12.5%'],
    ['sync.deleteThreshold', '50'],
    ['sync.deleteThreshold', 0],
    ['ldap.url', 'LDAPS://dc1.corp.example.com:636'],
    ['database.postgres.connectionString', 'postgresql://u:p@db:5432/pocketid?sslmode=require'],
    ['pocketId.appUrl', 'http://localhost:1411'],
    ['pocketId.appUrl', 'https://id.example.com/'],
    ['image.digest', `sha256:${'0'.repeat(64)}`],
    ['metrics.port', 9474],
    ['ldap.pageSize', 10000],
  ] as const) {
    assert.deepEqual(errorsOf(withValue(defaults, dotted, value)), [], `${dotted}=${String(value)}`);
  }
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'templates' ? [] : yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

test('every YAML file under helm/ (but templates/) and deploy/ parses, with no duplicate keys', () => {
  const files = [...yamlFiles(path.join(ROOT, 'helm')), ...yamlFiles(path.join(ROOT, 'deploy'))];
  assert.ok(files.length >= 7, files.join(', '));
  for (const file of files) {
    const docs = YAML.parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
    for (const doc of docs) assert.deepEqual(doc.errors.map((e) => e.message), [], path.relative(ROOT, file));
  }
});

test('deploy/docker-compose.yml: Pocket ID and the daemon share /app/data as UID 1000, locked, with the health check', () => {
  const compose = YAML.parse(readFileSync(path.join(ROOT, 'deploy', 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { image?: string; build?: unknown; user?: string; environment?: Record<string, string>; env_file?: unknown; volumes?: string[]; depends_on?: unknown; read_only?: boolean; healthcheck?: unknown }>;
    volumes: Record<string, unknown>;
  };
  const pocketId = compose.services['pocket-id'];
  const sync = compose.services['ldap-sync'];
  assert.ok(pocketId && sync);
  assert.match(pocketId.image ?? '', /^ghcr\.io\/pocket-id\/pocket-id:v\d+\.\d+\.\d+$/);
  const dataMount = (volumes: string[] | undefined) => (volumes ?? []).find((v) => v.split(':')[1] === '/app/data');
  assert.equal(dataMount(pocketId.volumes), dataMount(sync.volumes));
  assert.ok(dataMount(sync.volumes)?.startsWith('pocket-id-data:'));
  assert.ok('pocket-id-data' in compose.volumes);
  assert.equal(sync.user, '1000:1000');
  assert.equal(pocketId.environment?.UI_CONFIG_DISABLED, 'true');
  assert.equal(pocketId.environment?.LDAP_ENABLED, 'true');
  assert.equal(pocketId.environment?.LDAP_URL, 'ldapi://%2Fnonexistent%2Fpocket-id-ldap-sync-owns-ldap');
  assert.equal(pocketId.environment?.DB_CONNECTION_STRING, sync.environment?.DB_CONNECTION_STRING);
  assert.equal(sync.environment?.UI_CONFIG_DISABLED, 'true');
  assert.equal(sync.environment?.LDAP_BIND_PASSWORD_FILE, '/run/secrets/ldap_bind_password');
  assert.equal(sync.read_only, true);
  // The env file the daemon reads exists and holds no password.
  const envFile = path.join(ROOT, 'deploy', 'ldap-sync.env');
  const env = readFileSync(envFile, 'utf8');
  assert.doesNotMatch(env, /^LDAP_BIND_PASSWORD=/m);
  assert.match(env, /^LDAP_ENABLED=true$/m);
});
