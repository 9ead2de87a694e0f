/**
 * Slides (slides/NN_topic.md, Marp): one deck per session notebook, each with a title slide and at least eight
 * slides, and the build script turns a deck into a self-contained HTML file with the Korean theme.
 * The PDF build needs Chromium and is not run here (`npm run slides` does it where a browser is installed).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers';

const SLIDES = path.join(ROOT, 'slides');
const decks = fs
  .readdirSync(SLIDES)
  .filter((f) => /^\d\d_[\w-]+\.md$/.test(f))
  .sort();
const notebooks = fs
  .readdirSync(path.join(ROOT, 'notebooks'))
  .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
  .sort();
const num = (f: string) => f.slice(0, 2);

/** Front matter (between the first two `---` lines) and the slides: Marp splits on `---` lines outside code fences. */
function parseDeck(text: string): { frontMatter: string; slides: string[] } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  assert.equal(lines[0], '---', 'a deck starts with front matter (---)');
  const end = lines.indexOf('---', 1);
  assert.ok(end > 0, 'front matter is closed by ---');
  const slides: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  for (const line of lines.slice(end + 1)) {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) fence = fence === null ? m[1] : line.trim().startsWith(fence) ? null : fence;
    if (fence === null && line === '---') {
      slides.push(current.join('\n'));
      current = [];
      continue;
    }
    current.push(line);
  }
  slides.push(current.join('\n'));
  return { frontMatter: lines.slice(1, end).join('\n'), slides: slides.filter((s) => s.trim() !== '') };
}

test('there are decks, and every session notebook has one with its number', () => {
  assert.ok(decks.length > 0, 'no slides/NN_topic.md');
  const have = new Set(decks.map(num));
  for (const nb of notebooks) assert.ok(have.has(num(nb)), `notebooks/${nb} has no deck slides/${num(nb)}_*.md`);
  assert.equal(new Set(decks.map(num)).size, decks.length, 'one deck per session number');
});

for (const deck of decks) {
  test(`${deck}: Marp front matter, a title slide, at least 8 slides`, () => {
    const { frontMatter, slides } = parseDeck(fs.readFileSync(path.join(SLIDES, deck), 'utf8'));
    assert.match(frontMatter, /^marp: true$/m);
    assert.match(frontMatter, /^theme: hai$/m, 'the Korean theme (slides/theme/hai.css)');
    assert.match(frontMatter, /^lang: ko$/m);
    assert.match(slides[0], /<!-- _class: title -->/, 'the first slide is a title slide');
    assert.match(slides[0], /^# \S/m, 'the title slide has a level-1 heading');
    assert.match(slides[0], /[가-힣]/, 'the title is in Korean');
    assert.ok(slides.length >= 8, `${slides.length} slides; a session deck has at least 8`);
    slides.slice(1).forEach((s, i) => assert.match(s, /^## \S/m, `slide ${i + 2} has a heading`));
  });
}

test('scripts/build-slides.js builds one deck to HTML with the Korean theme', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-slides-'));
  try {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'scripts', 'build-slides.js'), '--html-only', '--out', out, '03_baseline'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120000 },
    );
    assert.equal(r.status, 0, `build failed:\n${r.stdout}\n${r.stderr}`);
    assert.deepEqual(fs.readdirSync(out), ['03_baseline.html'], 'HTML only, named after the deck');
    const html = fs.readFileSync(path.join(out, '03_baseline.html'), 'utf8');
    const { slides } = parseDeck(fs.readFileSync(path.join(SLIDES, '03_baseline.md'), 'utf8'));
    assert.equal((html.match(/<section\b[^>]*\bid="\d+"/g) ?? []).length, slides.length, 'one <section> per slide');
    assert.match(html, /Noto Sans CJK KR/, 'the theme names a Korean font');
    assert.match(html, /lang="ko"/);
    assert.match(html, /베이스라인/);
    assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)="https?:/, 'no network resources: it opens offline');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('scripts/build-slides.js names a missing deck', () => {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts', 'build-slides.js'), '--html-only', '--out', os.tmpdir(), '99_nothing'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no deck 99_nothing/);
});
