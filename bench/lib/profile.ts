/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) by self time: the top
 * functions by file:line (dist/*.js positions mapped back to the .ts sources
 * through their source maps) and the totals per area (a src/ file, an npm
 * package, node internals, GC, idle).
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  /** Ticks per 1-based line of the generated script, inside this function. */
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  fn: string;
  where: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: ProfileEntry[];
  /** Self time by source line (V8's position ticks), for the lines inside the hot functions. */
  hotLines: ProfileEntry[];
  byArea: { area: string; selfMs: number; pct: number }[];
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    let map: SourceMap | null = null;
    if (existsSync(mapFile)) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
      } catch {
        map = null;
      }
    }
    maps.set(file, map);
  }
  return maps.get(file) ?? null;
}

/**
 * The probe's wrappers around better-sqlite3's native statement.run/all carry
 * the self time of SQLite itself (native code has no frame of its own).
 */
function relabel(fn: string, where: string, area: string): { fn: string; area: string } {
  if (where.startsWith('bench/lib/driver-probe.ts')) return { fn: `${fn} (SQLite engine, native, via better-sqlite3)`, area: 'SQLite engine (better-sqlite3 native)' };
  return { fn, area };
}

/** "src/sync/plan.ts:123" (1-based line), or the url as is for node internals. */
function locate(frame: CallFrame, root: string, generatedLine?: number): { where: string; area: string } {
  const { url } = frame;
  if (url === '') return { where: '', area: frame.functionName.startsWith('(') ? frame.functionName : '(native)' };
  if (!url.startsWith('file://')) return { where: `${url}:${frame.lineNumber + 1}`, area: 'node internals' };
  let file = fileURLToPath(url);
  let line = generatedLine ?? frame.lineNumber + 1;
  const map = sourceMapFor(file);
  if (map) {
    // For a line tick the column is unknown: take the last mapping on that generated line.
    const entry = (generatedLine === undefined ? map.findEntry(frame.lineNumber, frame.columnNumber) : map.findEntry(generatedLine - 1, 100_000)) as { originalSource?: string; originalLine?: number };
    if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
      // The bench runs its children from a copy dist/.bench-<stamp>/: resolve sources as from dist/ itself.
      const compiled = file.replace(/\/dist\/\.bench-[^/]+\//, '/dist/');
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(compiled), entry.originalSource);
      file = source;
      line = entry.originalLine + 1;
    }
  }
  const relative = path.relative(root, file);
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(relative);
  const area = packageMatch ? `npm:${packageMatch[1]}` : relative;
  return { where: `${relative}:${line}`, area };
}

export function summarizeProfile(file: string, root: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const byFunction = new Map<string, ProfileEntry>();
  const byLine = new Map<string, ProfileEntry>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node) continue;
    totalUs += us;
    const located = locate(node.callFrame, root);
    const { fn, area } = relabel(node.callFrame.functionName || '(anonymous)', located.where, located.area);
    const key = `${fn}\u0000${located.where}`;
    const entry = byFunction.get(key) ?? { fn, where: located.where, selfMs: 0, pct: 0 };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + us / 1000);
    // Split the node's self time over its lines in proportion to their ticks.
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((n, t) => n + t.ticks, 0);
    for (const t of ticks) {
      const { where } = locate(node.callFrame, root, t.line);
      const lineKey = `${fn}\u0000${where}`;
      const lineEntry = byLine.get(lineKey) ?? { fn, where, selfMs: 0, pct: 0 };
      lineEntry.selfMs += (us / 1000) * (t.ticks / total);
      byLine.set(lineKey, lineEntry);
    }
  }
  const totalMs = totalUs / 1000;
  const pct = (ms: number) => (totalMs > 0 ? (100 * ms) / totalMs : 0);
  return {
    file,
    totalMs,
    top: [...byFunction.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN)
      .map((e) => ({ ...e, pct: pct(e.selfMs) })),
    hotLines: [...byLine.values()]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, topN)
      .map((e) => ({ ...e, pct: pct(e.selfMs) })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([area, selfMs]) => ({ area, selfMs, pct: pct(selfMs) })),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`  profile ${summary.file} (${(summary.totalMs / 1000).toFixed(1)} s sampled)`, '    top self time:'];
  for (const e of summary.top) lines.push(`      ${e.selfMs.toFixed(0).padStart(7)} ms ${e.pct.toFixed(1).padStart(5)}%  ${e.fn}  ${e.where}`);
  lines.push('    hot lines (self time inside the functions above, by source line):');
  for (const e of summary.hotLines) lines.push(`      ${e.selfMs.toFixed(0).padStart(7)} ms ${e.pct.toFixed(1).padStart(5)}%  ${e.where}  (${e.fn})`);
  lines.push('    by area:');
  for (const a of summary.byArea) lines.push(`      ${a.selfMs.toFixed(0).padStart(7)} ms ${a.pct.toFixed(1).padStart(5)}%  ${a.area}`);
  return lines.join('\n');
}
