/**
 * `hai assign`: from the instructor's notebooks (notebooks/, which run top to bottom with the solutions), the
 * student notebooks (solutions replaced by a stub that throws `TODO(<id>)`, hidden tests removed, outputs cleared)
 * and, per notebook with exercises, a grading file for `hai grade --checks` (the exercises' ids and points, the
 * official public and hidden tests, the hash of the stub cell). Then a leak scan of what was written. The student
 * notebooks import the kit by its package name (`hai-dialect-lab`, installed by the handout's package.json) where the
 * instructor's import `../dist` (this checkout's build); src/grade/handout.ts writes the rest of the handout.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Cell, Notebook } from '../notebook/nbformat';
import { readNotebook, writeNotebook } from '../notebook/nbrun';
import { writeFileAtomic } from '../util/files';
import { REPO_ROOT, repoPath } from '../util/paths';
import {
  cellSource,
  formatIssue,
  lintCourse,
  NotebookExercises,
  parseNotebookExercises,
  solutionRegions,
  sourceHash,
  studentSource,
} from './exercises';

export interface AssignConfig {
  /** The instructor's notebooks. */
  src: string;
  /** The student notebooks go here (git-ignored by default). */
  out: string;
  /** The grading files go here; never inside `out`. */
  grading: string;
  /** Notebook files to take from `src` (default: every NN_*.ipynb). */
  notebooks: string[] | null;
}
export const assignDefaults = (o: Partial<AssignConfig> = {}): AssignConfig => ({
  src: path.join(REPO_ROOT, 'notebooks'),
  out: 'student',
  grading: 'grading',
  notebooks: null,
  ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
});

/** The official test of an exercise, as the grading file keeps it. */
export interface GradingTest {
  hidden: boolean;
  source: string;
}
export interface GradingExercise {
  id: string;
  points: number;
  cell_id: string;
  stub_sha256: string;
  tests: GradingTest[];
}
/** One notebook's grading file (a checks file with `notebook` and `exercises`). */
export interface GradingFile {
  title: string;
  notebook: string;
  hai_grading: 1;
  checks: unknown[];
  exercises: GradingExercise[];
}

/** The cell id the student version gives an exercise cell (nbformat ids: letters, digits, - and _). */
export const exerciseCellId = (id: string) => `ex-${id.replace(/[^\w-]/g, '-')}`;
/** The kit's package name, as a handout installs it. */
let kitNameRead: string | null = null;
/**
 * The kit's package name, read when first asked: never at load, since the grader's exercise host loads the kit
 * under Node's permission model, which lets it read dist/ and node_modules/ but not package.json.
 */
export const kitName = (): string =>
  (kitNameRead ??= (JSON.parse(fs.readFileSync(repoPath('package.json'), 'utf8')) as { name: string }).name);
