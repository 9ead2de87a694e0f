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
import type { IsolatedRun } from './isolate';
import type { Cell, Notebook } from '../notebook/nbformat';

/** A grading file's exercise; `time_limit_s` (optional) bounds its cell and tests together. */
export type GradedExercise = GradingExercise & { time_limit_s?: number };
export interface LoadedGrading {
  file: string;
  notebook: string;
  title: string;
  exercises: GradedExercise[];
  /** Seconds per exercise: the file's `limits.exercise_s`, else EXERCISE_LIMIT_S. */
  limitS: number;
}
/** What `--checks` gave: the hidden checks (possibly none) and the per-notebook grading files. */
export interface CourseGrading {
  spec: ChecksFile;
  notebooks: LoadedGrading[];
}

function readGradingFile(file: string): LoadedGrading {
  let j: Omit<GradingFile, 'exercises'> & { limits?: { exercise_s?: number }; exercises: GradedExercise[] };
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
      e.tests.some((t) => typeof t?.source !== 'string') ||
      (e.time_limit_s !== undefined && !(e.time_limit_s > 0))
    )
      fail(`exercises[${i}]: needs id, points > 0, tests [{hidden, source}] and time_limit_s > 0 if given`);
  }
  const limitS = j.limits?.exercise_s ?? EXERCISE_LIMIT_S;
  if (!(limitS > 0)) fail('limits.exercise_s must be > 0 (seconds per exercise)');
  return { file: path.resolve(file), notebook: j.notebook, title: j.title, exercises: j.exercises, limitS };
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
  let j: Record<string, unknown> | null;
  try {
    j = JSON.parse(fs.readFileSync(checks, 'utf8'));
  } catch {
    return null;
  }
  if (!j || !('exercises' in j)) return null;
  return { spec: readChecksFile(checks), notebooks: [readGradingFile(checks)] };
}

/**
 * The grading file a submission belongs to: its notebook metadata, then its file name, then the most exercise markers.
 */
