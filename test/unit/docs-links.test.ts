import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.join(import.meta.dirname, '..', '..', '..');

const NOT_OURS = new Set(['node_modules', 'dist', '.git']);

function markdownFilesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_OURS.has(entry.name) ? [] : markdownFilesUnder(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

/** Every Markdown file of the project: README.md, docs/, and the READMEs of bench/, demo/, … */
const pages = markdownFilesUnder('.').map((file) => path.normalize(file));
const docsPages = pages.filter((page) => page.startsWith(`docs${path.sep}`));

/** The text outside fenced code blocks: a link or heading inside a fence is only text. */
function prose(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .filter((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return false;
      }
      return !inFence;
    })
    .join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) slugs.add(id!);
  return slugs;
}

/** Relative link targets of a page (inline links and images), without external URLs. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, 'code');
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

function brokenLinks(page: string): string[] {
  const markdown = readFileSync(path.join(root, page), 'utf8');
  const broken: string[] = [];
  for (const link of relativeLinks(markdown)) {
    const [target = '', anchor] = link.split('#', 2);
    const resolved = target === '' ? page : path.normalize(path.join(path.dirname(page), decodeURIComponent(target)));
    if (!existsSync(path.join(root, resolved))) {
      broken.push(`${page}: ${link}: ${resolved} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!resolved.endsWith('.md')) {
      broken.push(`${page}: ${link}: an anchor into a file that is not Markdown`);
    } else if (!headingSlugs(readFileSync(path.join(root, resolved), 'utf8')).has(anchor)) {
      broken.push(`${page}: ${link}: ${resolved} has no heading with the anchor #${anchor}`);
    }
  }
  return broken;
}

test('GitHub heading anchors, as GitHub makes them', () => {
  const slugs = headingSlugs(
    ['# Pocket ID', '## `sync` and `sync --dry-run`', '### HTTP: `/healthz`, `/readyz`', '## Lock modes', '## Lock modes', '```', '# not a heading', '```'].join('\n'),
  );
  assert.deepEqual([...slugs], ['pocket-id', 'sync-and-sync---dry-run', 'http-healthz-readyz', 'lock-modes', 'lock-modes-1']);
});

test('every relative link and anchor in the Markdown files resolves', () => {
  assert.ok(pages.includes('README.md') && docsPages.length > 0, pages.join(', '));
  assert.deepEqual(pages.flatMap(brokenLinks), []);
});

test('links inside code and external URLs are not checked', () => {
  const links = relativeLinks('[a](docs/nowhere.md) [b](#no-such-heading) `[c](ignored.md)` [d](https://example.com)');
  assert.deepEqual(links, ['docs/nowhere.md', '#no-such-heading']);
});

test('every page in docs/ is linked from the README', () => {
  const readmeTargets = new Set(relativeLinks(readFileSync(path.join(root, 'README.md'), 'utf8')).map((link) => path.normalize(link.split('#')[0]!)));
  const unlinked = docsPages.filter((page) => !readmeTargets.has(page));
  assert.deepEqual(unlinked, []);
});
