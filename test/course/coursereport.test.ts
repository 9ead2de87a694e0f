/**
 * The `npm start` report (notebooks/00_setup.ipynb), written from runs the notebooks would leave: report.md
 * with its SVGs, report.html beside plotly.js; in headless Chromium (skipped where /usr/bin/chromium is
 * absent) Plotly draws every chart, and without scripts each SVG fallback shows.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { courseReportDefaults, writeCourseReport } from '../../src/course/coursereport';
import { SESSION5 } from '../notebook/labels';

const CHROMIUM = '/usr/bin/chromium';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-report-'));
const runsDir = path.join(tmp, 'runs'),
  out = path.join(tmp, 'course');
const write = (f: string, v: unknown) => {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify(v));
};
const epochs = (accs: number[]) =>
  accs.map((a, i) => ({
    epoch: i,
    train_loss: 1 / (i + 1),
    valid: { accuracy: a, mean_batch_accuracy: a, macro_f1: a / 2 },
  }));
const config = (model: string) => ({ model_ckpt: model, standin: true, sampler: 'random', maxlen: 64, epochs: 3 });
write(path.join(runsDir, '03_baseline', 'metrics.json'), {
  config: config('monologg/distilkobert'),
  epochs: epochs([0.3]),
});
write(path.join(runsDir, '04_tuned', 'metrics.json'), {
  config: config('monologg/koelectra-small-v3-discriminator'),
  epochs: epochs([0.4, 0.5, 0.6]),
});
write(path.join(runsDir, '05_further', 'results.json'), {
  results: SESSION5.map((e, i) => ({ experiment: e, accuracy: 0.5 + i / 100, macro_f1: 0.3 })),
});
const files = writeCourseReport(
  courseReportDefaults({ out, runsDir }),
  [{ notebook: '00_setup.ipynb', status: 'ok', seconds: '1.0' }],
  [],
);

test('the report: markdown with SVG files, HTML with one plotly.js script for four figures, the bundle beside it', () => {
  assert.deepEqual(
    files.map((f) => path.basename(f)),
    ['report.md', 'report.html', 'plotly.js'],
  );
  const md = fs.readFileSync(files[0], 'utf8'),
    html = fs.readFileSync(files[1], 'utf8');
  for (const n of ['labels', 'story', 'curves', 'further'])
    assert.ok(fs.readFileSync(path.join(out, `${n}.svg`), 'utf8').startsWith('<svg'), n);
  assert.match(md, /!\[further\]\(further\.svg\)/);
  assert.equal((html.match(/<figure class="hai-chart">/g) ?? []).length, 4);
  assert.equal((html.match(/<script src="plotly\.js"><\/script>/g) ?? []).length, 1);
  assert.ok(fs.statSync(files[2]).size > 1e6, 'the plotly.js bundle');
});

test(
  'in Chromium, Plotly draws the four figures; with JavaScript off the four SVGs show',
  { skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent` },
  async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      for (const js of [true, false]) {
        const ctx = await browser.newContext({ javaScriptEnabled: js });
        const page = await ctx.newPage();
        await page.goto(`file://${files[1]}`);
        if (js)
          await page.waitForFunction('document.querySelectorAll(\'figure[data-plotly="drawn"]\').length === 4', null, {
            timeout: 30000,
          });
        const plots = await page.locator('figure.hai-chart .js-plotly-plot').count();
        const svgs = await page
          .locator('figure.hai-chart .hai-svg svg')
          .evaluateAll(
            (els) =>
              els.filter(
                (e) =>
                  (e as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height > 0,
              ).length,
          );
        assert.deepEqual({ js, plots, svgs }, { js, plots: js ? 4 : 0, svgs: js ? 0 : 4 });
        await ctx.close();
      }
    } finally {
      await browser.close();
    }
  },
);
