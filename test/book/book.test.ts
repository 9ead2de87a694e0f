/**
 * `hai book`: the pages it makes of a notebook (exercises marked, solutions stubbed, hidden tests left out, the
 * stand-in banner, charts without the notebook's inline scripts), and the whole site in a real browser: a small
 * course run (01_data and 02_inspect executed in smoke mode, the report), built with its slides, every page opened
 * in Debian's Chromium (playwright-core) from file:// — no console error, no request leaving the folder, every
 * link and asset present, a chart that answers a hover, screenshots that are not blank. The browser part is
 * skipped, saying why, where /usr/bin/chromium is absent (.ci/run installs it). Screenshots go to
 * $HAI_SHOTS (default /tmp/book-shots); `HAI_README_SHOT=docs/img/book-session.png` also writes the README's picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sessionInfo, sessionPage } from '../../src/book/page';
import { buildBook } from '../../src/book/site';
import { runNotebook, writeNotebook } from '../../src/notebook/nbrun';
import { courseReportDefaults, writeCourseReport } from '../../src/course/coursereport';
import { barFigure } from '../../src/notebook/charts';
import { figureBundle } from '../../src/notebook/plotly';
import { ROOT } from '../helpers';

const CHROMIUM = process.env.HAI_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.HAI_SHOTS ?? path.join(os.tmpdir(), 'book-shots');
const skip = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or HAI_CHROMIUM)`;

const code = (source: string, outputs: unknown[] = []) => ({ cell_type: 'code', source, outputs, metadata: {} });
const md = (source: string) => ({ cell_type: 'markdown', source, metadata: {} });
const fakeNotebook = () => ({
  cells: [
    md('# 9. 시험 세션\n\n한국어 요약입니다.\n\n*English: a test session.*'),
    code("const m = load('x');", [
      { output_type: 'stream', name: 'stderr', text: "  STAND-IN MODEL: this is NOT the pre-trained 'x'.\n" },
    ]),
    code(
      '// @exercise 09.pick points=2\nfunction pick(): number {\n  // BEGIN SOLUTION\n  return 42;\n  // END SOLUTION\n}',
    ),
    code('// @tests 09.pick\nassert.equal(typeof pick(), "number");'),
    code('// @tests 09.pick hidden\nassert.equal(pick(), 42);'),
    code('show(fig);', [
      {
        output_type: 'display_data',
        data: figureBundle(barFigure(['a', 'b'], [{ name: 'rows', y: [1, 2] }], 'test'), { loadPlotly: true }),
      },
    ]),
    code('x', [{ output_type: 'execute_result', data: { 'text/html': '<table><tr><td>1</td></tr></table>' } }]),
  ],
  metadata: {},
});

test('a session page marks the exercises, stubs their solutions, drops hidden tests and shows the stand-in banner', () => {
  const nb = fakeNotebook();
  const info = sessionInfo('09_test', nb);
  assert.deepEqual(
    { title: info.title, summary: info.summary, english: info.english, ex: info.exercises, standin: info.standin },
    {
      title: '9. 시험 세션',
      summary: '한국어 요약입니다.',
      english: 'a test session.',
      ex: ['09.pick'],
      standin: true,
    },
  );
  const page = sessionPage(nb, info, { prev: null, next: null, slides: 'slides/09_test.html' }, { solutions: false });
  assert.match(page, /class="banner standin"/);
  assert.match(page, /<section class="cell exercise" id="ex-09.pick">/);
  assert.match(page, /YOUR CODE HERE/);
  assert.doesNotMatch(page, /return<\/span> <span class="hljs-number">42/);
  assert.doesNotMatch(page, /hidden/);
  assert.match(page, /<table><tr><td>1<\/td><\/tr><\/table>/);
  assert.match(page, /<figure class="hai-chart"><div class="hai-plotly"><\/div><div class="hai-svg"><svg/);
  // the notebook's inlined plotly.js bundle and its draw script stay out: the page loads the site's one copy
  assert.equal(page.match(/<script\b/g)?.length, 3, 'the figure JSON, plotly.js, the draw script');
  assert.match(page, /<script src="plotly.js"><\/script>/);
  const teacher = sessionPage(nb, info, { prev: null, next: null, slides: null }, { solutions: true });
  assert.match(teacher, /return<\/span> <span class="hljs-number">42/);
  assert.match(teacher, /숨은 테스트/);
  const plain = sessionPage(
    { cells: [md('# 1. 처음')], metadata: {} },
    sessionInfo('01_x', { cells: [md('# 1. 처음')], metadata: {} }),
    {
      prev: null,
      next: null,
      slides: null,
    },
    { solutions: false },
  );
  assert.doesNotMatch(plain, /banner|<script/);
});

test('with no executed notebooks, hai book runs the course first (smoke mode) and says so', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-book-'));
  try {
    const logs: string[] = [];
    const asked: { full: boolean }[] = [];
    const book = await buildBook({
      out: path.join(tmp, 'site'),
      from: path.join(tmp, 'run'),
      slides: false,
      log: (s) => logs.push(s),
      runCourse: async (o) => {
        asked.push({ full: o.full });
        writeNotebook(path.join(o.out, 'notebooks', '09_test.ipynb'), fakeNotebook());
        return { failures: [] };
      },
    });
    assert.deepEqual(asked, [{ full: false }]);
    assert.equal(book.ranCourse, true);
    assert.match(logs[0], /no executed notebooks in .*: running the course first \(smoke mode\)/);
    const index = fs.readFileSync(path.join(tmp, 'site', 'index.html'), 'utf8');
    assert.match(index, /강좌를 먼저 실행했습니다 \(스모크 모드\)/);
    assert.match(index, /href="09_test.html"/);
    assert.match(fs.readFileSync(path.join(tmp, 'site', 'report.html'), 'utf8'), /이 실행에는 보고서가 없습니다/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test(
  'hai book builds an offline site from a course run, and Chromium opens every page',
  { skip, timeout: 600_000 },
  async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-book-'));
    const from = path.join(tmp, 'run');
    const out = path.join(tmp, 'site');
    const runs: Record<string, unknown>[] = [];
    for (const nb of ['01_data.ipynb', '02_inspect.ipynb']) {
      const r = await runNotebook(path.join(ROOT, 'notebooks', nb), { smoke: true, timeoutS: 300 });
      assert.equal(r.status, 'ok', `${nb}: ${r.status}`);
      writeNotebook(path.join(from, 'notebooks', nb), r.executed);
      runs.push({ notebook: nb, status: r.status, seconds: r.seconds.toFixed(1) });
    }
    const empty = fs.mkdtempSync(path.join(tmp, 'metrics-'));
    writeCourseReport(courseReportDefaults({ out: from, runsDir: empty, log: () => {} }), runs, []);
    const logs: string[] = [];
    const book = await buildBook({ out, from, log: (s) => logs.push(s) });
    assert.equal(book.ranCourse, false);
    assert.deepEqual(book.pages.sort(), ['01_data.html', '02_inspect.html', 'index.html', 'report.html']);
    const pages = [...book.pages, 'slides/01_data.html', 'slides/02_inspect.html'];
    for (const p of pages) assert.ok(fs.existsSync(path.join(out, p)), `${p} written`);

    const { chromium } = await import('playwright-core');
    const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1000, height: 700 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      page.on('request', (r) => /^(file|data|blob):/.test(r.url()) || problems.push(`left the folder: ${r.url()}`));
      for (const p of pages) {
        await page.goto(`file://${path.join(out, p)}`, { waitUntil: 'load' });
        const refs: string[] = await page.$$eval('a[href], link[href], script[src], img[src]', (els) =>
          els.map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? ''),
        );
        for (const ref of refs) {
          assert.doesNotMatch(ref, /^(https?:)?\/\//, `${p}: absolute link ${ref}`);
          if (/^(#|data:|mailto:)/.test(ref) || ref === '') continue;
          const target = path.resolve(path.dirname(path.join(out, p)), ref.split('#')[0]);
          assert.ok(fs.existsSync(target), `${p}: ${ref} does not resolve`);
        }
        const ids: string[] = await page.$$eval('[id]', (els) => els.map((e) => e.id));
        for (const ref of refs.filter((r) => r.startsWith('#') && r.length > 1))
          assert.ok(ids.includes(decodeURIComponent(ref.slice(1))), `${p}: anchor ${ref}`);
      }
      // the index lists both sessions, Korean first
      await page.goto(`file://${path.join(out, 'index.html')}`);
      assert.match((await page.textContent('p.made')) ?? '', /스모크 모드 실행입니다/);
      assert.deepEqual(await page.$$eval('li.session h2 a', (a) => a.map((x) => x.getAttribute('href'))), [
        '01_data.html',
        '02_inspect.html',
      ]);
      fs.mkdirSync(SHOTS, { recursive: true });
      const indexShot = await page.screenshot({ path: path.join(SHOTS, 'index.png') });
      // a session page: its chart is drawn by plotly.js and answers a hover
      await page.goto(`file://${path.join(out, '02_inspect.html')}`);
      await page.waitForSelector('figure.hai-chart[data-plotly="drawn"]', { timeout: 30_000 });
      assert.ok(await page.isHidden('figure.hai-chart .hai-svg'), 'the SVG fallback gives way to the drawn chart');
      const chart = page.locator('figure.hai-chart[data-plotly="drawn"]').first();
      await chart.scrollIntoViewIfNeeded();
      const bar = chart.locator('.point path').first();
      await bar.hover({ force: true });
      await page.waitForSelector('figure.hai-chart .hoverlayer .hovertext', { timeout: 10_000 });
      const sessionShot = await page.screenshot({ path: path.join(SHOTS, 'session.png') });
      if (process.env.HAI_README_SHOT) fs.copyFileSync(path.join(SHOTS, 'session.png'), process.env.HAI_README_SHOT);
      assert.ok(await page.locator('section.exercise').count(), 'exercises are marked');
      for (const [name, png] of [
        ['index', indexShot],
        ['session', sessionShot],
      ] as const) {
        const inked = await page.evaluate(async (b64: string) => {
          const { Image, document } = globalThis as any;
          const img = new Image();
          img.src = `data:image/png;base64,${b64}`;
          await img.decode();
          const c = document.createElement('canvas');
          [c.width, c.height] = [img.width, img.height];
          const g = c.getContext('2d');
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) n++;
          return n / (d.length / 4);
        }, png.toString('base64'));
        assert.ok(inked > 0.01, `${name} screenshot is blank (${(inked * 100).toFixed(2)} % of pixels drawn)`);
      }
      assert.deepEqual(problems, []);
      // where plotly.js does not load (scripts off, a copied page), each chart's SVG stays visible
      await page.route('**/plotly.js', (r) => r.abort());
      await page.goto(`file://${path.join(out, '02_inspect.html')}`);
      assert.ok(await page.isVisible('figure.hai-chart .hai-svg svg'), 'the SVG fallback shows');
      assert.equal(await page.locator('figure.hai-chart[data-plotly]').count(), 0);
    } finally {
      await context.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);
