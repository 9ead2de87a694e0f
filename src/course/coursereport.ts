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
import { externalizePlotly, figureBlock, PLOTLY_FILE, plotlyBundle, plotlyPageScript } from '../notebook/plotly';
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
  // One plotly.js beside the executed notebooks; each loads it rather than carrying its own ~10 MB copy.
  fs.mkdirSync(path.join(c.out, 'notebooks'), { recursive: true });
  writeFileAtomic(path.join(c.out, 'notebooks', PLOTLY_FILE), plotlyBundle());
  for (const nb of notebooks) {
    c.log(`…      ${nb} (running)`);
    const r = await runNotebook(path.join(nbDir, nb), { smoke: !c.full, timeoutS: c.timeoutS });
    writeNotebook(path.join(c.out, 'notebooks', nb), externalizePlotly(r.executed).nb);
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
  // the SVGs' width; Plotly fills the page
  for (const f of figures) f[1] = { ...f[1], layout: { ...f[1].layout, width: 720 } };
  for (const [name, fig] of figures) writeFileAtomic(path.join(c.out, `${name}.svg`), renderSvg(fig));

  const mode = c.full ? 'full' : 'smoke (HAI_SMOKE=1: subsets, short runs, offline stand-in models)';
  const standinNote = story.some((s) => s.standin)
    ? 'These runs used **offline stand-in models** (small, randomly initialised, clearly bannered): their numbers ' +
      'show the direction of each change, not what the real pre-trained models reach.'
    : 'These runs used the real pre-trained models.';
  const original = 'The original course: baseline 0.1751, tuned 0.7818 / 0.7841 (validation accuracy, per-batch mean).';
  const block = (name: string) => figureBlock(figures.find(([n]) => n === name)![1]);
  const sections: [string, string, string][] = [
    ['Notebooks', mdTable(runs), htmlTable(runs)],
    [
      '1–2. Data',
      `${rows.length} rows (course rules) from the bundled corpus.\n\n${mdTable(counts)}\n\n![labels](labels.svg)`,
      `<p>${rows.length} rows (course rules) from the bundled corpus.</p>${htmlTable(counts)}${block('labels')}`,
    ],
    [
      '3–4. Baseline and tuned',
      `${standinNote}\n\n${mdTable(story)}\n\n${original}\n\n` +
        `${story.length ? '![story](story.svg)' : ''} ${tuned ? '![curves](curves.svg)' : ''}`,
      `<p>${standinNote.replace(/\*\*(.*?)\*\*/g, '<b>$1</b>')}</p>${htmlTable(story)}<p>${original}</p>` +
        figures
          .filter(([n]) => n === 'story' || n === 'curves')
          .map(([, f]) => figureBlock(f))
          .join(''),
    ],
    [
      '5. Further ideas',
      further ? `${mdTable(further.results)}\n\n![further](further.svg)` : '(notebook 05 wrote no results)',
      further ? `${htmlTable(further.results)}${block('further')}` : '<p>(notebook 05 wrote no results)</p>',
    ],
    ...laterSessions(c.runsDir),
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
    `<style>body{font-family:'Noto Sans CJK KR','Noto Sans KR',sans-serif;max-width:960px;margin:2em auto}` +
    `table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px}</style>` +
    `<h1>HAI Dialect Lab — course report</h1><p>Mode: ${mode}.</p>` +
    sections.map(([h, , x]) => `<h2>${h}</h2>${x}`).join('') +
    (failures.length ? `<h2>Failures</h2><pre>${failures.join('\n').replace(/</g, '&lt;')}</pre>` : '') +
    plotlyPageScript() +
    '</html>';
  const files = [path.join(c.out, 'report.md'), path.join(c.out, 'report.html'), path.join(c.out, PLOTLY_FILE)];
  writeFileAtomic(files[0], md);
  writeFileAtomic(files[1], html);
  writeFileAtomic(files[2], plotlyBundle());
  return files;
}

/** A section from Markdown paragraphs and tables: [title, markdown, html]. */
function section(title: string, parts: (string | Record<string, unknown>[])[]): [string, string, string] {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    title,
    parts.map((p) => (typeof p === 'string' ? p : mdTable(p))).join('\n\n'),
    parts.map((p) => (typeof p === 'string' ? `<p>${esc(p)}</p>` : htmlTable(p))).join(''),
  ];
}

/**
 * Sessions 6 and 7 from what their notebooks wrote: runs/06_inference/results.json (the predictions of the tuned
 * checkpoint, tfjs vs ONNX, the label-slip fix) and runs/07_translator/results.json (the translator beside
 * copying on held-out conversations, and the route table).
 */
function laterSessions(runsDir: string): [string, string, string][] {
  const inf = readJson(path.join(runsDir, '06_inference', 'results.json'));
  const tr = readJson(path.join(runsDir, '07_translator', 'results.json'));
  const s6 = inf
    ? section('6. Inference', [
        `Checkpoint ${inf.checkpoint}${
          inf.standin
            ? ' (fine-tuned from an offline stand-in: labels show the ' + 'mechanics, not the course model)'
            : ''
        }. Its predictions (TensorFlow.js):`,
        inf.predictions.map((p: { text: string; label: number; name: string; probs: number[] }) => ({
          text: p.text,
          label: p.label,
          name: p.name,
          ...Object.fromEntries(p.probs.map((q, i) => [LABELS[i], q])),
        })),
        `The same texts through its ONNX export on onnxruntime-node: largest probability gap ` +
          `${Number(inf.onnx_max_abs_diff).toExponential(2)} (float32 rounding is 1e-5).`,
        'The label slip: the original named regions with ["경상도","제주도","전라도"][result - 1], so label 0 ' +
          "(standard) became Python's index -1, 전라도. Fixed: the label indexes all four names.",
        inf.label_slip,
      ])
    : section('6. Inference', ['(notebook 06 wrote no results)']);
  const s7 = tr
    ? section('7. Translator', [
        `Held-out conversations (${tr.split.test} utterances; train ${tr.split.train}, dev ${tr.split.dev}, seed ` +
          `${tr.split.seed}). chrF of copying the input beside the corpus tables; change precision is the share of ` +
          'the tables\' word edits that equal the reference\'s. A direction tuned to "never change" copies, and the ' +
          'app says so instead of showing the copy as a translation.',
        tr.scores,
        "Routes (the original app's: echo, one hop, or two through standard) and what runs on each:",
        tr.routes,
      ])
    : section('7. Translator', ['(notebook 07 wrote no results)']);
  return [s6, s7];
}