/** A cell's source with the instructor's `'../dist'` imports turned into imports of the kit by its package name. */
export const kitImports = (source: string) =>
  source.replace(/(\bfrom\s+|\brequire\(\s*|\bimport\(\s*)(['"])\.\.\/dist(\/index(\.js)?)?\2/g, `$1$2${kitName()}$2`);
const HAI_IMPORT = /^\s*import\s+\*\s+as\s+hai\s+from\s/m;

const clean = (c: Cell): Cell => (c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : { ...c });

/** The course notebooks under `dir` with their exercises parsed. */
export function readCourse(
  dir: string,
  names: string[] | null = null,
): { file: string; nb: Notebook; parsed: NotebookExercises }[] {
  const files = (
    names ??
    fs
      .readdirSync(dir)
      .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
      .sort()
  ).map((f) => path.join(dir, f));
  if (!files.length) throw new Error(`${dir}: no course notebooks (NN_name.ipynb)`);
  return files.map((file) => {
    const nb = readNotebook(file);
    return { file, nb, parsed: parseNotebookExercises(path.basename(file), nb) };
  });
}

/** The student version of one notebook and its grading file (null without exercises). */
export function studentNotebook(
  name: string,
  nb: Notebook,
  parsed: NotebookExercises,
): { student: Notebook; grading: GradingFile | null } {
  const drop = new Set(parsed.tests.filter((t) => t.hidden).map((t) => t.cell));
  const exercises: GradingExercise[] = [];
  let haiSeen = false;
  const cells = nb.cells.flatMap((c: Cell, i: number) => {
    if (drop.has(i)) return [];
    const ex = parsed.exercises.find((e) => e.cell === i);
    const test = parsed.tests.find((t) => t.cell === i);
    const own = c.cell_type === 'code' ? { ...clean(c), source: splitLines(kitImports(cellSource(c))) } : clean(c);
    if (ex) {
      // The stub throws `hai.todo(…)`: without `hai` imported above, the student would see a compile error instead.
      if (!haiSeen)
        throw new Error(`${name}: cell ${i}: exercise ${ex.id} comes before any cell that does \`import * as hai\``);
      const source = kitImports(studentSource(cellSource(c), ex.id));
      const cellId = exerciseCellId(ex.id);
      exercises.push({
        id: ex.id,
        points: ex.points,
        cell_id: cellId,
        stub_sha256: sourceHash(source),
        tests: parsed.tests.filter((t) => t.id === ex.id).map((t) => ({ hidden: t.hidden, source: t.source })),
      });
      return [
        { ...own, id: cellId, metadata: { ...c.metadata, hai: { exercise: ex.id } }, source: splitLines(source) },
      ];
    }
    if (c.cell_type === 'code' && HAI_IMPORT.test(cellSource(c))) haiSeen = true;
    if (test) return [{ ...own, metadata: { ...c.metadata, hai: { tests: test.id } } }];
    return [own];
  });
  const stem = name.replace(/\.ipynb$/, '');
  const student = { ...nb, metadata: { ...nb.metadata, hai: { notebook: stem, version: 'student' } }, cells };
  const grading: GradingFile | null = exercises.length
    ? { title: `${stem}: exercises`, notebook: name, hai_grading: 1, checks: [], exercises }
    : null;
  return { student, grading };
}
const splitLines = (s: string) => s.split(/(?<=\n)/);

export interface LeakFinding {
  notebook: string;
  cell: number;
  what: string;
  line: string;
}

/**
 * The lines of an instructor's notebook a student must not get (8 characters or more, trimmed): solution lines and
 * hidden-test lines that do not also appear elsewhere in the notebook (or in `publicLines`, which gets the others).
 * Imports are read as the student sees them.
 */
export function secretLines(
  instructor: Notebook,
  parsed: NotebookExercises,
  publicLines = new Set<string>(),
): Map<string, string> {
  const secret = new Map<string, string>();
  const exCells = new Set(parsed.exercises.map((e) => e.cell)),
    hidden = new Set(parsed.tests.filter((t) => t.hidden).map((t) => t.cell));
  for (const [i, c] of instructor.cells.entries()) {
    const lines = kitImports(cellSource(c)).split('\n');
    const inRegion = new Set<number>();
    if (exCells.has(i))
      for (const r of solutionRegions(cellSource(c))) for (let k = r.begin; k <= r.end; k++) inRegion.add(k);
    lines.forEach((l, k) => {
      const t = l.trim();
      if (t.length < 8) return;
      if (inRegion.has(k)) secret.set(t, 'solution line');
      else if (hidden.has(i)) secret.set(t, 'hidden test line');
      else publicLines.add(t);
    });
  }
  for (const t of publicLines) secret.delete(t);
  return secret;
}
export const SOLUTION_MARKER = /^\/\/\s*(BEGIN|END) SOLUTION\s*$/;
export const HIDDEN_MARKER = /^\/\/\s*@tests\s+\S+\s+hidden\b/;

/** What a student notebook must not contain: solution and hidden-test markers, secret lines, outputs. */
export function leakScan(instructor: Notebook, parsed: NotebookExercises, student: Notebook): LeakFinding[] {
  const secret = secretLines(instructor, parsed);
  const out: LeakFinding[] = [];
  for (const [i, c] of student.cells.entries()) {
    for (const l of cellSource(c).split('\n')) {
      const t = l.trim();
      if (SOLUTION_MARKER.test(t)) out.push({ notebook: parsed.notebook, cell: i, what: 'solution marker', line: t });
      else if (/@tests\s+\S+\s+hidden/.test(t))
        out.push({ notebook: parsed.notebook, cell: i, what: 'hidden test marker', line: t });
      else if (secret.has(t)) out.push({ notebook: parsed.notebook, cell: i, what: secret.get(t)!, line: t });
    }
    if (c.cell_type === 'code' && (c.outputs?.length || c.execution_count !== null))
      out.push({ notebook: parsed.notebook, cell: i, what: 'outputs not cleared', line: '' });
  }
  return out;
}

export const formatLeak = (l: LeakFinding) => `${l.notebook}: cell ${l.cell}: ${l.what}: ${l.line}`;

/** Whether path `a` is `b` or inside it. */
export const isInside = (a: string, b: string) => {
  const r = path.relative(path.resolve(b), path.resolve(a));
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
};

export interface AssignResult {
  student: string[];
  grading: string[];
  exercises: { notebook: string; id: string; points: number; tests: number; hidden: number }[];
}

/** Lints the course, writes the student notebooks and grading files, and leak-scans them; any problem throws. */
export function assignCourse(cfg: Partial<AssignConfig> = {}): AssignResult {
  const c = assignDefaults(cfg);
  if (isInside(c.grading, c.out) || isInside(c.out, c.grading))
    throw new Error(
      `--out ${c.out} and --grading ${c.grading} must be separate folders (nothing of grading/ goes into student/)`,
    );
  if (isInside(c.out, c.src) || isInside(c.grading, c.src))
    throw new Error(`--out and --grading must not be inside ${c.src} (the instructor's notebooks)`);
  const course = readCourse(c.src, c.notebooks);
  const issues = lintCourse(course.map((x) => x.parsed));
  if (issues.length)
    throw new Error(`the exercise markers have ${issues.length} problem(s):\n${issues.map(formatIssue).join('\n')}`);
  const built = course.map((x) => ({
    ...x,
    name: path.basename(x.file),
    ...studentNotebook(path.basename(x.file), x.nb, x.parsed),
  }));
  const leaks = built.flatMap((b) => leakScan(b.nb, b.parsed, b.student));
  if (leaks.length) throw new Error(`the student version would leak:\n${leaks.map(formatLeak).join('\n')}`);
  const res: AssignResult = { student: [], grading: [], exercises: [] };
  fs.mkdirSync(c.out, { recursive: true });
  fs.mkdirSync(c.grading, { recursive: true });
  for (const b of built) {
    const out = path.join(c.out, b.name);
    writeNotebook(out, b.student);
    res.student.push(out);
    if (!b.grading) continue;
    const g = path.join(c.grading, b.name.replace(/\.ipynb$/, '.grading.json'));
    writeFileAtomic(g, JSON.stringify(b.grading, null, 1) + '\n');
    res.grading.push(g);
    for (const e of b.grading.exercises)
      res.exercises.push({
        notebook: b.name,
        id: e.id,
        points: e.points,
        tests: e.tests.length,
        hidden: e.tests.filter((t) => t.hidden).length,
      });
  }
  return res;
}
