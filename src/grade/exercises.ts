/**
 * Exercises in the course notebooks, marked in the cells' source (nbgrader's ideas; metadata does not survive every
 * editor, a comment line does):
 * - an exercise cell starts with `// @exercise 04.maxlen points=2`; its solution sits between a `// BEGIN SOLUTION`
 *   and an `// END SOLUTION` line (the student version replaces each region by a stub that throws `TODO(<id>)`);
 * - a test cell starts with `// @tests 04.maxlen` (public: the student sees it) or `// @tests 04.maxlen hidden`
 *   (only in the instructor's notebook and the grading file).
 * An exercise cell only declares (a function): tslab hides the names of a cell that throws from later cells, so the
 * demonstration that calls it goes in the next cell, and a stub that throws when called keeps the cell itself clean.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as crypto from 'node:crypto';

export interface ExerciseMarker {
  id: string;
  points: number;
}
export interface TestMarker {
  id: string;
  hidden: boolean;
}
export interface SolutionRegion {
  begin: number;
  end: number;
  indent: string;
}
export interface ExerciseCell {
  id: string;
  points: number;
  cell: number;
  cellId?: string;
  source: string;
  regions: SolutionRegion[];
}
export interface TestCell {
  id: string;
  hidden: boolean;
  cell: number;
  source: string;
}
export interface NotebookExercises {
  notebook: string;
  exercises: ExerciseCell[];
  tests: TestCell[];
  issues: LintIssue[];
}
export interface LintIssue {
  notebook: string;
  cell: number;
  message: string;
}

/** Ids: the notebook's number, a dot, a short name (`04.maxlen`). */
export const EXERCISE_ID = /^\d\d\.[a-z][a-z0-9_-]*$/;
const EXERCISE_RE = /^\s*\/\/\s*@exercise\b(.*)$/;
const TESTS_RE = /^\s*\/\/\s*@tests\b(.*)$/;
const BEGIN_RE = /^(\s*)\/\/\s*BEGIN SOLUTION\s*$/;
const END_RE = /^\s*\/\/\s*END SOLUTION\s*$/;

export const cellSource = (c: { source?: string | string[] }) =>
  Array.isArray(c.source) ? c.source.join('') : (c.source ?? '');
/** The first line that is not blank: where a marker must be. */
const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '') ?? '';

/** `// @exercise <id> points=<n>` → the marker; a malformed one throws (the linter turns it into an issue). */
export function parseExerciseMarker(line: string): ExerciseMarker | null {
  const m = EXERCISE_RE.exec(line);
  if (!m) return null;
  const words = m[1].trim().split(/\s+/).filter(Boolean);
  const id = words.shift() ?? '';
  if (!EXERCISE_ID.test(id)) throw new Error(`exercise id "${id}" is not NN.name (e.g. 04.maxlen)`);
  let points = 1;
  for (const w of words) {
    const kv = /^points=(\d+(?:\.\d+)?)$/.exec(w);
    if (!kv) throw new Error(`@exercise ${id}: unknown option "${w}" (known: points=<n>)`);
    points = Number(kv[1]);
  }
  if (!(points > 0)) throw new Error(`@exercise ${id}: points must be > 0`);
  return { id, points };
}

/** `// @tests <id> [hidden]` → the marker. */
export function parseTestMarker(line: string): TestMarker | null {
  const m = TESTS_RE.exec(line);
  if (!m) return null;
  const words = m[1].trim().split(/\s+/).filter(Boolean);
  const id = words[0] ?? '';
  if (!EXERCISE_ID.test(id)) throw new Error(`tests id "${id}" is not NN.name (e.g. 04.maxlen)`);
  if (words.length > 2 || (words[1] !== undefined && words[1] !== 'hidden'))
    throw new Error(`@tests ${id}: expected "// @tests ${id}" or "// @tests ${id} hidden"`);
  return { id, hidden: words[1] === 'hidden' };
}

/** The solution regions of a cell's source (line numbers of the BEGIN and END lines); unbalanced or nested throws. */
export function solutionRegions(source: string): SolutionRegion[] {
  const out: SolutionRegion[] = [];
  let open: { begin: number; indent: string } | null = null;
  for (const [i, line] of source.split('\n').entries()) {
    const b = BEGIN_RE.exec(line);
    if (b) {
      if (open)
        throw new Error(
          `line ${i + 1}: BEGIN SOLUTION inside the region opened at line ${open.begin + 1} (regions do not nest)`,
        );
      open = { begin: i, indent: b[1] };
    } else if (END_RE.test(line)) {
      if (!open) throw new Error(`line ${i + 1}: END SOLUTION without a BEGIN SOLUTION`);
      out.push({ ...open, end: i });
      open = null;
    } else if (/BEGIN SOLUTION|END SOLUTION/.test(line))
      throw new Error(`line ${i + 1}: a solution marker must be a line of its own: "// BEGIN SOLUTION"`);
  }
  if (open) throw new Error(`line ${open.begin + 1}: BEGIN SOLUTION is never closed`);
  return out;
}