export function matchNotebook(
  file: string,
  nb: Notebook,
  g: CourseGrading,
): { grading: LoadedGrading | null; by: string } {
  const stem = (s: string) => path.basename(s).replace(/\.ipynb$/, '');
  const meta = nb?.metadata?.hai?.notebook;
  const byMeta = typeof meta === 'string' && g.notebooks.find((n) => stem(n.notebook) === meta);
  if (byMeta) return { grading: byMeta, by: 'notebook metadata' };
  const byName = g.notebooks.find((n) => stem(n.notebook) === stem(file));
  if (byName) return { grading: byName, by: 'file name' };
  const ids = new Set(
    nb.cells.map((c) => {
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

/**
 * Where an exercise is: the last cell with its marker (a duplicate's later copy is what the kernel keeps), else by
 * metadata, else by id.
 */
export function findExercise(
  cells: Cell[],
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

const isStudentTest = (c: Cell) =>
  c.cell_type === 'code' &&
  (c.metadata?.hai?.tests ||
    (() => {
      try {
        return parseTestMarker(firstLine(cellSource(c)));
      } catch {
        return null;
      }
    })());

/** One exercise of a submission: where it is, its source, its time limit (null `found`: no cell carries it). */
export interface PlannedExercise {
  exercise: GradedExercise;
  found: { cell: number; by: ExerciseResult['found_by']; copies: number } | null;
  source: string;
  /** The cell is the untouched stub of `hai assign`. */
  stub: boolean;
  limitS: number;
}
/** What to grade: the notebook the kernel runs (the student's test cells dropped) and the exercises. */
export interface ExercisePlan {
  /** The grading file's notebook (the instructor's file name, e.g. 07_translator.ipynb). */
  notebook: string;
  bytes: Buffer;
  maxPoints: number;
  notes: string[];
  items: PlannedExercise[];
  /** A cell's time limit in the kernel run, by its index in `bytes` (exercise cells: their exercise's). */
  limitOf(index: number): number | undefined;
  /** The kernel run's cells renumbered to the submission's own indices. */
  renumber(cells: GradeCell[]): GradeCell[];
}

/** Seconds an exercise has (its cell and its tests) unless the grading file says otherwise. */
export const EXERCISE_LIMIT_S = 30;

export function planExercises(file: string, nb: Notebook, g: CourseGrading): ExercisePlan | null {
  const { grading, by } = matchNotebook(file, nb, g);
  if (!grading) return null;
  const notes = by === 'file name' ? [] : [`graded as ${grading.notebook} (matched by ${by})`];
  const items = grading.exercises.map((e): PlannedExercise => {
    const found = findExercise(nb.cells, e);
    if (found && found.copies > 1)
      notes.push(`exercise ${e.id}: ${found.copies} cells carry it; graded the last (cell ${found.cell})`);
    const source = found ? cellSource(nb.cells[found.cell]) : '';
    const limitS = e.time_limit_s ?? grading.limitS;
    return { exercise: e, found, source, stub: Boolean(found) && sourceHash(source) === e.stub_sha256, limitS };
  });
  const limits = new Map(items.filter((x) => x.found).map((x) => [x.found!.cell, x.limitS]));
  const cells: Cell[] = [],
    origin: number[] = [];
  let dropped = 0;
  for (const [i, c] of nb.cells.entries()) {
    if (isStudentTest(c) && !limits.has(i)) dropped++;
    else {
      cells.push(c);
      origin.push(i);
    }
  }
  if (dropped) notes.push(`${dropped} test cell(s) of the submission left out: the official tests grade the exercises`);
  return {
    notebook: grading.notebook,
    bytes: Buffer.from(JSON.stringify({ ...nb, cells }, null, 1) + '\n'),
    maxPoints: grading.exercises.reduce((a, e) => a + e.points, 0),
    notes,
    items,
    limitOf: (k) => limits.get(origin[k]),
    renumber: (run) => run.map((r) => ({ ...r, index: origin[r.index] })),
  };
}

/** Names of an exercise's tests in reports and feedback: `public 1`, `hidden 1`, … */
export const testNames = (e: GradedExercise): string[] => {
  const n = { public: 0, hidden: 0 };
  return e.tests.map((t) => {
    const kind = t.hidden ? 'hidden' : 'public';
    return `${e.id} ${kind} ${++n[kind]}`;
  });
};

/** An exercise's result from its isolated run (src/grade/isolate.ts); null: not run (missing or the stub). */
export function exerciseResult(p: PlannedExercise, run: IsolatedRun | null): ExerciseResult {
  const e = p.exercise,
    names = testNames(e);
  const base = { id: e.id, points: 0, max_points: e.points, tests: { passed: 0, total: e.tests.length } };
  if (!p.found)
    return { ...base, status: 'missing', error: 'no cell carries this exercise (marker, metadata or cell id)' };
  const where = { cell: p.found.cell, found_by: p.found.by };
  if (p.stub || !run) return { ...base, ...where, status: 'not_attempted' };
  const shown = (k: number) => ((e.tests[k] as { show_message?: boolean }).show_message ? { show_message: true } : {});
  const results = run.tests.map((t, k) => ({ name: names[k], hidden: e.tests[k].hidden, ...shown(k), ...t }));
  const passed = results.filter((t) => t.pass).length;
  const res = { ...base, ...where, seconds: run.seconds, tests: { passed, total: e.tests.length, results } };
  if (passed === e.tests.length && run.outcome === 'done') return { ...res, status: 'passed', points: e.points };
  const first = results.find((t) => !t.pass)?.message;
  if (run.outcome === 'timeout') return { ...res, status: 'timeout', error: run.how };
  if (run.outcome === 'crashed') return { ...res, status: 'crashed', error: run.how };
  const todo = results.map((t) => t.message).find((m) => isTodoError(e.id, m));
  if (todo) return { ...res, status: 'not_implemented', error: todo };
  return { ...res, status: 'failed', error: first ?? 'a test did not pass' };
}
