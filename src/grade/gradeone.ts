/**
 * One submission's grading run as a list of named steps, each small and testable alone: read, prepare, snapshot,
 * exercises, run, fresh checks, diff, restore, score, write. The steps share one `Run` (what is known so far); the
 * sandbox is the concern of the steps that start processes (exercises, run, fresh checks) through
 * src/grade/gradebox.ts.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChecksFile, CheckRun, extractMetrics, runCheckCode, scoreChecks, streamText } from './gradecheck';
import { readNotebook, runNotebook, writeNotebook } from '../notebook/nbrun';
import type { Notebook } from '../notebook/nbformat';
import type { ExerciseResult, GradeCell, SubmissionReport, SubmissionStatus } from './reporttypes';
import { CourseGrading, ExercisePlan, planExercises } from './byexercise';
import { GradingSandbox, kernelChecks, runFreshChecks, sandboxNotes, submissionBox } from './gradebox';
import { gradeExercises } from './exgrade';
import { diffSnapshots, kernelEnv, prepare, restore, runFolder, Snapshot } from './workdir';
import type { GradeConfig } from './gradeconfig';

/** What the batch gives every submission's run. */
export interface BatchContext {
  root: string;
  spec: ChecksFile;
  c: GradeConfig;
  watched: (runDir: string) => Snapshot;
  grading: CourseGrading | null;
  gs: GradingSandbox;
}
/** One run's state, filled in step by step. */
interface Run {
  b: BatchContext;
  r: SubmissionReport;
  bytes: Buffer;
  runDir: string;
  copy: string;
  plan: ExercisePlan | null;
  before: Snapshot | null;
  executed: Notebook | null;
  checks: CheckRun;
  why: string;
}
const CELL_STATUS = { ok: 'ok', error: 'error', timeout: 'timeout', dead: 'crashed', skipped: 'skipped' } as const;
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const kitOf = (c: GradeConfig) => ({ libDir: c.libDir, dataDir: c.dataDir });

/** Read: the notebook parsed and matched to its grading file; a notebook that cannot be read is an error. */
function readStep(x: Run, file: string): void {
  try {
    const nb = readNotebook(file);
    x.plan = x.b.grading ? planExercises(file, nb, x.b.grading) : null;
    if (x.b.grading && !x.plan)
      x.r.notes.push('no grading file matches this notebook (by metadata, file name or exercise markers)');
    if (x.plan) {
      x.r.max_points += x.plan.maxPoints;
      x.r.notes.push(...x.plan.notes);
    }
  } catch (e) {
    x.r.status = 'error';
    x.r.error = (e as Error).message;
  }
}

/** Exercises: each in its own processes (src/grade/exgrade.ts), before the notebook's kernel touches the folder. */
async function exercisesStep(x: Run): Promise<void> {
  if (!x.plan) return;
  const c = x.b.c;
  x.r.exercises = await gradeExercises(x.plan, {
    runDir: x.runDir,
    notebook: x.copy,
    ...kitOf(c),
    env: { ...c.env, ...(c.smoke ? { HAI_SMOKE: '1' } : {}) },
    heapMb: c.exerciseHeapMb,
    gs: x.b.gs,
    spec: x.b.spec,
  });
}

