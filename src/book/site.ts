/**
 * `hai book`: the course as a static site, offline and with relative links only, so it works from a folder, a zip
 * or GitHub Pages. An index of the sessions and what each teaches, one page per executed notebook, each session's
 * slide deck beside it (Marp, `npm run slides`), and `npm start`'s results report. It is built from the executed
 * notebooks of `npm start` (runs/course/notebooks); where there are none it runs the course first, in smoke mode
 * unless `full`, and says so.
 *
 * Introduced in notebooks/00_setup.ipynb (the course as a book).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { courseReport } from '../course/coursereport';
import { plotlyBundlePath } from '../notebook/plotly';
import { writeFileAtomic } from '../util/files';
import { escapeHtml } from '../util/html';
import { REPO_ROOT } from '../util/paths';
import { SessionInfo, pageShell, sessionInfo, sessionPage, siteHeader } from './page';
import { BOOK_CSS } from './style';
import { renderInline } from './render';

export interface BookConfig {
  /** The site's folder. */
  out: string;
  /** The course run to read: `<from>/notebooks/NN_*.ipynb` and `<from>/report.html`. */
  from: string;
  /** Run the course with the real configurations when there is no run yet (else smoke mode). */
  full: boolean;
  /** Show exercise solutions and hidden tests (an instructor's copy); students' books leave them out. */
  solutions: boolean;
  /** Build the slide decks beside the sessions (needs Marp, a devDependency). */
  slides: boolean;
  log: (s: string) => void;
  /** How the course is run when `from` holds no executed notebooks (`npm start`'s runner; tests give their own). */
  runCourse: (o: { full: boolean; out: string; log: (s: string) => void }) => Promise<{ failures: string[] }>;
}
export const bookDefaults = (o: Partial<BookConfig> = {}): BookConfig => ({
  out: path.resolve('site'),
  from: path.join(REPO_ROOT, 'runs', 'course'),
  full: false,
  solutions: false,
  slides: true,
  log: (s) => console.error(s),
  runCourse: (r) => courseReport(r),
  ...o,
});

export interface BookResult {
  pages: string[];
  sessions: SessionInfo[];
  /** True when the course had to be run first. */
  ranCourse: boolean;
}

const SESSION = /^\d\d_[\w-]+\.ipynb$/;
const listSessions = (dir: string) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => SESSION.test(f))
        .sort()
    : [];

