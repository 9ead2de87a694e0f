/**
 * One session of the book: an executed notebook as a page. Markdown rendered, TypeScript highlighted, the outputs
 * as the notebook holds them (tables, text, charts drawn by plotly.js over their SVG), the exercises marked, and a
 * banner where the run used offline stand-in models. Exercise solutions are shown as the student version shows them
 * (`// YOUR CODE HERE`) and hidden tests left out, unless the book is built `--solutions` for instructors.
 *
 * Introduced in notebooks/00_setup.ipynb (the course as a book).
 */
import type { Cell, Notebook } from '../notebook/nbformat';
import { escapeHtml } from '../util/html';
import { STANDIN_MARK, chartScript, highlightCode, joinSource, renderMarkdown, renderOutput } from './render';

/** What the index says of a session, read from the notebook's first Markdown cell. */
export interface SessionInfo {
  /** `03_baseline` */
  stem: string;
  /** The first heading (Korean). */
  title: string;
  /** The first paragraph after it (Korean). */
  summary: string;
  /** The `*English: …*` line, when the cell has one. */
  english: string;
  exercises: string[];
  standin: boolean;
  errors: number;
}

const EXERCISE = /^\s*\/\/ @exercise (\S+)(?: points=(\d+))?/;
const TESTS = /^\s*\/\/ @tests (\S+)( hidden)?/;
const SOLUTION = /^([ \t]*)\/\/ BEGIN SOLUTION[^\n]*\n[\s\S]*?^[ \t]*\/\/ END SOLUTION[^\n]*$/gm;

/** The exercise cell as students get it: each solution region replaced by the line they fill in. */
export const studentSource = (src: string): string => src.replace(SOLUTION, '$1// YOUR CODE HERE');

/** The session's title, summary and facts (exercises, stand-ins, errors) from its executed notebook. */
export function sessionInfo(stem: string, nb: Notebook): SessionInfo {
  const first = nb.cells.find((c) => c.cell_type === 'markdown');
  const text = first ? joinSource(first.source) : '';
  const title = /^#\s+(.+)$/m.exec(text)?.[1].trim() ?? stem;
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#') && !p.startsWith('|') && !p.startsWith('>'));
  const english = paragraphs.find((p) => /^\*English:/.test(p)) ?? '';
  const summary = paragraphs.find((p) => !/^\*English:/.test(p)) ?? '';
  const exercises: string[] = [];
  let standin = false;
  let errors = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    const m = EXERCISE.exec(joinSource(c.source));
    if (m) exercises.push(m[1]);
    for (const o of c.outputs ?? []) {
      if (o.output_type === 'error') errors++;
      if (o.output_type === 'stream' && STANDIN_MARK.test(joinSource(o.text))) standin = true;
    }
  }
  return {
    stem,
    title,
    summary: summary.replace(/\s*\n\s*/g, ' '),
    english: english.replace(/^\*English:\s*|\*$/g, '').replace(/\s*\n\s*/g, ' '),
    exercises,
    standin,
    errors,
  };
}

/** Links around a page: the index, previous and next sessions, the slides, the report. */
export interface PageNav {
  prev: SessionInfo | null;
  next: SessionInfo | null;
  /** Relative path of the slide deck, or null when the book was built without slides. */
  slides: string | null;
}

/** The `<header>` every page shares. */
export function siteHeader(active: string, slides: string | null = null): string {
  const link = (href: string, label: string) =>
    `<a href="${href}"${href === active ? ' aria-current="page"' : ''}>${label}</a>`;
  return (
    `<header class="site"><a class="home" href="index.html">HAI 방언 분류 실습 <small>HAI Dialect Lab</small></a>` +
    `<nav>${link('index.html', '목차 <small>Contents</small>')}` +
    `${slides ? link(slides, '슬라이드 <small>Slides</small>') : ''}` +
    `${link('report.html', '결과 보고서 <small>Results</small>')}</nav></header>`
  );
}

