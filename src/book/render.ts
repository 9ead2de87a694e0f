/**
 * The pieces of a book page (`hai book`): Markdown cells through markdown-it, TypeScript through highlight.js
 * (both come with the slides' Marp, so nothing is downloaded), and a notebook cell's outputs as HTML. Outputs
 * are the course's own executed notebooks, but their scripts are not copied: the only script of a page is the
 * one that draws its charts with the site's single copy of plotly.js, so a page works from a folder or a zip.
 *
 * Introduced in notebooks/00_setup.ipynb (the course as a book).
 */
import { escapeHtml } from '../util/html';

interface MarkdownIt {
  render(src: string): string;
  renderInline(src: string): string;
}
interface Hljs {
  highlight(code: string, o: { language: string }): { value: string };
  getLanguage(name: string): unknown;
}

let md: MarkdownIt | null = null;
let hljs: Hljs | null = null;
function deps(): { md: MarkdownIt; hljs: Hljs } {
  if (!md || !hljs) {
    try {
      hljs = require('highlight.js/lib/common') as Hljs;
      const MarkdownItCtor = require('markdown-it') as new (o: object) => MarkdownIt;
      md = new MarkdownItCtor({ html: true, linkify: false, typographer: false, highlight: highlightCode });
    } catch (e) {
      throw new Error(
        'hai book needs markdown-it and highlight.js (installed with @marp-team/marp-cli by npm ci): ' +
          (e as Error).message,
      );
    }
  }
  return { md: md!, hljs: hljs! };
}

/** A code block as highlighted HTML (TypeScript unless the fence names another known language). */
export function highlightCode(code: string, lang = 'typescript'): string {
  const { hljs } = deps();
  const language = lang && hljs.getLanguage(lang) ? lang : 'typescript';
  return hljs.highlight(code, { language }).value;
}

/** Markdown to HTML; links to other notebooks (`04_tuned.ipynb`) point at their pages instead. */
export function renderMarkdown(src: string): string {
  return deps()
    .md.render(src)
    .replace(/href="(?:\.\/)?(\d\d_[\w-]+)\.ipynb"/g, 'href="$1.html"');
}

/** One paragraph of Markdown as inline HTML (the index's summaries). */
export const renderInline = (src: string): string => deps().md.renderInline(src);

/** Jupyter's multiline strings: a string or a list of lines. */
export const joinSource = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));

// ANSI colour codes (tslab's error traces, progress lines) are noise in a page.
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
// A progress bar redraws its line with \r; the page keeps what the terminal would end with.
const settleCarriageReturns = (s: string) =>
  s
    .split('\n')
    .map((l) => l.split('\r').filter(Boolean).pop() ?? '')
    .join('\n');
const pre = (cls: string, text: string) =>
  `<pre class="out ${cls}">${escapeHtml(settleCarriageReturns(stripAnsi(text)))}</pre>`;

/** A figure's HTML as the book shows it: the SVG fallback, the Plotly div and its arguments, no script. */
function chartFromHtml(html: string, svg: string | undefined): string | null {
  const args = /<script type="application\/json" class="plotly-figure">([\s\S]*?)<\/script>/.exec(html);
  if (!args) return null;
  const inner = /<div class="hai-svg">([\s\S]*?)<\/div><script/.exec(html);
  const fallback = svg ?? inner?.[1] ?? '';
  return (
    `<figure class="hai-chart"><div class="hai-plotly"></div><div class="hai-svg">${fallback}</div>` +
    `<script type="application/json" class="plotly-figure">${args[1]}</script></figure>`
  );
}

// Everything a cell's HTML output may run or load is dropped: the page's own script draws the charts.
const withoutScripts = (html: string) =>
  html.replace(/<script\b[\s\S]*?<\/script>/gi, '').replace(/\son[a-z]+="[^"]*"/gi, '');

/** One output of a code cell as HTML, the richest form the book can show offline. */
export function renderOutput(out: any): string {
  if (out.output_type === 'stream') return pre(out.name === 'stderr' ? 'stderr' : 'stdout', joinSource(out.text));
  if (out.output_type === 'error')
    return pre('error', [`${out.ename}: ${out.evalue}`, ...(out.traceback ?? [])].join('\n'));
  const data = out.data ?? {};
  const html = data['text/html'] !== undefined ? joinSource(data['text/html']) : undefined;
  const svg = data['image/svg+xml'] !== undefined ? joinSource(data['image/svg+xml']) : undefined;
  if (html !== undefined) {
    const chart = chartFromHtml(html, svg);
    if (chart) return chart;
    return `<div class="out html">${withoutScripts(html)}</div>`;
  }
  if (svg !== undefined) return `<div class="out svg">${withoutScripts(svg)}</div>`;
  if (data['image/png']) return `<img class="out" alt="" src="data:image/png;base64,${joinSource(data['image/png'])}">`;
  if (data['text/markdown'] !== undefined)
    return `<div class="out md">${renderMarkdown(joinSource(data['text/markdown']))}</div>`;
  if (data['text/plain'] !== undefined) return pre('text', joinSource(data['text/plain']));
  return '';
}

/** The banner text of src/models/standin.ts, as it appears in a cell's output. */
export const STANDIN_MARK = /STAND-IN MODEL: this is NOT the pre-trained/;

/** The script of every page with charts: load the site's plotly.js once, then draw each figure over its SVG. */
export function chartScript(plotlySrc: string): string {
  return (
    `<script src="${plotlySrc}"></script><script>document.querySelectorAll('figure.hai-chart').forEach(function(f){` +
    `if(!window.Plotly)return;var a=JSON.parse(f.querySelector('script.plotly-figure').textContent);` +
    `window.Plotly.newPlot(f.querySelector('.hai-plotly'),a.data,a.layout,a.config).then(function(){` +
    `f.querySelector('.hai-svg').style.display='none';f.dataset.plotly='drawn';});});</script>`
  );
}
