/**
 * What a grading run hands to other systems: `--export grades.csv` (one row per submission, one column per exercise
 * and check, total, status), `--export-canvas FILE` (Canvas's gradebook import: Student, ID, SIS User ID, Section,
 * then the assignment's column; ids read from the file names by `--id-pattern`), and the results file of an
 * autograder platform (`--results-format gradescope|prairielearn FILE`) for one submission. CSVs follow RFC 4180
 * (fields with commas, quotes or line breaks quoted, quotes doubled, CRLF) and defuse spreadsheet formulas.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as path from 'node:path';
import type { GradeReport, SubmissionReport } from './reporttypes';
import { exerciseReason, visibleMessage } from './feedback';

/** One CSV field: numbers as they are; text that a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export const csvText = (rows: (string | number)[][]) =>
  rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';

/** Every exercise id and check name of the report, in the order they first appear. */
function columns(report: GradeReport): { exercises: string[]; checks: string[] } {
  const ex = new Set<string>(),
    ch = new Set<string>();
  for (const s of report.submissions) {
    for (const e of s.exercises ?? []) ex.add(e.id);
    for (const c of s.checks) ch.add(c.name);
  }
  return { exercises: [...ex], checks: [...ch] };
}
const stem = (s: SubmissionReport) => path.basename(s.file, '.ipynb');

/** `--export`: student (the file's name), file, each exercise's and check's points, total, max, status, why. */
export function gradesCsv(report: GradeReport): string {
  const { exercises, checks } = columns(report);
  const head = ['student', 'file', ...exercises, ...checks, 'total', 'max_points', 'status', 'error'];
  const rows = report.submissions.map((s) => [
    stem(s),
    s.file,
    ...exercises.map((id) => s.exercises?.find((e) => e.id === id)?.points ?? ''),
    ...checks.map((n) => s.checks.find((c) => c.name === n)?.points ?? ''),
    s.points,
    s.max_points,
    s.status,
    s.error ?? '',
  ]);
  return csvText([head, ...rows]);
}

/**
 * Canvas submissions download as `name_[LATE_]userid_submissionid_file.ipynb`: the default pattern reads the name and
 * the Canvas user id. A pattern names `id` or `sis` (Canvas matches either), and may name `name` and `section`.
 */
export const CANVAS_ID_PATTERN = '^(?<name>[^_]+)_(?:LATE_)?(?<id>\\d+)_';

/** `--export-canvas`: Canvas's gradebook columns and the assignment's, with its points possible on the second row. */
export function canvasCsv(report: GradeReport, o: { idPattern?: string; assignment?: string } = {}): string {
  let re: RegExp;
  try {
    re = new RegExp(o.idPattern ?? CANVAS_ID_PATTERN);
  } catch (e) {
    throw new Error(`--id-pattern: not a regular expression: ${(e as Error).message}`);
  }
  if (!/\(\?<(id|sis)>/.test(re.source))
    throw new Error('--id-pattern: needs a group named id (Canvas user id) or sis (SIS User ID), e.g. (?<id>\\d+)');
  const assignment = o.assignment ?? report.title ?? 'hai grade';
  const max = Math.max(0, ...report.submissions.map((s) => s.max_points));
  const rows = report.submissions.map((s) => {
    const g = re.exec(path.basename(s.file))?.groups;
    if (!g?.id && !g?.sis)
      throw new Error(`${s.file}: --id-pattern ${re.source} finds no id in this file name (name files as Canvas does)`);
    return [g.name ?? stem(s), g.id ?? '', g.sis ?? '', g.section ?? '', s.points];
  });
  return csvText([
    ['Student', 'ID', 'SIS User ID', 'Section', assignment],
    ['Points Possible', '', '', '', max],
    ...rows,
  ]);
}

const only = (report: GradeReport, what: string): SubmissionReport => {
  if (report.submissions.length !== 1)
    throw new Error(
      `${what} is for one submission (an autograder runs one); this run graded ${report.submissions.length}`,
    );
  return report.submissions[0];
};
/** One exercise's tests in words a student may read: hidden ones by name and pass/fail only. */
const testLines = (s: SubmissionReport['exercises'] & object, i: number) =>
  (s[i].tests.results ?? [])
    .map((t) => `${t.pass ? 'PASS' : 'FAIL'} ${t.name}${visibleMessage(t) ? `: ${visibleMessage(t)}` : ''}`)
    .join('\n');

/** Gradescope's results.json: score, and per exercise and check {name, score, max_score, output, visibility}. */
export function gradescopeResults(report: GradeReport) {
  const s = only(report, '--results-format gradescope');
  const ex = s.exercises ?? [];
  return {
    score: s.points,
    execution_time: Math.round(s.seconds),
    output: `${s.points}/${s.max_points} points; ${s.status}${s.error && !ex.length ? `: ${s.error}` : ''}`,
    tests: [
      ...ex.map((e, i) => ({
        name: e.id,
        score: e.points,
        max_score: e.max_points,
        output: [exerciseReason(e), testLines(ex, i)].filter(Boolean).join('\n'),
        visibility: 'visible',
      })),
      ...s.checks.map((c) => ({
        name: c.name,
        score: c.points,
        max_score: c.max_points,
        output: c.status,
        visibility: 'after_published',
      })),
    ],
  };
}

/** PrairieLearn's external grader results: score in [0, 1], gradable, tests {name, points, max_points, message}. */
export function prairielearnResults(report: GradeReport) {
  const s = only(report, '--results-format prairielearn');
  const ex = s.exercises ?? [];
  const gradable = !(s.status === 'error' && !s.cells.length && !ex.length);
  return {
    gradable,
    score: s.max_points > 0 ? Math.min(1, Math.max(0, s.points / s.max_points)) : 0,
    message: gradable ? `${s.points}/${s.max_points} points` : `could not be graded: ${s.error ?? s.status}`,
    tests: [
      ...ex.map((e, i) => ({
        name: e.id,
        points: e.points,
        max_points: e.max_points,
        message: [exerciseReason(e), testLines(ex, i)].filter(Boolean).join('\n'),
      })),
      ...s.checks.map((c) => ({ name: c.name, points: c.points, max_points: c.max_points, message: c.status })),
    ],
  };
}
