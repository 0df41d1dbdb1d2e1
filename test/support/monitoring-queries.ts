// Every PromQL query the shipped monitoring files make: the alert rules (their expressions and the
// queries in their annotation templates) and the Grafana dashboard (panel targets and the template
// variables' label_values()).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const FILES = path.join(import.meta.dirname, '..', '..', '..', 'helm', 'pocket-id-ldap-sync', 'files');
export const RULES_FILE = path.join(FILES, 'prometheus-rules.yaml');
export const DASHBOARD_FILE = path.join(FILES, 'grafana-dashboard.json');

export interface Query {
  /** Where it is: "rule PocketIdLdapSyncDown", "panel Runs by result", "variable job". */
  where: string;
  expr: string;
}

interface Rule {
  alert: string;
  expr: string;
  annotations?: Record<string, string>;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: { id: number; title: string; type: string; datasource: { uid: string }; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string; datasource: { uid: string } }[] }[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

export function ruleQueries(): Query[] {
  const rules = (YAML.parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
  return rules.flatMap((rule) => {
    // {{ … printf "<query>" … | query }} in an annotation: the query with its %q values filled in.
    const templated = Object.values(rule.annotations ?? {}).flatMap((text) =>
      [...text.matchAll(/printf "((?:[^"\\]|\\.)*)"[^}]*\| query/g)].map((m) => (m[1] as string).replace(/\\"/g, '"').replace(/%q/g, '"x"')),
    );
    return [rule.expr, ...templated].map((expr) => ({ where: `rule ${rule.alert}`, expr }));
  });
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

export function dashboardQueries(): Query[] {
  const dashboard = readDashboard();
  const panels = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel ${p.title}`, expr: t.expr })));
  const variables = dashboard.templating.list.flatMap((v) => {
    if (v.type !== 'query') return [];
    const query = typeof v.query === 'string' ? v.query : v.query.query;
    const inner = /^label_values\((.+),\s*\w+\)$/.exec(query);
    return [{ where: `variable ${v.name}`, expr: inner ? (inner[1] as string) : query }];
  });
  return [...panels, ...variables];
}
