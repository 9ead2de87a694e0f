/**
 * The book's stylesheet (highlight.js's GitHub theme is appended to it in book.css). Korean first: Noto Sans CJK KR
 * where installed, then the common Korean system fonts; no web fonts, so nothing is fetched.
 *
 * Introduced in notebooks/00_setup.ipynb (the course as a book).
 */
export const BOOK_CSS = `
body { margin: 0; font: 16px/1.6 'Noto Sans CJK KR', 'Noto Sans KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif;
  color: #1f2328; background: #fff; }
header.site { display: flex; flex-wrap: wrap; gap: 1em; align-items: baseline; padding: .6em 1.5em;
  background: #0b3d91; color: #fff; }
header.site a { color: #fff; text-decoration: none; }
header.site .home { font-weight: 700; font-size: 1.1em; }
header.site nav { display: flex; gap: 1.2em; }
header.site nav a[aria-current] { text-decoration: underline; }
main { max-width: 60em; margin: 0 auto; padding: 1em 1.5em 3em; }
small { color: inherit; opacity: .75; font-size: .8em; }
a { color: #0b57d0; }
h1 small, h2 small { font-weight: 400; }
ol.sessions { list-style: none; padding: 0; }
li.session { border: 1px solid #d0d7de; border-radius: 8px; padding: .2em 1.2em; margin: 1em 0; }
li.session h2 { font-size: 1.25em; margin: .6em 0 .2em; }
.en { color: #57606a; }
.meta, .made { font-size: .9em; color: #57606a; }
.standin-tag, .error-tag { background: #fff4d6; border-radius: 4px; padding: 0 .4em; }
.error-tag { background: #ffe1e1; }
nav.prevnext { display: flex; justify-content: space-between; gap: 1em; margin: 1em 0; font-size: .95em; }
aside.banner { border-left: 6px solid #d4a72c; background: #fff8e1; padding: .6em 1em; margin: 1em 0; }
section.cell { margin: 1em 0; }
section.md table, .out table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
section.md th, section.md td, .out th, .out td { border: 1px solid #d0d7de; padding: .2em .6em; }
pre { overflow-x: auto; }
pre.code { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .7em 1em; margin: 0;
  font-size: .88em; }
pre.code code.hljs { padding: 0; background: none; }
pre.out { margin: .3em 0; padding: .4em 1em; font-size: .85em; white-space: pre-wrap; border-left: 3px solid #d0d7de; }
pre.out.stderr { background: #fff8f0; border-left-color: #e0a060; }
pre.out.error { background: #ffebe9; border-left-color: #cf222e; }
.outputs { margin-top: .3em; }
.out.svg svg, .hai-svg svg { max-width: 100%; height: auto; }
figure.hai-chart { margin: .5em 0; }
section.exercise { border: 2px solid #1a7f37; border-radius: 8px; padding: .2em 1em 1em; background: #f3fbf5; }
section.tests { border: 1px dashed #8c959f; border-radius: 8px; padding: .2em 1em 1em; }
p.tag { margin: .4em 0; font-weight: 700; }
section.exercise p.tag { color: #1a7f37; }
main.report img, main.report svg { max-width: 100%; height: auto; }
`;
