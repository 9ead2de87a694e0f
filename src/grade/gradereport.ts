/**
 * The grader's outputs: `report.json` (everything, for scripts and spreadsheets) and one HTML page (a class
 * summary table, then per submission its cells, checks, metrics and notes), self-contained, no script, so it
 * can be mailed or opened from disk.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import type { GradeReport, SubmissionReport } from './reporttypes';
import { escapeHtml, htmlTable } from '../util/html';

const esc = escapeHtml;
const fmt = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toFixed(4));
const short = (s: string, n = 160) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** The class summary: one row per submission, the metrics any submission reported or any check measured as columns. */
export function summaryRows(report: GradeReport): Record<string, string | number>[] {
  const claimed = [...new Set(report.submissions.flatMap((s) => Object.keys(s.metrics)))]
    .filter((k) => k !== 'epoch')
    .sort();
  const measured = [...new Set(report.submissions.flatMap((s) => Object.keys(s.remeasured)))].sort();
  return report.submissions.map((s, i) => ({
    '#': i + 1,
    file: s.file,
    status: s.status,
    cells: `${s.cells.filter((c) => c.status === 'ok').length}/${s.cells.length} ok`,
    ...Object.fromEntries(claimed.map((k) => [`reported ${k}`, fmt(s.metrics[k])])),
    ...Object.fromEntries(measured.map((k) => [`measured ${k}`, fmt(s.remeasured[k])])),
    ...(s.exercises
      ? { exercises: `${s.exercises.filter((e) => e.status === 'passed').length}/${s.exercises.length} passed` }
      : {}),
    points: `${s.points}/${s.max_points}`,
    notes: short([s.error, ...s.notes, s.unchanged ? '' : 'SUBMISSION FILE CHANGED'].filter(Boolean).join('; ')),
  }));
}