/** Run: the notebook in a fresh kernel (sandboxed where possible), the kernel checks after its last cell. */
async function runStep(x: Run): Promise<void> {
  const { c, spec, gs } = x.b;
  const env = kernelEnv(c.env, path.dirname(x.copy), path.join(x.runDir, 'tmp'));
  const box = submissionBox(gs, x.runDir, x.copy, kitOf(c), spec, c.env);
  try {
    const res = await runNotebook(x.copy, {
      timeoutS: c.cellTimeoutS,
      totalTimeoutS: c.totalTimeoutS,
      smoke: c.smoke,
      allowErrors: c.allowErrors,
      maxOutputChars: c.maxOutputChars,
      maxOldSpaceMb: c.maxOldSpaceMb,
      env: box?.env ?? env,
      launcher: box?.launcher,
      connDir: box?.connDir,
      cellLimitS: x.plan?.limitOf,
      after: async (kernel, _cells, nb) => {
        x.checks = await runCheckCode(kernel, kernelChecks(spec), reportedMetrics(nb).metrics, c.maxOutputChars);
      },
    });
    x.executed = res.executed;
    const cells = res.cells.map((k): GradeCell => ({ ...k, status: CELL_STATUS[k.status] }));
    x.r.cells = x.plan ? x.plan.renumber(cells) : cells;
    x.r.notes.push(...outputNotes(cells, x.r.cells, res.executed));
    if (x.r.cells.some((k) => k.status === 'crashed')) x.why = 'the kernel died during the notebook';
  } catch (e) {
    x.r.status = 'crashed';
    x.r.error = `could not run: ${(e as Error).message}`;
  } finally {
    box?.dispose();
  }
  if (x.executed)
    x.checks = await runFreshChecks(x.checks, gs, {
      runDir: x.runDir,
      notebook: x.copy,
      kit: kitOf(c),
      spec,
      claimed: reportedMetrics(x.executed).metrics,
      env: c.env,
      maxOutputChars: c.maxOutputChars,
      plainEnv: env,
    });
  x.r.notes.push(...sandboxNotes(gs, x.r.cells, x.runDir, x.copy, kitOf(c)));
}

/**
 * Notes on cells whose output was cut or lost. A cut output with a chart in it is not noted: the chart's embedded
 * library (plotly.js, megabytes) is the instructor's output, not something the student did.
 */
export function outputNotes(run: GradeCell[], shown: GradeCell[], executed: Notebook): string[] {
  const out: string[] = [];
  for (const [i, k] of run.entries()) {
    const outputs = executed.cells[k.index]?.outputs ?? [];
    const printed = outputs.every((o) => o.output_type === 'stream' || o.output_type === 'error');
    const at = shown[i].index;
    if (k.dropped_chars && printed) out.push(`cell ${at}: output truncated (${k.dropped_chars} characters left out)`);
    if (k.lost_output)
      out.push(`cell ${at}: the kernel dropped output messages (a burst of output); some lines are missing`);
  }
  return out;
}

/**
 * The submission's status and its reason: the worst of its cells, then of its exercises. A notebook whose cells all
 * ran but whose exercise hung is `timeout`, never `ok` with no reason.
 */
export function submissionStatus(
  cells: GradeCell[],
  exercises: ExerciseResult[] = [],
): { status: SubmissionStatus; error?: string } {
  const bad = cells.find((k) => k.status !== 'ok' && k.status !== 'skipped');
  const cellWhy = bad && `cell ${bad.index} ${bad.status}: ${bad.error ?? ''}`.trim();
  const has = (s: string) => cells.some((k) => k.status === s);
  const ex = (s: string) => exercises.find((e) => e.status === s);
  const exWhy = (e: ExerciseResult) => `exercise ${e.id} ${e.status.replace('_', ' ')}: ${e.error ?? ''}`.trim();
  const worst =
    (has('crashed') && 'crashed') ||
    (has('timeout') && 'timeout') ||
    (bad && 'error') ||
    (ex('crashed') && 'crashed') ||
    (ex('timeout') && 'timeout');
  const firstBadEx = exercises.find((e) => e.status !== 'passed');
  if (worst) {
    const e = !bad && (ex(worst) ?? firstBadEx);
    return { status: worst, error: cellWhy || (e ? exWhy(e) : undefined) };
  }
  return firstBadEx ? { status: 'error', error: exWhy(firstBadEx) } : { status: 'ok' };
}

