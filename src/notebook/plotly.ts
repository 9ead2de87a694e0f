/**
 * The interactive side of charts.ts: the same Plotly figures drawn by plotly.js (hover, zoom) wherever a
 * browser runs scripts, with the static SVG as the fallback that shows whenever it does not (scripts off,
 * an untrusted notebook reopened, plotly.js missing beside a copied report). plotly.js is loaded once
 * per page, never once per chart:
 *
 * - the HTML report of `npm start` references `plotly.js`, written beside it, from one `<script>`
 *   (`plotlyPageScript`), which draws every `figureBlock` of the page; the executed notebooks it keeps
 *   beside the report load the same file (`externalizePlotly`), so none carries the bundle;
 * - in a live notebook, `showFigure(fig)` sends one display with `image/svg+xml` (what exports and static
 *   viewers show) and `text/html`; the first one of a kernel session carries the bundle (as plotly.py's
 *   offline notebook mode does: about 10 MB in that cell's saved output), later ones reuse `window.Plotly`.
 *
 * Introduced in notebooks/02_inspect.ipynb.
 */
import * as fs from 'node:fs';
import { COLORS, Figure, renderSvg } from './charts';

/** File name of the bundle beside a report, and where plotly.js-dist keeps it. */
export const PLOTLY_FILE = 'plotly.js';
export const plotlyBundlePath = (): string => require.resolve('plotly.js-dist/plotly.js');
/** The plotly.js bundle (plotly.js-dist), safe to inline in a `<script>` element. */
export const plotlyBundle = (): string =>
  fs.readFileSync(plotlyBundlePath(), 'utf8').replace(/<\/script/gi, '<\\/script');

/** Plotly's arguments for a figure: the figure itself, in the SVG's fonts and colours, sized by its container. */
export function plotlyArgs(fig: Figure): {
  data: Figure['data'];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
} {
  const { width: _w, height, ...layout } = fig.layout;
  return {
    data: fig.data,
    layout: {
      ...layout,
      height: height ?? 360,
      colorway: COLORS,
      font: { family: "'Noto Sans CJK KR','Noto Sans KR',sans-serif", size: 12 },
      margin: { l: 60, r: 20, t: 48, b: 80 },
      xaxis: { automargin: true, ...layout.xaxis },
      yaxis: { automargin: true, ...layout.yaxis },
    },
    config: { responsive: true, displaylogo: false },
  };
}

const json = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
// Draws one `figure.hai-chart` with window.Plotly if the page has it; the SVG is hidden only once Plotly
// has drawn, so a failed load or a plotting error leaves the fallback visible.
const DRAW =
  `function haiDraw(f){if(!window.Plotly||f.dataset.plotly)return;` +
  `var a=JSON.parse(f.querySelector('script.plotly-figure').textContent);` +
  `f.dataset.plotly='drawing';window.Plotly.newPlot(f.querySelector('.hai-plotly'),a.data,a.layout,a.config)` +
  `.then(function(){f.querySelector('.hai-svg').style.display='none';f.dataset.plotly='drawn';},` +
  `function(e){f.dataset.plotly='failed: '+e;});}`;

/** One figure for an HTML page: a div Plotly draws into, the SVG fallback, and Plotly's arguments as JSON. */
export function figureBlock(fig: Figure, id?: string): string {
  return (
    `<figure class="hai-chart"${id ? ` id="${id}"` : ''}><div class="hai-plotly"></div>` +
    `<div class="hai-svg">${renderSvg(fig)}</div>` +
    `<script type="application/json" class="plotly-figure">${json(plotlyArgs(fig))}</script></figure>`
  );
}

/** The end of a page of `figureBlock`s: loads plotly.js once from `src`, then draws each figure. */
export const plotlyPageScript = (src = PLOTLY_FILE): string =>
  `<script src="${src}"></script>` +
  `<script>${DRAW}document.querySelectorAll('figure.hai-chart').forEach(haiDraw);</script>`;

// The UMD bundle registers itself with RequireJS where one is loaded (classic Jupyter Notebook) instead
// of setting window.Plotly; hiding `define` while it runs makes it set window.Plotly everywhere.
const inlineBundle = () =>
  `<script>window.__haiDefine=window.define;window.define=undefined;</script><script>${plotlyBundle()}</script>` +
  '<script>window.define=window.__haiDefine;</script>';

/**
 * Loads plotly.js from `src` (a file beside the page) instead of inlining it, then draws every figure the
 * output area holds; figures shown before it has loaded stay SVG until then.
 */
