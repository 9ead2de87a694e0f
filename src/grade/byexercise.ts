/**
 * Grading by exercise (`hai grade --checks grading/`): each exercise is found in the submission by its marker line,
 * then by the cell metadata `hai.exercise`, then by the cell id `hai assign` gave it, wherever the student moved it;
 * the student's own test cells are dropped and the official tests (public and hidden, from the grading file) run
 * right after the exercise cell, so deleting or editing a test cell changes nothing (nbgrader restores locked cells
 * by checksum for the same reason). A `TODO(<id>)` error means "not implemented", not a crash.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecksFile } from './gradecheck';
import { readChecksFile } from './gradecheck';
import type { GradingExercise, GradingFile } from './assign';
import { cellSource, isTodoError, parseExerciseMarker, parseTestMarker, sourceHash } from './exercises';
import type { ExerciseResult, GradeCell } from './reporttypes';

export interface LoadedGrading {
  file: string;
  notebook: string;
  title: string;
  exercises: GradingExercise[];
}
/** What `--checks` gave: the hidden checks (possibly none) and the per-notebook grading files. */
export interface CourseGrading {
  spec: ChecksFile;
  notebooks: LoadedGrading[];
}

function readGradingFile(file: string): LoadedGrading {
  let j: GradingFile;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable grading file: ${(e as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (j?.hai_grading !== 1 || typeof j.notebook !== 'string' || !Array.isArray(j.exercises))
    fail('not a grading file (expected hai_grading: 1, notebook, exercises; write one with `hai assign`)');
  for (const [i, e] of j.exercises.entries()) {
    if (
      typeof e?.id !== 'string' ||
      !(e.points > 0) ||
      !Array.isArray(e.tests) ||
      !e.tests.length ||
      e.tests.some((t) => typeof t?.source !== 'string')
    )
      fail(`exercises[${i}]: needs id, points > 0 and tests [{hidden, source}]`);
  }
  return { file: path.resolve(file), notebook: j.notebook, title: j.title, exercises: j.exercises };
}

/**
 * Reads `--checks`: a folder of `*.grading.json` files, one grading file (a checks file with exercises), or null
 * when the file is a plain checks file (the caller reads it as before).
 */
export function loadGrading(checks: string): CourseGrading | null {
  if (!fs.existsSync(checks)) throw new Error(`${checks}: no such checks file or grading folder`);
  if (fs.statSync(checks).isDirectory()) {
    const files = fs
      .readdirSync(checks)
      .filter((f) => f.endsWith('.grading.json'))
      .sort();
    if (!files.length)
      throw new Error(`${checks}: no *.grading.json files (write them with \`hai assign --grading ${checks}\`)`);
    const notebooks = files.map((f) => readGradingFile(path.join(checks, f)));
    const ids = notebooks.flatMap((n) => n.exercises.map((e) => e.id));
    const dup = ids.find((x, i) => ids.indexOf(x) !== i);
    if (dup) throw new Error(`${checks}: exercise ${dup} is in two grading files`);
    return {
      spec: { file: path.resolve(checks), title: 'exercises', limits: {}, files: {}, vars: {}, checks: [] },
      notebooks,
    };
  }
  let j: any;
  try {
    j = JSON.parse(fs.readFileSync(checks, 'utf8'));
  } catch {
    return null;
  }
  if (!j || !('exercises' in j)) return null;
  return { spec: readChecksFile(checks), notebooks: [readGradingFile(checks)] };
}

/** The grading file a submission belongs to: its notebook metadata, then its file name, then the most exercise markers. */
export function matchNotebook(file: string, nb: any, g: CourseGrading): { grading: LoadedGrading | null; by: string } {
  const stem = (s: string) => path.basename(s).replace(/\.ipynb$/, '');
  const meta = nb?.metadata?.hai?.notebook;
  const byMeta = typeof meta === 'string' && g.notebooks.find((n) => stem(n.notebook) === meta);
  if (byMeta) return { grading: byMeta, by: 'notebook metadata' };
  const byName = g.notebooks.find((n) => stem(n.notebook) === stem(file));
  if (byName) return { grading: byName, by: 'file name' };
  const ids = new Set(
    nb.cells.map((c: any) => {
      try {
        return parseExerciseMarker(firstLine(cellSource(c)))?.id ?? c.metadata?.hai?.exercise;
      } catch {
        return undefined;
      }
    }),
  );
  const scored = g.notebooks
    .map((n) => ({ n, k: n.exercises.filter((e) => ids.has(e.id)).length }))
    .sort((a, b) => b.k - a.k);
  return scored[0]?.k ? { grading: scored[0].n, by: 'exercise markers' } : { grading: null, by: '' };
}
const firstLine = (s: string) => s.split('\n').find((l) => l.trim() !== '') ?? '';

/** Where an exercise is: the last cell with its marker (a duplicate's later copy is what the kernel keeps), else by metadata, else by id. */
export function findExercise(
  cells: any[],
  e: GradingExercise,
): { cell: number; by: ExerciseResult['found_by']; copies: number } | null {
  const code = cells.map((c, i) => ({ c, i })).filter((x) => x.c.cell_type === 'code');
  const marker = code.filter((x) => {
    try {
      return parseExerciseMarker(firstLine(cellSource(x.c)))?.id === e.id;
    } catch {
      return false;
    }
  });
  if (marker.length) return { cell: marker[marker.length - 1].i, by: 'marker', copies: marker.length };
  const meta = code.filter((x) => x.c.metadata?.hai?.exercise === e.id);
  if (meta.length) return { cell: meta[meta.length - 1].i, by: 'metadata', copies: meta.length };
  const byId = code.filter((x) => x.c.id === e.cell_id);
  return byId.length ? { cell: byId[byId.length - 1].i, by: 'cell_id', copies: byId.length } : null;
}

const isStudentTest = (c: any) =>
  c.cell_type === 'code' &&
  (c.metadata?.hai?.tests ||
    (() => {
      try {
        return parseTestMarker(firstLine(cellSource(c)));
      } catch {
        return null;
      }
    })());

/** The notebook to run: the student's test cells dropped, the official tests after each exercise; and how to read the run. */
export interface ExercisePlan {
  bytes: Buffer;
  maxPoints: number;
  notes: string[];
  /** Exercise results from the run's cells, and the cells renumbered to the submission's own indices (official tests left out). */
  finish(cells: GradeCell[], ran: boolean): { exercises: ExerciseResult[]; cells: GradeCell[] };
}

export function planExercises(file: string, nb: any, g: CourseGrading): ExercisePlan | null {
  const { grading, by } = matchNotebook(file, nb, g);
  if (!grading) return null;
  const notes = by === 'file name' ? [] : [`graded as ${grading.notebook} (matched by ${by})`];
  const found = new Map(grading.exercises.map((e) => [e.id, findExercise(nb.cells, e)]));
  const after = new Map<number, GradingExercise[]>();
  for (const e of grading.exercises) {
    const f = found.get(e.id);
    if (f) after.set(f.cell, [...(after.get(f.cell) ?? []), e]);
    if (f && f.copies > 1) notes.push(`exercise ${e.id}: ${f.copies} cells carry it; graded the last (cell ${f.cell})`);
  }
  const exerciseCells = new Set([...found.values()].filter(Boolean).map((f) => f!.cell));
  const cells: any[] = [],
    origin: (number | { id: string; test: number })[] = [];
  let dropped = 0;
  for (const [i, c] of nb.cells.entries()) {
    if (isStudentTest(c) && !exerciseCells.has(i)) {
      dropped++;
      continue;
    }
    cells.push(c);
    origin.push(i);
    for (const e of after.get(i) ?? [])
      for (const [k, t] of e.tests.entries()) {
        cells.push({
          cell_type: 'code',
          execution_count: null,
          metadata: { hai_grade_test: { id: e.id, hidden: t.hidden } },
          outputs: [],
          source: t.source,
        });
        origin.push({ id: e.id, test: k });
      }
  }
  if (dropped) notes.push(`${dropped} test cell(s) of the submission replaced by the official tests`);
  const bytes = Buffer.from(JSON.stringify({ ...nb, cells }, null, 1) + '\n');
  const maxPoints = grading.exercises.reduce((a, e) => a + e.points, 0);
  return {
    bytes,
    maxPoints,
    notes,
    finish(run: GradeCell[], ran: boolean) {
      const at = new Map(run.map((r) => [r.index, r]));
      const exercises = grading.exercises.map((e): ExerciseResult => {
        const f = found.get(e.id);
        const base = { id: e.id, points: 0, max_points: e.points, tests: { passed: 0, total: e.tests.length } };
        if (!f)
          return { ...base, status: 'missing', error: 'no cell carries this exercise (marker, metadata or cell id)' };
        const where = { cell: f.cell, found_by: f.by };
        const exCell = at.get(origin.indexOf(f.cell));
        const tests = origin
          .map((o, k) => (typeof o === 'object' && o.id === e.id ? at.get(k) : undefined))
          .filter((x): x is GradeCell => Boolean(x));
        const passed = tests.filter((t) => t.status === 'ok').length;
        const res = { ...base, ...where, tests: { passed, total: e.tests.length } };
        if (sourceHash(cellSource(nb.cells[f.cell])) === e.stub_sha256) return { ...res, status: 'not_attempted' };
        if (!ran || !exCell || exCell.status === 'skipped')
          return { ...res, status: 'failed', error: 'the exercise cell did not run' };
        const errors = [exCell, ...tests].filter((c) => c.status !== 'ok').map((c) => c.error ?? c.status);
        if (errors.some((m) => isTodoError(e.id, m)))
          return { ...res, status: 'not_implemented', error: errors.find((m) => isTodoError(e.id, m)) };
        if (errors.length || passed < e.tests.length)
          return { ...res, status: 'failed', error: errors[0] ?? 'a test did not run' };
        return { ...res, status: 'passed', points: e.points };
      });
      const cellsOut = run
        .filter((r) => typeof origin[r.index] === 'number')
        .map((r) => ({ ...r, index: origin[r.index] as number }));
      return { exercises, cells: cellsOut };
    },
  };
}
