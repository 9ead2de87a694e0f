/**
 * `hai book [--out site] [--full] [--from runs/course] [--solutions] [--no-slides]`: the course as a static site
 * (src/book/site.ts). Open `<out>/index.html` in a browser; the folder works as it is, zipped or on GitHub Pages.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { buildBook } from '../book/site';

export function addBookCommand(program: Command): void {
  program
    .command('book')
    .description(
      "the course as a static, offline site: each session's executed notebook, its slides and the results report",
    )
    .option('--out <dir>', 'the site folder', 'site')
    .option('--from <dir>', "the course run to read (npm start's report folder)", 'runs/course')
    .option('--full', 'where there is no run yet, run the course with the real models first (default: smoke mode)')
    .option('--solutions', "an instructor's copy: show exercise solutions and hidden tests")
    .option('--no-slides', 'leave the slide decks out (they need Marp, a devDependency)')
    .action(async (o: { out: string; from: string; full?: boolean; solutions?: boolean; slides: boolean }) => {
      const r = await buildBook({
        out: path.resolve(o.out),
        from: path.resolve(o.from),
        full: Boolean(o.full),
        solutions: Boolean(o.solutions),
        slides: o.slides,
      });
      console.log(`book: ${path.join(o.out, 'index.html')} (${r.pages.length} pages)`);
    });
}