function submissionHtml(s: SubmissionReport, i: number): string {
  const parts = [
    `<h2 id="s${i + 1}">${i + 1}. ${esc(s.file)}</h2>`,
    `<p class="${s.status}"><b>${s.status}</b>, ${s.points}/${s.max_points} points, ${s.seconds.toFixed(1)} s` +
      `${s.error ? ` — ${esc(s.error)}` : ''}</p>`,
  ];
  if (s.checks.length) {
    parts.push(
      htmlTable(
        s.checks.map((c) => ({
          check: c.name,
          status: c.status,
          points: `${c.points}/${c.max_points}`,
          value: c.value ?? '',
          message: c.message ?? '',
        })),
        'checks',
      ),
    );
  }
  if (s.exercises?.length) {
    parts.push(
      htmlTable(
        s.exercises.map((e) => ({
          exercise: e.id,
          status: e.status,
          points: `${e.points}/${e.max_points}`,
          tests: `${e.tests.passed}/${e.tests.total}`,
          cell: e.cell ?? '',
          'found by': e.found_by ?? '',
          error: e.error ?? '',
        })),
        'exercises',
      ),
    );
  }
  const bad = s.cells.filter((c) => c.status !== 'ok' || c.dropped_chars || c.lost_output);
  parts.push(
    bad.length
      ? htmlTable(
          bad.map((c) => ({
            cell: c.index,
            status: c.status,
            seconds: c.seconds,
            error: c.error ?? '',
            'output left out': c.dropped_chars ?? '',
          })),
          `cells that did not run cleanly (of ${s.cells.length})`,
        )
      : `<p>all ${s.cells.length} code cells ran without error</p>`,
  );
  const metrics = [
    ...Object.entries(s.metrics).map(([k, v]) => ({ metric: k, source: 'reported by the notebook', value: v })),
    ...Object.entries(s.remeasured).map(([k, v]) => ({ metric: k, source: 'measured by the checks', value: v })),
  ];
  if (metrics.length) parts.push(htmlTable(metrics, 'metrics'));
  if (s.outside_writes.length)
    parts.push(
      htmlTable(
        s.outside_writes.map((w) => ({ path: w.path, change: w.change })),
        'files changed outside the working folder',
      ),
    );
  if (s.notes.length) parts.push(`<ul>${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  return parts.join('\n');
}

/** The leaderboard table: rank, file, the re-measured metrics ranked by, the claims beside them. */
function leaderboardHtml(report: GradeReport): string {
  const b = report.leaderboard;
  if (!b) return '';
  const rows = b.rows.map((r) => ({
    rank: r.rank,
    file: r.file,
    ...Object.fromEntries([b.metric, ...b.then].map((k) => [`measured ${k}`, fmt(r.values[k])])),
    ...Object.fromEntries(b.show.map((k) => [`reported ${k}`, fmt(r.claimed[k])])),
  }));
  return htmlTable(rows, b.title ?? `leaderboard: by re-measured ${[b.metric, ...b.then].join(', then ')}`) + '\n';
}
/** The sandbox in one paragraph; loud when grading ran without it. */
const sandboxLine = (r: GradeReport) =>
  !r.sandbox
    ? ''
    : r.sandbox.enabled
      ? `<p>Sandboxed (${esc(r.sandbox.reason)}); per process: ${r.sandbox.limits?.cpu_s} CPU s, ` +
        `${r.sandbox.limits?.memory_mb} MB memory, ${r.sandbox.limits?.max_procs} processes.</p>`
      : `<p class="error"><b>NOT SANDBOXED</b>: ${esc(r.sandbox.reason)}</p>`;

/** The report as one HTML page. */
export function gradeReportHtml(report: GradeReport): string {
  const title = report.title ? `Grades: ${report.title}` : 'Grades';
  const l = report.limits,
    sm = report.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: 'Noto Sans CJK KR','Noto Sans KR',sans-serif; margin: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } caption { text-align: left; font-weight: bold; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; vertical-align: top; } th { background: #f4f4f4; }
.ok, .passed { color: #186a3b; } .error, .timeout, .crashed { color: #a93226; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>${esc(report.generated)};
checks: ${esc(report.checks_file ?? '(none: one point for running top to bottom)')};
limits: ${l.cell_s} s per cell, ${l.total_s} s per notebook, ${l.max_output_chars} characters of output per cell,
${l.max_old_space_mb || 'default'} MB heap${report.smoke ? '; smoke mode' : ''}.</p>
<p>Instructor-only: this page and the <code>--out</code> notebooks show hidden checks and test messages; hand students
the <code>--feedback</code> pages.</p>
${sandboxLine(report)}
<p>${sm.submissions} submissions: ${sm.ok} ok, ${sm.error} with errors, ${sm.timeout} timed out, ${sm.crashed} crashed;
mean ${fmt(sm.mean_points)} of ${sm.max_points} points.</p>
${leaderboardHtml(report)}${htmlTable(summaryRows(report), 'class summary')}
${report.submissions.map(submissionHtml).join('\n')}
</body></html>
`;
}

/** Writes `report.json` and/or the HTML page, each atomically; returns the files written. */
export function writeGradeReport(report: GradeReport, to: { json?: string | null; html?: string | null }): string[] {
  const written: string[] = [];
  for (const [file, text] of [
    [to.json, () => JSON.stringify(report, null, 2) + '\n'],
    [to.html, () => gradeReportHtml(report)],
  ] as const) {
    if (!file) continue;
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomic(file, text());
    written.push(file);
  }
  return written;
}

/** A few lines for the terminal: one per submission, then the totals. */
export function formatGradeSummary(report: GradeReport): string {
  const rows = report.submissions.map(
    (s) =>
      `${s.status.padEnd(8)} ${String(s.points).padStart(4)}/${s.max_points}  ${s.file}` +
      `${s.error ? `\n         ${short(s.error, 200)}` : ''}`,
  );
  const sm = report.summary;
  const warn = report.sandbox && !report.sandbox.enabled ? [`NOT SANDBOXED: ${report.sandbox.reason}`] : [];
  return [
    ...warn,
    ...rows,
    `${sm.submissions} graded: ${sm.ok} ok, ${sm.error} error, ${sm.timeout} timeout, ${sm.crashed} crashed; ` +
      `mean ${fmt(sm.mean_points)}/${sm.max_points} points`,
    ...leaderboardLines(report),
  ].join('\n');
}

/**
 * The leaderboard for the terminal: rank, the re-measured values, the file; and who is not ranked (no re-measured
 * metric).
 */
function leaderboardLines(report: GradeReport): string[] {
  const b = report.leaderboard;
  if (!b) return [];
  const keys = [b.metric, ...b.then];
  const ranked = new Set(b.rows.map((r) => r.file));
  const left = report.submissions.filter((s) => !ranked.has(s.file)).map((s) => s.file);
  return [
    `leaderboard (re-measured ${keys.join(', then ')}):`,
    ...b.rows.map(
      (r) => `${String(r.rank).padStart(4)}. ${keys.map((k) => fmt(r.values[k]).padStart(7)).join(' ')}  ${r.file}`,
    ),
    ...(left.length ? [`   not ranked (no re-measured ${b.metric}): ${left.join(', ')}`] : []),
  ];
}
