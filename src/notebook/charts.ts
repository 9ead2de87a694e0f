/**
 * Charts for notebooks and reports, as Plotly figures (`{ data, layout }`, Plotly's own schema, so they can
 * be handed to plotly.js unchanged) that also render to a small inline SVG. The SVG is what a notebook
 * stores: it stays visible when the executed notebook is reopened or exported to HTML, costs a few
 * kilobytes, and needs no script (Jupyter does not run scripts of untrusted outputs). Where a browser runs
 * scripts, the same figure is drawn interactively by plotly.js (plotly.ts: the report of `npm start`, and
 * `showFigure` in a live notebook session), with this SVG as the fallback.
 *
 * Introduced in notebooks/02_inspect.ipynb.
 */
import { escapeHtml } from '../util/html';

export interface Trace {
  type: 'bar' | 'scatter';
  name?: string;
  x: (number | string)[];
  y: number[];
  mode?: 'lines' | 'markers' | 'lines+markers';
}
export interface Layout {
  title?: { text: string };
  xaxis?: { title?: { text: string } };
  yaxis?: { title?: { text: string }; range?: [number, number] };
  barmode?: 'group';
  width?: number;
  height?: number;
}
export interface Figure {
  data: Trace[];
  layout: Layout;
}

export const COLORS = ['#636efa', '#ef553b', '#00cc96', '#ab63fa', '#ffa15a', '#19d3f3'];
const FONT = "'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic','Apple SD Gothic Neo',sans-serif";

export const barFigure = (
  x: (string | number)[],
  series: { name: string; y: number[] }[],
  title: string,
  xTitle = '',
  yTitle = '',
): Figure => ({
  data: series.map((s) => ({ type: 'bar', name: s.name, x, y: s.y })),
  layout: {
    title: { text: title },
    xaxis: { title: { text: xTitle } },
    yaxis: { title: { text: yTitle } },
    barmode: 'group',
  },
});

export const lineFigure = (
  series: { name: string; x: number[]; y: number[] }[],
  title: string,
  xTitle = '',
  yTitle = '',
): Figure => ({
  data: series.map((s) => ({ type: 'scatter', mode: 'lines+markers', name: s.name, x: s.x, y: s.y })),
  layout: { title: { text: title }, xaxis: { title: { text: xTitle } }, yaxis: { title: { text: yTitle } } },
});

/** Histograms of several series on shared bins of width `bin` (counts per bin, as grouped bars). */
export function histogramFigure(
  series: { name: string; values: number[] }[],
  bin: number,
  title: string,
  xTitle = '',
): Figure {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const edges = Array.from({ length: Math.floor(max / bin) + 1 }, (_, i) => i * bin);
  return barFigure(
    edges.map((e) => `${e}–${e + bin - 1}`),
    series.map((s) => ({ name: s.name, y: edges.map((e) => s.values.filter((v) => v >= e && v < e + bin).length) })),
    title,
    xTitle,
    'count',
  );
}

const esc = escapeHtml;
const nice = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3));

/** Font size of axis labels (shrunk to 10 or 9 where a word would not fit its slot), and a wrapped line's height. */
export const LABEL_FONT_PX = 11;
const LINE_PX = 13;
/**
 * Width of a string at `px`, estimated per character from Noto Sans CJK's advances, rounded up a little so
 * that labels err towards fitting: Hangul and CJK full-width, Latin lowercase about 0.6 em.
 */
export function textWidth(s: string, px = LABEL_FONT_PX): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w +=
      (c >= 0x1100 && c <= 0x11ff) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xff00 && c <= 0xff60)
        ? 1
        : /[ ijlft.,:;'|!()[\]-]/.test(ch)
          ? 0.36
          : /[mwMW@%–—]/.test(ch)
            ? 0.9
            : /[A-Z]/.test(ch)
              ? 0.7
              : 0.6;
  }
  return w * px;
}

/**
 * Splits a category label into at most `maxLines` lines that each fit `maxWidth` pixels at `px`: at spaces
 * and after hyphens where it can, inside a word only where a word alone is too wide; the last line ends in
 * "…" when text is left over (the full label goes in a tooltip). Session 5's eight experiment names need it.
 */
export function wrapLabel(label: string, maxWidth: number, maxLines = 3, px = LABEL_FONT_PX): string[] {
  const fits = (t: string) => textWidth(t, px) <= maxWidth;
  const lines: string[] = [];
  let cur = '';
  const push = () => {
    if (cur) lines.push(cur);
    cur = '';
  };
  // Pieces with what joins them to the previous one: a space, or nothing after a hyphen.
  for (const [i, piece] of label
    .trim()
    .split(/\s+|(?<=-)(?=\S)/)
    .entries()) {
    const joined = cur ? cur + (/-$/.test(cur) ? '' : ' ') + piece : piece;
    if (i === 0 ? fits(piece) : fits(joined)) {
      cur = i === 0 ? piece : joined;
      continue;
    }
    push();
    for (const ch of piece) {
      if (cur && !fits(cur + ch)) push();
      cur += ch;
    }
  }
  push();
  if (lines.length <= maxLines) return lines;
  let last = lines[maxLines - 1];
  while (last && !fits(last + '…')) last = [...last].slice(0, -1).join('');
  return [...lines.slice(0, maxLines - 1), last.trimEnd() + '…'];
}

