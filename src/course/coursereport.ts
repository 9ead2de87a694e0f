/**
 * `npm start` (`hai course`): the whole course, headless, on the bundled data — every notebook executed in
 * order (smoke mode unless `--full`), then one results report (Markdown and HTML) with each session's key
 * numbers and charts: the data, the baseline near chance, the tuned run far above it, and the comparisons
 * of session 5. The executed notebooks are kept beside the report.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { barFigure, lineFigure, renderSvg, Figure } from '../notebook/charts';
import { figureBlock, PLOTLY_FILE, plotlyBundle, plotlyPageScript } from '../notebook/plotly';
import { LABELS } from '../data/rows';
import { convertFiles } from '../data/aihub';
import { writeFileAtomic } from '../util/files';
import { htmlTable } from '../util/html';
import { labelCounts } from '../data/inspect';
import { describeFailure, runNotebook, writeNotebook } from '../notebook/nbrun';
import type { EpochInfo } from '../train/trainer';
import { REPO_ROOT } from '../util/paths';

const ROOT = REPO_ROOT;
/** `runsDir`: where the notebooks write their metrics (runs/03_baseline/metrics.json, …). */
export interface CourseReportConfig {
  full: boolean;
  out: string;
  runsDir: string;
  timeoutS: number;
  log: (s: string) => void;
}
export const courseReportDefaults = (o: Partial<CourseReportConfig> = {}): CourseReportConfig => ({
  full: false,
  out: path.join(ROOT, 'runs', 'course'),
  runsDir: path.join(ROOT, 'runs'),
  timeoutS: 1800,
  log: (s) => console.log(s),
  ...o,
});

const readJson = (f: string) => (fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);
const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));
const mdTable = (rows: Record<string, unknown>[]) =>
  rows.length
    ? [
        `| ${Object.keys(rows[0]).join(' | ')} |`,
        `|${Object.keys(rows[0])
          .map(() => '---')
          .join('|')}|`,
        ...rows.map((r) => `| ${Object.values(r).map(fmt).join(' | ')} |`),
      ].join('\n')
    : '(no data)';