/**
 * What replaces a solution region in the student version: a comment and `throw hai.todo(<id>, <function>)`, a
 * `TODO(<id>)` error that prints as one line (src/notebook/todo.ts); the notebook imports the kit as `hai` first.
 */
export function stubLines(id: string, indent: string, what?: string): string[] {
  return [
    `${indent}// YOUR CODE HERE`,
    `${indent}throw hai.todo('${id}'${what ? `, '${what}'` : ''}); // 이 줄을 지우고 쓰세요 / delete this line`,
  ];
}

/** The student version of an exercise cell's source: every solution region replaced by the stub. */
export function studentSource(source: string, id: string): string {
  const lines = source.split('\n');
  const regions = solutionRegions(source);
  const what = /\bfunction\s+([\w$]+)/.exec(source)?.[1];
  for (const r of [...regions].reverse()) lines.splice(r.begin, r.end - r.begin + 1, ...stubLines(id, r.indent, what));
  return lines.join('\n');
}

/** A hash of a cell's source that ignores trailing spaces and blank lines at the ends (editors add and drop them). */
export function sourceHash(source: string): string {
  const norm = source
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .trim();
  return crypto.createHash('sha256').update(norm).digest('hex');
}

/** A TODO error of this exercise in an error message: the student has not written it yet. */
export const isTodoError = (id: string, message: string | undefined) =>
  Boolean(message && message.includes(`TODO(${id})`));

/** The exercise and test cells of one notebook, with every marker problem it has on its own. */
export function parseNotebookExercises(notebook: string, nb: { cells: any[] }): NotebookExercises {
  const exercises: ExerciseCell[] = [],
    tests: TestCell[] = [],
    issues: LintIssue[] = [];
  const issue = (cell: number, message: string) => issues.push({ notebook, cell, message });
  for (const [i, c] of nb.cells.entries()) {
    const source = cellSource(c);
    if (c.cell_type !== 'code') {
      if (/^\s*\/\/\s*@(exercise|tests)\b/m.test(source))
        issue(i, 'a marker in a markdown cell: exercises and tests are code cells');
      continue;
    }
    const first = firstLine(source);
    const lines = source.split('\n');
    const markerLines = lines.filter((l) => EXERCISE_RE.test(l) || TESTS_RE.test(l));
    if (markerLines.length > 1 || (markerLines.length === 1 && markerLines[0] !== first))
      issue(i, 'an @exercise / @tests marker must be the first line of its cell, once');
    let regions: SolutionRegion[] = [];
    try {
      regions = solutionRegions(source);
    } catch (e) {
      issue(i, (e as Error).message);
    }
    try {
      const ex = parseExerciseMarker(first);
      const t = ex ? null : parseTestMarker(first);
      if (ex) {
        if (!regions.length) issue(i, `exercise ${ex.id} has no BEGIN SOLUTION / END SOLUTION region`);
        exercises.push({ ...ex, cell: i, ...(c.id ? { cellId: c.id } : {}), source, regions });
      } else if (t) {
        if (regions.length) issue(i, `tests of ${t.id} contain a solution region (only exercise cells do)`);
        tests.push({ ...t, cell: i, source });
      } else if (regions.length)
        issue(i, 'a solution region outside an exercise cell (start the cell with // @exercise <id> points=<n>)');
    } catch (e) {
      issue(i, (e as Error).message);
    }
  }
  const seen = new Map<string, number>();
  for (const e of exercises) {
    if (seen.has(e.id)) issue(e.cell, `exercise ${e.id} is declared twice (cells ${seen.get(e.id)} and ${e.cell})`);
    seen.set(e.id, e.cell);
    const prefix = /^(\d\d)_/.exec(notebook.split('/').pop() ?? '')?.[1];
    if (prefix && !e.id.startsWith(prefix + '.'))
      issue(e.cell, `exercise ${e.id} in notebook ${prefix}: its id should start with "${prefix}."`);
    if (!tests.some((t) => t.id === e.id)) issue(e.cell, `exercise ${e.id} has no test cell (// @tests ${e.id})`);
  }
  for (const t of tests) {
    const at = seen.get(t.id);
    if (at === undefined) issue(t.cell, `tests for ${t.id}, which is not an exercise of this notebook`);
    else if (t.cell < at) issue(t.cell, `tests for ${t.id} come before its exercise cell (${at})`);
  }
  return { notebook, exercises, tests, issues };
}

/** Lints a course: each notebook's own issues, and exercise ids unique across all of them. */
export function lintCourse(parsed: NotebookExercises[]): LintIssue[] {
  const issues = parsed.flatMap((p) => p.issues);
  const where = new Map<string, string>();
  for (const p of parsed)
    for (const e of p.exercises) {
      const other = where.get(e.id);
      if (other && other !== p.notebook)
        issues.push({ notebook: p.notebook, cell: e.cell, message: `exercise id ${e.id} is also used in ${other}` });
      where.set(e.id, p.notebook);
    }
  return issues;
}

export const formatIssue = (i: LintIssue) => `${i.notebook}: cell ${i.cell}: ${i.message}`;