/** Font size for category labels: the largest of 11, 10, 9 px at which every word fits `maxWidth`. */
export const labelFontPx = (labels: string[], maxWidth: number): number =>
  [LABEL_FONT_PX, 10, 9].find((px) =>
    labels.every((l) => l.split(/\s+|(?<=-)/).every((w) => textWidth(w, px) <= maxWidth)),
  ) ?? 9;

/** Renders a figure (bar and scatter traces) to a standalone SVG string. */
export function renderSvg(fig: Figure): string {
  const W = fig.layout.width ?? 640,
    H = fig.layout.height ?? 320;
  const bars = fig.data.filter((t) => t.type === 'bar');
  const lines = fig.data.filter((t) => t.type === 'scatter');
  // Category axis for bars (labels wrapped to their slot; the bottom margin grows by the extra lines);
  // numeric axis for lines.
  const cats = bars.length ? [...new Set(bars.flatMap((t) => t.x.map(String)))] : [];
  const every = cats.length <= 24 ? 1 : Math.ceil(cats.length / 24);
  const labelW = ((W - 72) / Math.max(1, cats.length)) * every - 6,
    labelPx = labelFontPx(cats, labelW);
  const catLines = cats.map((c) => wrapLabel(c, labelW, 4, labelPx));
  const m = { l: 56, r: 16, t: 36, b: 56 + (Math.max(1, ...catLines.map((l) => l.length)) - 1) * LINE_PX };
  const pw = W - m.l - m.r,
    ph = H - m.t - m.b;
  const ys = fig.data.flatMap((t) => t.y).filter(Number.isFinite);
  let [y0, y1] = fig.layout.yaxis?.range ?? [Math.min(0, ...ys), Math.max(0, ...ys)];
  if (y1 === y0) y1 = y0 + 1;
  const Y = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  const xs = lines.flatMap((t) => t.x.map(Number));
  const [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const X = (v: number) => m.l + (x1 === x0 ? pw / 2 : ((v - x0) / (x1 - x0)) * pw);
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e5e5e5"/>` +
        `<text x="${m.l - 6}" y="${Y(v) + 4}" text-anchor="end">${nice(v)}</text>`,
    );
  }
  if (cats.length) {
    const slot = pw / cats.length,
      bw = (slot * 0.8) / bars.length;
    cats.forEach((c, ci) => {
      bars.forEach((t, ti) => {
        const j = t.x.map(String).indexOf(c);
        if (j < 0) return;
        const v = t.y[j],
          x = m.l + ci * slot + slot * 0.1 + ti * bw;
        out.push(
          `<rect x="${x.toFixed(1)}" y="${Math.min(Y(v), Y(0)).toFixed(1)}" width="${bw.toFixed(1)}" ` +
            `height="${Math.abs(Y(v) - Y(0)).toFixed(1)}" fill="${COLORS[fig.data.indexOf(t) % COLORS.length]}">` +
            `<title>${esc(`${t.name ?? ''} ${c}: ${nice(v)}`)}</title></rect>`,
        );
      });
      if (ci % every === 0) {
        const cx = (m.l + (ci + 0.5) * slot).toFixed(1),
          ls = catLines[ci];
        out.push(
          `<text class="xtick" x="${cx}" y="${H - m.b + 16}" text-anchor="middle"` +
            `${labelPx === LABEL_FONT_PX ? '' : ` font-size="${labelPx}"`}>` +
            ls.map((l, k) => `<tspan x="${cx}" dy="${k ? LINE_PX : 0}">${esc(l)}</tspan>`).join('') +
            `${ls.join(' ') === c ? '' : `<title>${esc(c)}</title>`}</text>`,
        );
      }
    });
  }
  for (const t of lines) {
    const col = COLORS[fig.data.indexOf(t) % COLORS.length];
    const pts = t.x.map((x, i) => [X(Number(x)), Y(t.y[i])]).filter(([, y]) => Number.isFinite(y));
    out.push(
      `<polyline fill="none" stroke="${col}" stroke-width="2" ` +
        `points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${col}"/>`);
  }
  if (lines.length && !cats.length) {
    for (const v of [...new Set(xs)].slice(0, 20))
      out.push(`<text x="${X(v)}" y="${H - m.b + 16}" text-anchor="middle">${nice(v)}</text>`);
  }
  let lx = m.l; // legend entries side by side, each as wide as its name
  fig.data.forEach((t, i) => {
    if (!t.name) return;
    out.push(
      `<rect x="${lx.toFixed(1)}" y="${H - 18}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${(lx + 14).toFixed(1)}" y="${H - 9}">${esc(t.name)}</text>`,
    );
    lx += 14 + textWidth(t.name) + 24;
  });
  const title = fig.layout.title?.text,
    xt = fig.layout.xaxis?.title?.text,
    yt = fig.layout.yaxis?.title?.text;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `font-family="${FONT}" font-size="11">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    (title ? `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>` : '') +
    out.join('') +
    `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y0)}" y2="${Y(y0)}" stroke="#444"/>` +
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#444"/>` +
    (xt ? `<text x="${m.l + pw / 2}" y="${H - m.b + 34}" text-anchor="middle">${esc(xt)}</text>` : '') +
    (yt ? `<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yt)}</text>` : '') +
    '</svg>'
  );
}

/** HTML for a notebook cell (`tslab.display.html(chartHtml(fig))`): the SVG, plus the figure as JSON for tools. */
export function chartHtml(fig: Figure): string {
  const json = JSON.stringify(fig).replace(/</g, '\\u003c');
  return (
    `<figure class="hai-chart">${renderSvg(fig)}` +
    `<script type="application/json" class="plotly-figure">${json}</script></figure>`
  );
}
