/**
 * The documentation stays true to the tree: in README.md and docs/*.md every relative link and anchor resolves,
 * every `src/…`, `test/…` and `notebooks/…` path named exists, every `hai <command>` named is one that
 * `hai --help` lists, and no line is a bare ALL-CAPS placeholder (the old README held DRYRUN_OUTPUT for weeks).
 * The first test feeds the checks a page with one fault of each kind, so each check is shown to fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers';

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCode(markdown).split('\n')) {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** The text outside fenced code blocks (links and headings there are examples, not the page's). */
const withoutCode = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '');

/** Every fault of one Markdown file; `file` is its path relative to ROOT. */
function docFaults(file: string, md: string, root: string, commands: Set<string>): string[] {
  const faults: string[] = [];
  const dir = path.dirname(path.join(root, file));
  for (const m of withoutCode(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target)) continue; // http:, mailto:: not checked offline
    const [p, anchor] = target.split('#');
    const abs = p ? path.resolve(dir, decodeURIComponent(p)) : path.join(root, file);
    if (!fs.existsSync(abs)) {
      faults.push(`${file}: link to ${target}: no such file`);
      continue;
    }
    const text = p ? (abs.endsWith('.md') ? fs.readFileSync(abs, 'utf8') : null) : md;
    if (anchor !== undefined && text !== null && !anchors(text).has(anchor))
      faults.push(`${file}: link to ${target}: no heading with that anchor`);
  }
  for (const m of md.matchAll(/(?<![\w./~$-])((?:src|test|notebooks)\/[\w./-]*)([*<{…]?)/g)) {
    if (m[2]) continue; // a pattern (test/*/*.test.ts, test/<layer>/), not a path
    const p = m[1].replace(/[.]+$/, '');
    if (!fs.existsSync(path.join(root, p))) faults.push(`${file}: names ${p}, which does not exist`);
  }
  for (const m of md.matchAll(/(?<![\w.-]|as )hai ([a-z][\w-]*)/g))
    if (!commands.has(m[1])) faults.push(`${file}: names \`hai ${m[1]}\`, which \`hai --help\` does not list`);
  md.split('\n').forEach((line, i) => {
    if (/^[A-Z][A-Z0-9]*_[A-Z0-9_]*$|^(TODO|TBD|FIXME|PLACEHOLDER|XXX)$/.test(line.trim()))
      faults.push(`${file}:${i + 1}: a bare placeholder line: ${line.trim()}`);
  });
  return faults;
}

/** The commands `hai --help` lists (from the built CLI: npm test builds first). */
function helpCommands(): Set<string> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hai.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const block = r.stdout.split(/^Commands:$/m)[1] ?? '';
  return new Set([...block.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]));
}

const docFiles = () => [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('each check finds its fault in a page written to fail', () => {
  const md = [
    '# A page',
    'See [setup](docs/nothere.md), [an anchor](#no-such-heading) and [fine](#a-page).',
    'The module `src/util/nothere.ts`, the test `test/util/architecture.test.ts`, all of `test/*/*.test.ts`.',
    'Run `hai course`, then `hai frobnicate`.',
    'MEASURE_TABLE',
    '```bash',
    '[not a link](nowhere.md)',
    '```',
  ].join('\n');
  const faults = docFaults('README.md', md, ROOT, new Set(['course']));
  assert.deepEqual(faults, [
    'README.md: link to docs/nothere.md: no such file',
    'README.md: link to #no-such-heading: no heading with that anchor',
    'README.md: names src/util/nothere.ts, which does not exist',
    'README.md: names `hai frobnicate`, which `hai --help` does not list',
    'README.md:5: a bare placeholder line: MEASURE_TABLE',
  ]);
  assert.deepEqual(
    [...anchors('# Padding and batching: the `fast` preset\n## 학생 · Students\n## Notes\n## Notes')],
    ['padding-and-batching-the-fast-preset', '학생--students', 'notes', 'notes-1'],
  );
});

test('README.md and docs/ link, name paths and commands that exist, and hold no placeholder', () => {
  const commands = helpCommands();
  assert.ok(commands.has('train') && commands.has('book'), `hai --help lists: ${[...commands].join(', ')}`);
  const faults = docFiles().flatMap((f) => docFaults(f, fs.readFileSync(path.join(ROOT, f), 'utf8'), ROOT, commands));
  assert.deepEqual(faults, []);
});

test('README.md is the short front door (at most 150 lines), with the three doors', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const lines = readme.trimEnd().split('\n').length;
  assert.ok(lines <= 150, `README.md has ${lines} lines`);
  for (const door of ['Students', 'Instructors', 'Graders']) assert.match(readme, new RegExp(`^## .*${door}`, 'm'));
  const img = /!\[[^\]]*\]\(([^)]+\.png)\)/.exec(readme);
  assert.ok(img, 'README.md shows one picture');
  assert.ok(fs.statSync(path.join(ROOT, img[1])).size < 400_000, `${img[1]} should stay small`);
});
