// What a PromQL expression reads: the metric selectors with their label matchers, and the label
// names it groups or matches by. Enough of PromQL's grammar for the project's rules and dashboard
// (test/unit/promql-refs.test.ts shows what it handles); Grafana's $variables are values.

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  metric: string;
  matchers: Matcher[];
}

export interface QueryRefs {
  selectors: Selector[];
  /** Labels named in by (…), without (…), on (…), ignoring (…), group_left (…), group_right (…). */
  groupingLabels: string[];
}

const AGGREGATORS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'atan2', 'inf', 'nan']);

type Token = { kind: 'ident' | 'string' | 'number' | 'var' | 'punct'; text: string };

function unquote(text: string): string {
  return text.startsWith('`') ? text.slice(1, -1) : (JSON.parse(text.startsWith("'") ? `"${text.slice(1, -1).replace(/"/g, '\\"')}"` : text) as string);
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const patterns: [Token['kind'], RegExp][] = [
    ['string', /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/],
    ['var', /^(\$\{[^}]*\}|\$[A-Za-z_]\w*)/],
    ['number', /^(\d[\w.]*)/],
    ['ident', /^([A-Za-z_:][\w:]*)/],
    ['punct', /^(=~|!~|!=|==|>=|<=|[{}()[\],=<>+\-*/%^@:])/],
  ];
  let rest = expr;
  while (rest.length > 0) {
    const space = /^(\s+|#[^\n]*)/.exec(rest);
    if (space) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const found = patterns.map(([kind, re]) => [kind, re.exec(rest)] as const).find(([, m]) => m !== null);
    if (!found) throw new Error(`cannot read PromQL at: ${rest.slice(0, 30)}`);
    const [kind, match] = found;
    tokens.push({ kind, text: match![0] });
    rest = rest.slice(match![0].length);
  }
  return tokens;
}

/** Reads `{label op "value", …}` starting at the `{`; returns the matchers and the index after `}`. */
function readMatchers(tokens: Token[], start: number): [Matcher[], number] {
  const matchers: Matcher[] = [];
  let i = start + 1;
  while (tokens[i]?.text !== '}') {
    const label = tokens[i];
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if (label?.kind !== 'ident' || !op || !['=', '!=', '=~', '!~'].includes(op.text) || !value || !['string', 'var'].includes(value.kind)) {
      throw new Error(`cannot read a label matcher at token ${i}: ${tokens.slice(i, i + 3).map((t) => t.text).join(' ')}`);
    }
    matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.kind === 'string' ? unquote(value.text) : value.text });
    i += 3;
    if (tokens[i]?.text === ',') i += 1;
  }
  return [matchers, i + 1];
}

export function promqlRefs(expr: string): QueryRefs {
  const tokens = tokenize(expr);
  const refs: QueryRefs = { selectors: [], groupingLabels: [] };
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token.text === '[') {
      // A range or a subquery's resolution: durations and Grafana variables only.
      while (tokens[i]?.text !== ']') i += 1;
      i += 1;
    } else if (token.kind === 'ident' && GROUPING.has(token.text) && next?.text === '(') {
      i += 2;
      while (tokens[i]?.text !== ')') {
        if (tokens[i]!.kind === 'ident') refs.groupingLabels.push(tokens[i]!.text);
        i += 1;
      }
      i += 1;
    } else if (token.kind === 'ident' && (AGGREGATORS.has(token.text) || KEYWORDS.has(token.text) || GROUPING.has(token.text) || next?.text === '(')) {
      i += 1; // a function, an aggregation, or a keyword
    } else if (token.kind === 'ident') {
      const [matchers, after] = next?.text === '{' ? readMatchers(tokens, i + 1) : [[], i + 1];
      refs.selectors.push({ metric: token.text, matchers });
      i = after;
    } else {
      i += 1;
    }
  }
  return refs;
}
