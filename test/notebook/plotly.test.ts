/**
 * plotly.js over the SVG fallback (notebooks/02_inspect.ipynb): in a real browser (headless Chromium, skipped
 * where /usr/bin/chromium is absent) Plotly draws every figure of a page once the bundle is there, and the SVG
 * shows when it is not; in a real tslab kernel, showFigure sends plotly.js with the first figure only.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { barFigure, lineFigure } from '../../src/notebook/charts';
import {
  externalizePlotly,
  figureBlock,
  figureBundle,
  PLOTLY_FILE,
  plotlyBundlePath,
  plotlyPageScript,
} from '../../src/notebook/plotly';
import { KernelClient } from '../../src/notebook/jupyter';
import { ROOT } from '../helpers';
import { SESSION5 } from './labels';

const CHROMIUM = '/usr/bin/chromium';
const noBrowser = fs.existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is absent (apt-get install chromium to run the browser checks)`;
const figs = [
  barFigure(
    SESSION5,
    [
      { name: 'accuracy', y: SESSION5.map((_, i) => i / 10) },
      { name: 'macro-F1', y: SESSION5.map((_, i) => i / 20) },
    ],
    'Session 5',
  ),
  lineFigure([{ name: 'loss', x: [0, 1, 2], y: [1, 0.5, 0.3] }], 'curve', 'epoch'),
  barFigure(['0 표준어', '1 경상도'], [{ name: 'rows', y: [3, 1] }], '라벨'),
];

let browser: Browser | undefined;
before(async () => {
  if (noBrowser) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
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
});
after(async () => {
  await browser?.close();
});

/** Opens `html` as a file (beside plotly.js when `withBundle`) and reports what each figure shows. */
async function open(html: string, withBundle: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-plotly-'));
  if (withBundle) fs.copyFileSync(plotlyBundlePath(), path.join(dir, PLOTLY_FILE));
  fs.writeFileSync(
    path.join(dir, 'page.html'),
    `<!doctype html><meta charset="utf-8"><body style="width:900px">${html}</body>`,
  );
  const page = await browser!.newPage();
  try {
    await page.goto(`file://${path.join(dir, 'page.html')}`);
    // Page scripts as strings: this project's TypeScript has no DOM types.
    if (withBundle)
      await page.waitForFunction(
        "[...document.querySelectorAll('figure.hai-chart')].every((f) => f.dataset.plotly === 'drawn')",
        null,
        { timeout: 30000 },
      );
    // ticks: label extents measured by the browser
    return (await page.evaluate(`[...document.querySelectorAll('figure.hai-chart')].map((f) => ({
      plots: f.querySelectorAll('.js-plotly-plot .main-svg').length > 0,
      svgShown: getComputedStyle(f.querySelector('.hai-svg')).display !== 'none',
      ticks: [...f.querySelectorAll('.hai-svg text.xtick')]
        .map((t) => { const b = t.getBBox(); return [b.x, b.x + b.width]; }),
    }))`)) as { plots: boolean; svgShown: boolean; ticks: [number, number][] }[];
  } finally {
    await page.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('a report page: plotly.js loaded once draws every figure and hides its SVG', { skip: noBrowser }, async () => {
  const html = figs.map((f) => figureBlock(f)).join('') + plotlyPageScript();
  assert.equal((html.match(/<script src=/g) ?? []).length, 1, 'one script element loads plotly.js');
  const shown = await open(html, true);
  assert.deepEqual(
    shown.map((s) => [s.plots, s.svgShown]),
    figs.map(() => [true, false]),
  );
});

test('an executed notebook loads plotly.js from the file beside it: small, and every figure still draws', async () => {
  // as nbformat stores it: text/html as a list of lines; the first figure of the session carries the bundle
  const outputs = figs.map((f, i) => {
    const html = figureBundle(f, { loadPlotly: i === 0 })['text/html'];
    return { output_type: 'display_data', data: { 'text/html': html.split(/(?<=\n)/) }, metadata: {} };
  });
  const nb = { cells: [{ cell_type: 'code', outputs }], metadata: {}, nbformat: 4 };
  const before = JSON.stringify(nb).length;
  const { nb: small, replaced } = externalizePlotly(nb);
  const after = JSON.stringify(small).length;
  assert.equal(replaced, 1);
  assert.ok(before > 5e6 && after < 100e3, `${before} → ${after} characters`);
  assert.equal(JSON.stringify(nb).length, before, 'the input is not changed');
  const html = small.cells[0].outputs.map((o) => o.data['text/html']).join('');
  assert.equal((html.match(/<script src="plotly\.js"/g) ?? []).length, 1);
  if (noBrowser) return;
  const shown = await open(html, true);
  assert.deepEqual(
    shown.map((s) => [s.plots, s.svgShown]),
    figs.map(() => [true, false]),
  );
  // without the file beside it, every SVG shows
  const bare = await open(html, false);
  assert.deepEqual(
    bare.map((s) => [s.plots, s.svgShown]),
    figs.map(() => [false, true]),
  );
});

test(
  'without plotly.js the same page shows every SVG, and the browser measures no overlapping labels',
  { skip: noBrowser },
  async () => {
    const shown = await open(figs.map((f) => figureBlock(f)).join('') + plotlyPageScript(), false);
    assert.deepEqual(
      shown.map((s) => [s.plots, s.svgShown]),
      figs.map(() => [false, true]),
    );
    const ticks = shown[0].ticks;
    assert.equal(ticks.length, 8);
    for (let i = 1; i < ticks.length; i++)
      assert.ok(
        ticks[i - 1][1] < ticks[i][0],
        `labels ${i - 1} and ${i} overlap: ${JSON.stringify(ticks.slice(i - 1, i + 1))}`,
      );
  },
);

test('showFigure in a tslab kernel: SVG + HTML per figure, plotly.js with the first only; drawn', async () => {
  const k = await KernelClient.start({ cwd: path.join(ROOT, 'notebooks'), timeoutMs: 60000 });
  let outputs;
  try {
    const r = await k.execute(
      [
        "import * as hai from '../dist';",
        "hai.showFigure(hai.barFigure(['a', 'b'], [{ name: 'n', y: [1, 2] }], 'first'));",
        "hai.showFigure(hai.lineFigure([{ name: 'loss', x: [0, 1], y: [1, 0.5] }], 'second'));",
      ].join('\n'),
      120000,
    );
    assert.equal(r.status, 'ok', JSON.stringify(r.outputs).slice(0, 2000) + k.stderr);
    outputs = r.outputs.filter((o) => o.output_type === 'display_data').map((o) => o.data as Record<string, string>);
  } finally {
    await k.close();
  }
  assert.equal(outputs.length, 2);
  for (const o of outputs) {
    assert.match(o['image/svg+xml'], /^<svg xmlns/);
    assert.match(o['text/html'], /class="hai-svg"><svg/, 'the HTML part carries the SVG fallback');
  }
  const bundleSize = fs.statSync(plotlyBundlePath()).size;
  assert.ok(outputs[0]['text/html'].length > bundleSize, 'the first figure carries plotly.js');
  assert.ok(outputs[1]['text/html'].length < 100000, 'the second one does not');
  if (noBrowser) return;
  // As a notebook page shows them: outputs one after another, each one's scripts run in order.
  assert.deepEqual(
    (await open(outputs.map((o) => o['text/html']).join(''), false)).map((s) => [s.plots, s.svgShown]),
    [
      [true, false],
      [true, false],
    ],
  );
  // A page reloaded while the kernel lives: the second output alone keeps its SVG.
  assert.deepEqual(
    (await open(outputs[1]['text/html'], false)).map((s) => [s.plots, s.svgShown]),
    [[false, true]],
  );
});

test('figureBundle: the MIME types a notebook stores, the figure JSON escaped for its script element', () => {
  const b = figureBundle(barFigure(['</script><b>'], [{ name: 'x', y: [1] }], 't'));
  assert.deepEqual(Object.keys(b).sort(), ['image/svg+xml', 'text/html', 'text/plain']);
  assert.ok(!b['text/html'].includes('</script><b>'));
  assert.equal(b['text/plain'], '[chart: t]');
});