/** Builds the site; returns the pages written (relative to `out`). */
export async function buildBook(cfg: Partial<BookConfig> = {}): Promise<BookResult> {
  const c = bookDefaults(cfg);
  const nbDir = path.join(c.from, 'notebooks');
  let ranCourse = false;
  if (!listSessions(nbDir).length) {
    c.log(
      `hai book: no executed notebooks in ${nbDir}: running the course first (${c.full ? 'full' : 'smoke mode'}), ` +
        'as npm start does',
    );
    const r = await c.runCourse({ full: c.full, out: c.from, log: c.log });
    if (r.failures.length) c.log(`hai book: ${r.failures.length} notebook(s) failed; their pages show the errors`);
    ranCourse = true;
  }
  const files = listSessions(nbDir);
  if (!files.length) throw new Error(`hai book: ${nbDir} holds no executed notebooks (NN_topic.ipynb)`);
  fs.mkdirSync(c.out, { recursive: true });
  const nbs = files.map((f) => {
    const file = path.join(nbDir, f);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not a notebook: ${(e as Error).message}`);
    }
  });
  const sessions = files.map((f, i) => sessionInfo(f.replace(/\.ipynb$/, ''), nbs[i]));
  const decks = c.slides ? buildSlides(c, sessions) : new Set<string>();
  const deckOf = (s: SessionInfo) => (decks.has(s.stem) ? `slides/${s.stem}.html` : null);
  const pages: string[] = [];
  const write = (name: string, html: string) => {
    writeFileAtomic(path.join(c.out, name), html);
    pages.push(name);
  };
  sessions.forEach((s, i) =>
    write(
      `${s.stem}.html`,
      sessionPage(nbs[i], s, { prev: sessions[i - 1] ?? null, next: sessions[i + 1] ?? null, slides: deckOf(s) }, c),
    ),
  );
  write('index.html', indexPage(sessions, deckOf, { ranCourse, full: c.full, from: c.from, mode: runMode(c.from) }));
  write('report.html', reportPage(c.from));
  writeFileAtomic(
    path.join(c.out, 'book.css'),
    BOOK_CSS + fs.readFileSync(require.resolve('highlight.js/styles/github.css')),
  );
  fs.copyFileSync(plotlyBundlePath(), path.join(c.out, 'plotly.js'));
  c.log(`hai book: ${pages.length} pages in ${c.out}${decks.size ? `, ${decks.size} slide decks in slides/` : ''}`);
  return { pages, sessions, ranCourse };
}

/** Marp's HTML of each session's deck, into `<out>/slides/` (scripts/build-slides.js, as `npm run slides`). */
function buildSlides(c: BookConfig, sessions: SessionInfo[]): Set<string> {
  const want = sessions.filter((s) => fs.existsSync(path.join(REPO_ROOT, 'slides', `${s.stem}.md`))).map((s) => s.stem);
  if (!want.length) return new Set();
  const dir = path.join(c.out, 'slides');
  const r = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts', 'build-slides.js'), ...want, '--html-only', '--out', dir],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(
      `hai book: building the slides failed (scripts/build-slides.js, exit ${r.status}); --no-slides builds the book ` +
        `without them:\n${(r.stderr || r.stdout || String(r.error)).trim()}`,
    );
  const built = new Set(want.filter((s) => fs.existsSync(path.join(dir, `${s}.html`))));
  const missing = want.filter((s) => !built.has(s));
  if (missing.length) throw new Error(`hai book: no slide HTML written for ${missing.join(', ')} in ${dir}`);
  return built;
}

function indexPage(
  sessions: SessionInfo[],
  deckOf: (s: SessionInfo) => string | null,
  o: { ranCourse: boolean; full: boolean; from: string; mode: string | null },
): string {
  const rel = path.relative(REPO_ROOT, o.from);
  const source = rel && !rel.startsWith('..') ? rel : path.basename(o.from);
  const rows = sessions
    .map((s) => {
      const deck = deckOf(s);
      const flags = [
        s.exercises.length ? `연습 문제 ${s.exercises.length}개 <small>${s.exercises.length} exercises</small>` : '',
        s.standin ? '<span class="standin-tag">대역 모델 <small>stand-in</small></span>' : '',
        s.errors ? `<span class="error-tag">오류 ${s.errors} <small>errors</small></span>` : '',
      ].filter(Boolean);
      return (
        `<li class="session"><h2><a href="${s.stem}.html">${escapeHtml(s.title)}</a></h2>` +
        `<p>${renderInline(s.summary)}</p>${s.english ? `<p class="en">${renderInline(s.english)}</p>` : ''}` +
        `<p class="meta">${deck ? `<a href="${deck}">슬라이드 <small>slides</small></a>` : ''}` +
        `${flags.length ? ` · ${flags.join(' · ')}` : ''}</p></li>`
      );
    })
    .join('');
  const made = o.ranCourse
    ? `이 책을 만들 때 실행된 노트북이 없어 강좌를 먼저 실행했습니다 (${o.full ? '전체' : '스모크 모드'}). ` +
      `<small>No executed notebooks were found, so the course was run first ` +
      `(${o.full ? 'full' : 'smoke mode'}).</small>`
    : `<code>${escapeHtml(source)}</code>에 있는 <code>npm start</code>의 실행 결과로 만들었습니다. ` +
      `<small>Built from the executed notebooks of <code>npm start</code>.</small>` +
      (o.mode === 'smoke'
        ? ' 스모크 모드 실행입니다: 일부 데이터, 짧은 학습, 대역 모델. <small>A smoke-mode run: subsets, short runs, ' +
          'stand-in models.</small>'
        : o.mode === 'full'
          ? ' 전체 실행입니다. <small>A full run.</small>'
          : '');
  const body =
    `<h1>HAI 방언 분류 실습 <small>HAI Dialect Lab</small></h1>` +
    `<p>한국어 문장이 표준어(0), 경상(1), 제주(2), 전라(3) 중 어디 말인지 맞히는 모델을 만드는 2022년 강좌를 TypeScript로 ` +
    `다시 만든 실습입니다. 세션마다 실행된 노트북, 슬라이드, 연습 문제가 있습니다.</p>` +
    `<p class="en">The 2022 HAI Korean dialect course re-created in TypeScript: each session's executed notebook, ` +
    `its slides and its exercises. <a href="report.html">결과 보고서 <small>the results report</small></a>.</p>` +
    `<p class="made">${made}</p><ol class="sessions">${rows}</ol>`;
  return pageShell('HAI 방언 분류 실습 · HAI Dialect Lab', siteHeader('index.html'), body);
}

/** Whether the course run was `full` or `smoke`, as its report says (`Mode: …`); null without a report. */
function runMode(from: string): string | null {
  const file = path.join(from, 'report.html');
  return fs.existsSync(file) ? (/<p>Mode: (full|smoke)\b/.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? null) : null;
}

/** `npm start`'s report.html inside the book's header; its charts use the site's plotly.js, as beside the report. */
function reportPage(from: string): string {
  const file = path.join(from, 'report.html');
  if (!fs.existsSync(file))
    return pageShell(
      '결과 보고서 · HAI Dialect Lab',
      siteHeader('report.html'),
      `<h1>결과 보고서 <small>Results report</small></h1><p>이 실행에는 보고서가 없습니다 (<code>npm start</code>가 ` +
        `끝까지 가지 않았습니다). <small>This run has no report.html: npm start did not finish.</small></p>`,
    );
  const html = fs.readFileSync(file, 'utf8');
  const head = /<head>([\s\S]*?)<\/head>/i.exec(html)?.[1] ?? '';
  const style = (head.match(/<style[\s\S]*?<\/style>/gi) ?? [])
    .join('')
    // the report's page layout (body width, margins) gives way to the book's header and main column
    .replace(/\bbody\s*\{/g, 'main.report {');
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  return (
    `<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>결과 보고서 · HAI Dialect Lab</title>` +
    `<link rel="stylesheet" href="book.css">${style}</head><body>${siteHeader('report.html')}` +
    `<main class="report">${body}</main></body></html>`
  );
}