/** A full HTML page of the book. */
export function pageShell(title: string, header: string, body: string, script = ''): string {
  return (
    `<!doctype html><html lang="ko"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>` +
    `<link rel="stylesheet" href="book.css"></head><body>${header}<main>${body}</main>${script}</body></html>`
  );
}

function prevNext(nav: PageNav): string {
  const side = (s: SessionInfo | null, rel: string, label: string) =>
    s ? `<a rel="${rel}" href="${s.stem}.html">${label}: ${escapeHtml(s.title)}</a>` : '<span></span>';
  return `<nav class="prevnext">${side(nav.prev, 'prev', '← 이전')}${side(nav.next, 'next', '다음 →')}</nav>`;
}

function codeCell(c: Cell, solutions: boolean): string {
  let src = joinSource(c.source);
  const ex = EXERCISE.exec(src);
  const test = TESTS.exec(src);
  if (test?.[2] && !solutions) return '';
  if (ex && !solutions) src = studentSource(src);
  const code = `<pre class="code"><code class="hljs language-typescript">${highlightCode(src)}</code></pre>`;
  const outputs = (c.outputs ?? []).map(renderOutput).join('');
  const body = code + (outputs ? `<div class="outputs">${outputs}</div>` : '');
  if (ex) {
    const points = ex[2] ? ` · ${ex[2]}점 <small>(${ex[2]} points)</small>` : '';
    return (
      `<section class="cell exercise" id="ex-${escapeHtml(ex[1])}"><p class="tag">연습 문제 <small>Exercise</small> ` +
      `<code>${escapeHtml(ex[1])}</code>${points}</p>${body}</section>`
    );
  }
  if (test) {
    const kind = test[2] ? '숨은 테스트 <small>hidden tests</small>' : '테스트 <small>tests</small>';
    const tag = `<p class="tag">${kind} <code>${escapeHtml(test[1])}</code></p>`;
    return `<section class="cell tests">${tag}${body}</section>`;
  }
  return `<section class="cell code">${body}</section>`;
}

const STANDIN_BANNER =
  '<aside class="banner standin"><strong>대역 모델(stand-in)로 실행한 결과입니다.</strong> 같은 구조의 작은 무작위 모델이라 ' +
  '숫자는 진짜 사전 학습 모델의 결과가 아닙니다. <small>This run used offline stand-in models (randomly initialised, ' +
  'not the pre-trained ones): run the course with the real models (<code>hai course --full</code>) for real numbers.' +
  '</small></aside>';

/** The page of one session. */
export function sessionPage(nb: Notebook, info: SessionInfo, nav: PageNav, o: { solutions: boolean }): string {
  const cells = nb.cells
    .map((c) =>
      c.cell_type === 'markdown'
        ? `<section class="cell md">${renderMarkdown(joinSource(c.source))}</section>`
        : c.cell_type === 'code'
          ? codeCell(c, o.solutions)
          : '',
    )
    .join('\n');
  const exercises = info.exercises.length
    ? `<p class="exlist">연습 문제 <small>Exercises</small>: ` +
      info.exercises.map((id) => `<a href="#ex-${escapeHtml(id)}"><code>${escapeHtml(id)}</code></a>`).join(' ') +
      '</p>'
    : '';
  const slides = nav.slides
    ? `<p class="slides"><a href="${nav.slides}">이 세션의 슬라이드 <small>Slides</small></a></p>`
    : '';
  const charts = cells.includes('class="hai-chart"');
  const body =
    prevNext(nav) +
    (info.standin ? STANDIN_BANNER : '') +
    slides +
    exercises +
    `<article class="notebook">${cells}</article>` +
    prevNext(nav);
  const script = charts ? chartScript('plotly.js') : '';
  return pageShell(`${info.title} · HAI Dialect Lab`, siteHeader(`${info.stem}.html`, nav.slides), body, script);
}
