#!/usr/bin/env node
/**
 * `npm run slides`: builds every session deck (slides/NN_topic.md) with Marp to HTML in slides/dist/, and to
 * PDF as well when a Chromium or Chrome is found. Without one it says so and builds HTML only (exit 0).
 *
 *   node scripts/build-slides.js                    every deck, HTML + PDF (PDF only with a browser)
 *   node scripts/build-slides.js 03_baseline        one deck (a name, NN_topic.md or a path)
 *   node scripts/build-slides.js --html-only        skip the PDF
 *   node scripts/build-slides.js --out /tmp/decks   another output folder
 *
 * The browser: $CHROME_PATH if set, else the first of /usr/bin/chromium, chromium-browser, google-chrome
 * (stable). Marp adds --no-sandbox by itself when it runs as root. The theme is slides/theme/hai.css
 * (Korean fonts: Noto Sans CJK KR, then common Korean system fonts).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SLIDES = path.join(ROOT, 'slides');
const THEME = path.join(SLIDES, 'theme', 'hai.css');
const DECK = /^\d\d_[\w-]+\.md$/;

function usage(code) {
  console.log('usage: node scripts/build-slides.js [deck ...] [--html-only] [--out <dir>]');
  process.exit(code);
}

function parseArgs(argv) {
  const o = { decks: [], htmlOnly: false, out: path.join(SLIDES, 'dist') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--html-only') o.htmlOnly = true;
    else if (a === '--out') { if (!argv[i + 1]) usage(2); o.out = path.resolve(argv[++i]); }
    else if (a === '-h' || a === '--help') usage(0);
    else if (a.startsWith('-')) { console.error(`unknown option ${a}`); usage(2); }
    else o.decks.push(a);
  }
  return o;
}

/** Every deck in slides/, by number; or the ones named (03_baseline, 03_baseline.md, slides/03_baseline.md). */
function resolveDecks(names) {
  const all = fs.readdirSync(SLIDES).filter((f) => DECK.test(f)).sort();
  if (!names.length) return all.map((f) => path.join(SLIDES, f));
  return names.map((n) => {
    const base = path.basename(n).replace(/\.md$/, '') + '.md';
    const file = fs.existsSync(n) && n.endsWith('.md') ? path.resolve(n) : path.join(SLIDES, base);
    if (!fs.existsSync(file)) throw new Error(`no deck ${n} (looked for ${file}; decks: ${all.join(', ') || 'none'})`);
    return file;
  });
}

function findBrowser() {
  const env = process.env.CHROME_PATH;
  if (env) return fs.existsSync(env) ? { path: env } : { missing: `CHROME_PATH=${env} does not exist` };
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  const found = candidates.find((c) => fs.existsSync(c));
  return found ? { path: found } : { missing: `no Chromium/Chrome at ${candidates.join(', ')} and CHROME_PATH is not set` };
}

/** One Marp conversion. `--theme-set` takes an array, so the deck goes after `--` or it would be read as a theme. */
async function marp(deck, options) {
  const { marpCli } = require('@marp-team/marp-cli');
  return marpCli(['--no-stdin', '--html', '--theme-set', THEME, ...options, '--', deck]);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const decks = resolveDecks(o.decks);
  if (!decks.length) throw new Error(`no decks (NN_topic.md) in ${SLIDES}`);
  fs.mkdirSync(o.out, { recursive: true });

  const browser = o.htmlOnly ? null : findBrowser();
  if (browser && browser.missing) console.log(`slides: PDF skipped: ${browser.missing}. Building HTML only.`);
  const pdf = browser && browser.path ? browser.path : null;

  const built = [];
  for (const deck of decks) {
    const name = path.basename(deck, '.md');
    const html = path.join(o.out, `${name}.html`);
    fs.rmSync(html, { force: true });
    if ((await marp(deck, ['-o', html])) !== 0 || !fs.existsSync(html)) throw new Error(`marp failed on ${deck} (HTML)`);
    built.push(html);
    if (pdf) {
      const out = path.join(o.out, `${name}.pdf`);
      fs.rmSync(out, { force: true });
      const code = await marp(deck, ['--pdf', '--pdf-outlines', '--browser-path', pdf, '-o', out]);
      if (code !== 0 || !fs.existsSync(out)) {
        throw new Error(`marp failed on ${deck} (PDF with ${pdf}); rerun with --html-only to skip the PDF`);
      }
      built.push(out);
    }
  }
  console.log(`slides: built ${built.length} file(s) in ${path.relative(process.cwd(), o.out) || '.'}${pdf ? ` (PDF with ${pdf})` : ''}:`);
  for (const f of built) console.log(`  ${path.relative(process.cwd(), f)}`);
}

main().catch((e) => {
  console.error(`slides: error: ${e.message}`);
  process.exit(1);
});