export async function courseReport(
  cfg: Partial<CourseReportConfig> = {},
): Promise<{ failures: string[]; files: string[] }> {
  const c = courseReportDefaults(cfg);
  const nbDir = path.join(ROOT, 'notebooks');
  const notebooks = fs
    .readdirSync(nbDir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort();
  const failures: string[] = [];
  const runs: Record<string, unknown>[] = [];
  for (const nb of notebooks) {
    const r = await runNotebook(path.join(nbDir, nb), { smoke: !c.full, timeoutS: c.timeoutS });
    writeNotebook(path.join(c.out, 'notebooks', nb), r.executed);
    const fail = describeFailure(r);
    if (fail) failures.push(fail);
    runs.push({ notebook: nb, status: r.status, seconds: r.seconds.toFixed(1) });
    c.log(`${fail ? 'FAILED' : 'ok    '} ${nb} (${r.seconds.toFixed(1)} s)${fail ? `: ${fail}` : ''}`);
  }
  return { failures, files: writeCourseReport(c, runs, failures) };
}

/**
 * The report alone, from what the notebooks left in runs/ (metrics.json, results.json): report.md with
 * SVG files, and report.html, where plotly.js (written beside it) draws each chart over its SVG fallback.
 */
export function writeCourseReport(
  c: CourseReportConfig,
  runs: Record<string, unknown>[],
  failures: string[],
): string[] {
  const rows = convertFiles([path.join(ROOT, 'data', 'aihub')]).rows;
  const counts = labelCounts(rows).map((x) => ({ label: x.label, name: x.name, rows: x.count }));
  const base = readJson(path.join(c.runsDir, '03_baseline', 'metrics.json'));
  const tuned = readJson(path.join(c.runsDir, '04_tuned', 'metrics.json'));
  const further = readJson(path.join(c.runsDir, '05_further', 'results.json'));
  const last = (m: { epochs: EpochInfo[] } | null) => m?.epochs?.[m.epochs.length - 1]?.valid ?? null;
  const story = [
    ['baseline', base],
    ['tuned', tuned],
  ]
    .filter(([, m]) => m)
    .map(([name, m]) => {
      const v = last(m as { epochs: EpochInfo[] })!;
      const cfgUsed = (m as { config: Record<string, unknown> }).config;
      return {
        run: name as string,
        model: String(cfgUsed.model_ckpt),
        standin: Boolean(cfgUsed.standin),
        sampler: String(cfgUsed.sampler),
        maxlen: Number(cfgUsed.maxlen),
        epochs: Number(cfgUsed.epochs),
        accuracy: v.accuracy,
        'per-batch mean': v.mean_batch_accuracy,
        'macro-F1': v.macro_f1,
      };
    });
  const figures: [string, Figure][] = [
    [
      'labels',
      barFigure(
        counts.map((x) => `${x.label} ${x.name}`),
        [{ name: 'rows', y: counts.map((x) => x.rows) }],
        'Bundled corpus: rows per label',
      ),
    ],
  ];
  if (story.length)
    figures.push([
      'story',
      barFigure(
        story.map((s) => s.run),
        [
          { name: 'accuracy', y: story.map((s) => s.accuracy) },
          { name: 'macro-F1', y: story.map((s) => s['macro-F1']) },
        ],
        'Baseline vs tuned',
      ),
    ]);
  if (tuned) {
    const h: EpochInfo[] = tuned.epochs;
    figures.push([
      'curves',
      lineFigure(
        [
          { name: 'train loss', x: h.map((e) => e.epoch), y: h.map((e) => e.train_loss) },
          { name: 'valid accuracy', x: h.map((e) => e.epoch), y: h.map((e) => e.valid!.accuracy) },
        ],
        'Tuned run: learning curves',
        'epoch',
      ),
    ]);
  }
  if (further) {
    const res: Record<string, unknown>[] = further.results;
    figures.push([
      'further',
      barFigure(
        res.map((r) => String(r.experiment)),
        [
          { name: 'accuracy', y: res.map((r) => Number(r.accuracy)) },
          { name: 'macro-F1', y: res.map((r) => Number(r.macro_f1)) },
        ],
        'Session 5 experiments',
      ),
    ]);
  }
  fs.mkdirSync(c.out, { recursive: true });
  for (const f of figures) f[1] = { ...f[1], layout: { ...f[1].layout, width: 720 } }; // the SVGs' width; Plotly fills the page
  for (const [name, fig] of figures) writeFileAtomic(path.join(c.out, `${name}.svg`), renderSvg(fig));

  const mode = c.full ? 'full' : 'smoke (HAI_SMOKE=1: subsets, short runs, offline stand-in models)';
  const standinNote = story.some((s) => s.standin)
    ? 'These runs used **offline stand-in models** (small, randomly initialised, clearly bannered): their numbers show the direction of each change, not what the real pre-trained models reach.'
    : 'These runs used the real pre-trained models.';
  const sections: [string, string, string][] = [
    ['Notebooks', mdTable(runs), htmlTable(runs)],
    [
      '1–2. Data',
      `${rows.length} rows (course rules) from the bundled corpus.\n\n${mdTable(counts)}\n\n![labels](labels.svg)`,
      `<p>${rows.length} rows (course rules) from the bundled corpus.</p>${htmlTable(counts)}${figureBlock(figures[0][1])}`,
    ],
    [
      '3–4. Baseline and tuned',
      `${standinNote}\n\n${mdTable(story)}\n\nThe original course: baseline 0.1751, tuned 0.7818 / 0.7841 (validation accuracy, per-batch mean).\n\n${story.length ? '![story](story.svg)' : ''} ${tuned ? '![curves](curves.svg)' : ''}`,
      `<p>${standinNote.replace(/\*\*(.*?)\*\*/g, '<b>$1</b>')}</p>${htmlTable(story)}<p>The original course: baseline 0.1751, tuned 0.7818 / 0.7841 (validation accuracy, per-batch mean).</p>${figures
        .filter(([n]) => n === 'story' || n === 'curves')
        .map(([, f]) => figureBlock(f))
        .join('')}`,
    ],
    [
      '5. Further ideas',
      further ? `${mdTable(further.results)}\n\n![further](further.svg)` : '(notebook 05 wrote no results)',
      further
        ? `${htmlTable(further.results)}${figureBlock(figures.find(([n]) => n === 'further')![1])}`
        : '<p>(notebook 05 wrote no results)</p>',
    ],
  ];
  const md = [
    `# HAI Dialect Lab — course report`,
    '',
    `Mode: ${mode}. Labels: ${LABELS.map((l, i) => `${i} ${l}`).join(', ')}.`,
    '',
    ...sections.flatMap(([h, m]) => [`## ${h}`, '', m, '']),
    failures.length ? `## Failures\n\n${failures.join('\n')}` : '',
  ].join('\n');
  const html =
    `<!doctype html><html lang="ko"><meta charset="utf-8"><title>HAI Dialect Lab — course report</title>` +
    `<style>body{font-family:'Noto Sans CJK KR','Noto Sans KR',sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}</style>` +
    `<h1>HAI Dialect Lab — course report</h1><p>Mode: ${mode}.</p>${sections.map(([h, , x]) => `<h2>${h}</h2>${x}`).join('')}` +
    (failures.length ? `<h2>Failures</h2><pre>${failures.join('\n').replace(/</g, '&lt;')}</pre>` : '') +
    plotlyPageScript() +
    '</html>';
  const files = [path.join(c.out, 'report.md'), path.join(c.out, 'report.html'), path.join(c.out, PLOTLY_FILE)];
  writeFileAtomic(files[0], md);
  writeFileAtomic(files[1], html);
  writeFileAtomic(files[2], plotlyBundle());
  return files;
}