/** Score: status, metrics, the checks' points and the exercises'. */
function scoreStep(x: Run): void {
  const r = x.r;
  if (x.executed) {
    const got = reportedMetrics(x.executed);
    r.metrics = got.metrics;
    r.history = got.history;
  }
  if (!r.error) Object.assign(r, submissionStatus(r.cells, r.exercises));
  const ranToEnd = Boolean(x.executed) && !r.cells.some((k) => k.status !== 'ok' && k.status !== 'skipped');
  const claimed = r.metrics;
  const scored = scoreChecks(
    x.b.spec,
    x.checks.outcomes,
    { ranToEnd, outsideWrites: r.outside_writes.length, claimed },
    x.why,
  );
  r.checks = scored.results;
  r.remeasured = scored.remeasured;
  r.points = r.checks.reduce((a, k) => a + k.points, 0) + (r.exercises ?? []).reduce((a, k) => a + k.points, 0);
  if (r.outside_writes.length) r.notes.push(`${r.outside_writes.length} files changed outside the working folder`);
}

/** Write: the executed notebook (instructor-only: it holds the checks' code and output) into `--out`. */
function writeStep(x: Run): void {
  const { c } = x.b;
  if (!c.outDir || !x.executed) return;
  for (const k of x.checks.cells)
    x.executed.cells.push({
      cell_type: 'code',
      execution_count: null,
      metadata: { hai_grade_check: k.name },
      outputs: k.outputs.map((o) =>
        o.output_type === 'stream' ? { output_type: 'stream', name: o.name, text: o.text } : { ...o, metadata: {} },
      ),
      source: k.source,
    });
  x.executed.metadata.hai_grade = { instructor_only: true, why: 'holds the hidden checks and their output' };
  x.r.executed = path.join(c.outDir, `${path.basename(x.runDir)}.ipynb`);
  writeNotebook(x.r.executed, x.executed);
}

/** Grades one submission; never throws for the submission's faults. */
export async function gradeOne(file: string, n: number, b: BatchContext): Promise<SubmissionReport> {
  const t0 = performance.now();
  const bytes = fs.readFileSync(file);
  const runDir = runFolder(b.root, file, n);
  const x: Run = {
    b,
    bytes,
    runDir,
    copy: path.join(runDir, 'work', 'notebooks', path.basename(file)),
    plan: null,
    before: null,
    executed: null,
    checks: { outcomes: new Map(), cells: [] },
    why: 'the kernel was not running',
    r: {
      file,
      index: n,
      status: 'ok',
      cells: [],
      metrics: {},
      history: [],
      remeasured: {},
      checks: [],
      points: 0,
      max_points: b.spec.checks.reduce((a, k) => a + k.points, 0),
      seconds: 0,
      sha256: sha256(bytes),
      unchanged: true,
      outside_writes: [],
      notes: [],
    },
  };
  readStep(x, file);
  if (!x.r.error) {
    try {
      prepare(runDir, file, x.plan ? x.plan.bytes : bytes, b.c);
      x.before = b.watched(runDir);
      // Side by side: the exercises' verdicts do not depend on the kernel (their tests read the kit, not this folder),
      // and a hung exercise then costs its limit once, not once in each.
      await Promise.all([exercisesStep(x), runStep(x)]);
    } catch (e) {
      x.r.status = 'crashed';
      x.r.error ??= `could not run: ${(e as Error).message}`;
    }
    if (x.before) x.r.outside_writes = diffSnapshots(x.before, b.watched(runDir));
  }
  if (!restore(file, bytes)) {
    x.r.unchanged = false;
    x.r.notes.push('the submission file changed while it was graded; the original bytes were written back');
  }
  scoreStep(x);
  writeStep(x);
  if (b.c.keep && fs.existsSync(runDir)) x.r.workdir = runDir;
  else fs.rmSync(runDir, { recursive: true, force: true });
  x.r.seconds = (performance.now() - t0) / 1000;
  return x.r;
}

/** What the notebook printed, cell after cell: its claimed metrics and history. */
const reportedMetrics = (nb: Notebook) =>
  extractMetrics(
    nb.cells
      .filter((k) => k.cell_type === 'code')
      .map((k) => streamText(k.outputs))
      .join('\n'),
  );