const fileLoader = (src: string) =>
  `<script>window.__haiDefine=window.define;window.define=undefined;window.__haiDrawAll=function(){${DRAW}` +
  `window.define=window.__haiDefine;document.querySelectorAll('figure.hai-chart').forEach(haiDraw);};</script>` +
  `<script src="${src}" onload="window.__haiDrawAll()" onerror="window.define=window.__haiDefine"></script>`;

/**
 * An executed notebook whose outputs load plotly.js from `src` beside it rather than carrying the ~10 MB
 * bundle inline (what `npm start` keeps beside its report, with one plotly.js for all notebooks). Returns a copy
 * and how many inlined bundles it replaced.
 */
export function externalizePlotly<T>(nb: T, src = PLOTLY_FILE): { nb: T; replaced: number } {
  const inline = inlineBundle();
  let replaced = 0;
  const out = JSON.parse(JSON.stringify(nb));
  for (const cell of out.cells ?? [])
    for (const o of cell.outputs ?? []) {
      const html = o.data?.['text/html'];
      if (html === undefined) continue;
      const text = Array.isArray(html) ? html.join('') : String(html);
      if (!text.includes(inline)) continue;
      o.data['text/html'] = text.split(inline).join(fileLoader(src));
      replaced++;
    }
  return { nb: out, replaced };
}

let seq = 0;
/**
 * The MIME bundle of a figure for a notebook: `image/svg+xml`, `text/html` (the SVG fallback plus a script
 * that draws with Plotly; with `loadPlotly`, the bundle inlined first) and `text/plain`.
 */
export function figureBundle(fig: Figure, o: { loadPlotly?: boolean } = {}): Record<string, string> {
  const id = `hai-fig-${process.pid}-${++seq}`;
  return {
    'image/svg+xml': renderSvg(fig),
    'text/html':
      `${o.loadPlotly ? inlineBundle() : ''}${figureBlock(fig, id)}` +
      `<script>(function(){${DRAW}haiDraw(document.getElementById('${id}'));})();</script>`,
    'text/plain': `[chart: ${fig.layout.title?.text ?? 'untitled'}]`,
  };
}

// Per kernel session (the process), shared by every copy of the library the kernel has loaded.
const FLAG = Symbol.for('hai.plotlySent');
type Sink = (msg: { data: Record<string, string>; metadata: object; transient: object }, update: boolean) => void;

/**
 * Shows a figure in a tslab notebook cell, interactive when the page runs scripts, as SVG otherwise.
 * plotly.js goes out with the first figure of the kernel session; after reloading the page without
 * restarting the kernel, pass `{ loadPlotly: true }` once (until then figures show as SVG).
 *
 * Charts are introduced in notebooks/02_inspect.ipynb (which shows them with `chartHtml`, the SVG alone).
 */
export function showFigure(fig: Figure, o: { loadPlotly?: boolean } = {}): void {
  const problem = bundleWriterProblem();
  if (problem === NO_KERNEL)
    throw new Error(
      `showFigure needs a running tslab kernel (a notebook cell); elsewhere use renderSvg(fig) or figureBlock(fig)`,
    );
  const write = problem ? null : (require('tslab/dist/jupyter').lastWriteDisplayData as Sink);
  if (!write) {
    // Not the tslab this was written for: the public one-MIME-type display, SVG only (said once per session).
    const g = globalThis as Record<symbol, boolean>;
    if (!g[WARNED]) {
      process.stderr.write(`showFigure: ${problem}; showing the static SVG instead\n`);
      g[WARNED] = true;
    }
    require('tslab').display.html(renderSvg(fig));
    return;
  }
  const g = globalThis as Record<symbol, boolean>;
  const loadPlotly = o.loadPlotly ?? !g[FLAG];
  write({ data: figureBundle(fig, { loadPlotly }), metadata: {}, transient: {} }, false);
  if (loadPlotly) g[FLAG] = true;
}

// ---- the one reach into tslab's internals (version-checked) --------------------------------------------------
// tslab's own `display` sends one MIME type per output; its kernel's writer (tslab/dist/jupyter
// `lastWriteDisplayData`, tslab 1.0.22) sends a whole bundle. It is the kernel's own module instance because the
// kernelspec runs this checkout's tslab.
const TSLAB_VERSION = '1.0.22';
const WARNED = Symbol.for('hai.plotlyWarned');
const NO_KERNEL = 'no running tslab kernel';
function bundleWriterProblem(): string {
  let v = '?';
  try {
    v = (require('tslab/package.json') as { version: string }).version;
  } catch {
    return 'tslab is not installed';
  }
  if (v !== TSLAB_VERSION)
    return `tslab ${v} is not ${TSLAB_VERSION}, the version its display internals were checked against`;
  const w = require('tslab/dist/jupyter').lastWriteDisplayData;
  return typeof w === 'function' ? '' : NO_KERNEL;
}
