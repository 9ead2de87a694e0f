/**
 * `hai grade`: re-run students' submitted notebooks and grade them, where nbgrader fails with tslab (30-second
 * cell timeouts that kill training cells, any stderr line scoring zero, empty error messages, cells after an
 * error left silently empty).
 *
 * Each submission runs in a fresh kernel in its own temporary working folder: `work/notebooks/<file>` (a copy),
 * `work/dist` and `work/data` (copies, so `../dist` and `../data` resolve as in the course), `work/node_modules`
 * (a link to this checkout's). The submission file itself is only read, and checked byte-identical afterwards.
 * Limits: time per cell and in total, output per cell, the kernel's V8 heap. Cells keep running after an error
 * (partial credit); a timeout, a crash or `process.exit` ends that notebook, never the batch. Then the hidden
 * checks (src/grade/gradecheck.ts) run in the same kernel, and folders outside the working folder are compared with a
 * snapshot taken before the run. Where bubblewrap works, each kernel runs in a sandbox (src/grade/sandbox.ts,
 * src/grade/gradebox.ts): no network, only its own folder writable, limits on CPU, memory and processes.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ChecksFile,
  CheckRun,
  defaultChecks,
  extractMetrics,
  readChecksFile,
  runCheckCode,
  scoreChecks,
  streamText,
} from './gradecheck';
import { CellReport, readNotebook, runNotebook, writeNotebook } from '../notebook/nbrun';
import type { GradeReport, OutsideWrite, SubmissionReport } from './reporttypes';
import { CourseGrading, ExercisePlan, loadGrading, planExercises } from './byexercise';
import { maxPointsOf, runPool, Shard, shardPositions, summarize } from './classrun';
import { leaderboard } from './leaderboard';
import { REPO_ROOT } from '../util/paths';
import { KIT_NAME } from './assign';
import { GradingSandbox, gradingSandbox, kernelChecks, runFreshChecks, sandboxNotes, submissionBox } from './gradebox';
import type { SandboxConfig } from './sandbox';

export interface GradeConfig {
  /** Seconds per cell (0 = none); default: the checks file's `limits.cell_s`, else 600. */
  cellTimeoutS: number;
  /** Seconds per notebook, all cells together (0 = none); default: the checks file's `limits.total_s`, else 3600. */
  totalTimeoutS: number;
  /** HAI_SMOKE=1 in the kernel: the course notebooks take small subsets and short runs. */
  smoke: boolean;
  /** The instructor's checks file (JSON); null = one point for running top to bottom. */
  checks: string | null;
  /** Characters of output kept per cell (the rest is counted and noted). */
  maxOutputChars: number;
  /** V8 heap limit of each kernel in MB (`--max-old-space-size`); 0 = Node's default. */
  maxOldSpaceMb: number;
  /** Run the cells after a failing one (as a grader reading for partial credit would). */
  allowErrors: boolean;
  /** Where the temporary working folders go (default: the OS's temporary folder). */
  tmpDir: string | null;
  /** Keep the working folders (their paths are in the report) instead of deleting them. */
  keep: boolean;
  /** Write each executed notebook, with the checks' cells appended, to this folder. */
  outDir: string | null;
  /** This checkout: `dist/`, `node_modules/`, `package.json` come from here. */
  libDir: string;
  /** Copied into each working folder as `data/`. */
  dataDir: string;
  /** More folders compared before and after each run (recursively); default: this checkout's `data/`. */
  watch: string[];
  env: NodeJS.ProcessEnv;
  /** Submissions graded at once, each in its own kernel and folder (src/grade/classrun.ts). */
  jobs: number;
  /** Grade only shard k of n (every n-th submission); null = all. */
  shard: Shard | null;
  /** One line per submission as it finishes. */
  log: (line: string) => void;
  /** The sandbox (src/grade/sandbox.ts): `mode` 'auto' (default), 'on' or 'off', and its limits. */
  sandbox: Partial<SandboxConfig>;
}
const LIB = REPO_ROOT;
export const gradeDefaults = (o: Partial<GradeConfig> = {}): GradeConfig => ({
  cellTimeoutS: 600,
  totalTimeoutS: 3600,
  smoke: false,
  checks: null,
  maxOutputChars: 200_000,
  maxOldSpaceMb: 4096,
  allowErrors: true,
  tmpDir: null,
  keep: false,
  jobs: 1,
  shard: null,
  outDir: null,
  libDir: LIB,
  dataDir: path.join(o.libDir ?? LIB, 'data'),
  watch: [path.join(o.libDir ?? LIB, 'data')],
  env: process.env,
  log: () => {},
  sandbox: {},
  ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
});

const SKIP_DIRS = new Set(['node_modules', '.git', '.ipynb_checkpoints']);

/** The notebooks to grade: files as given, folders searched recursively for `*.ipynb` (checkpoints and hidden folders skipped). */
export function listSubmissions(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ipynb')) out.push(p);
    }
  };
  for (const input of inputs) {
    if (!fs.existsSync(input)) throw new Error(`${input}: no such file or folder`);
    if (fs.statSync(input).isDirectory()) walk(input);
    else out.push(input);
  }
  if (!out.length) throw new Error(`no notebooks (*.ipynb) in ${inputs.join(', ') || '(no inputs)'}`);
  return out;
}

type Snapshot = Map<string, string>;
/** Paths under `dir` (not following links) with type, size and mtime; `skip(rel)` leaves a subtree out. */
export function snapshot(
  dir: string,
  o: { recursive?: boolean; skip?: (rel: string) => boolean; limit?: number } = {},
  into: Snapshot = new Map(),
): Snapshot {
  const limit = o.limit ?? 50000;
  const walk = (d: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (into.size >= limit) return;
      const p = path.join(d, e.name),
        rel = path.relative(dir, p);
      if (o.skip?.(rel)) continue;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      into.set(p, st.isDirectory() ? 'dir' : `${st.isSymbolicLink() ? 'link' : 'file'}:${st.size}:${st.mtimeMs}`);
      if (st.isDirectory() && o.recursive !== false && !SKIP_DIRS.has(e.name)) walk(p);
    }
  };
  walk(dir);
  return into;
}
export function diffSnapshots(before: Snapshot, after: Snapshot): OutsideWrite[] {
  const out: OutsideWrite[] = [];
  for (const [p, v] of after)
    if (!before.has(p)) out.push({ path: p, change: 'created' });
    else if (before.get(p) !== v && v !== 'dir') out.push({ path: p, change: 'modified' });
  for (const p of before.keys()) if (!after.has(p)) out.push({ path: p, change: 'deleted' });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const CELL_STATUS = { ok: 'ok', error: 'error', timeout: 'timeout', dead: 'crashed', skipped: 'skipped' } as const;

/** The kernel's environment: the grader's, less what points back at it (npm's variables, its working folder). */
function kernelEnv(env: NodeJS.ProcessEnv, cwd: string, tmp: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!/^(npm_|INIT_CWD$|OLDPWD$|PWD$)/.test(k)) out[k] = v;
  return { ...out, PWD: cwd, TMPDIR: tmp, TMP: tmp, TEMP: tmp };
}

/** A submission's working folder: `<run>/work/notebooks/<file>` beside copies of dist/ and data/, a link to node_modules. */
function prepare(runDir: string, file: string, bytes: Buffer, c: GradeConfig): string {
  // (Sandboxed, the kit's dist, data, package.json and node_modules are laid read-only over these copies.)
  const work = path.join(runDir, 'work');
  fs.mkdirSync(path.join(work, 'notebooks'), { recursive: true });
  fs.mkdirSync(path.join(runDir, 'tmp'));
  fs.cpSync(path.join(c.libDir, 'dist'), path.join(work, 'dist'), { recursive: true });
  if (fs.existsSync(c.dataDir)) fs.cpSync(c.dataDir, path.join(work, 'data'), { recursive: true });
  fs.copyFileSync(path.join(c.libDir, 'package.json'), path.join(work, 'package.json'));
  fs.symlinkSync(path.join(c.libDir, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  // A handout's notebooks import the kit by name (`hai assign`): the name resolves to these copies, as npm would.
  fs.mkdirSync(path.join(work, 'notebooks', 'node_modules'));
  fs.symlinkSync(path.join('..', '..'), path.join(work, 'notebooks', 'node_modules', KIT_NAME), 'dir');
  const copy = path.join(work, 'notebooks', path.basename(file));
  fs.writeFileSync(copy, bytes);
  return copy;
}

/** Grades one submission; never throws for the submission's faults. */
async function gradeOne(
  file: string,
  n: number,
  root: string,
  spec: ChecksFile,
  c: GradeConfig,
  watched: (runDir: string) => Snapshot,
  grading: CourseGrading | null,
  gs: GradingSandbox,
): Promise<SubmissionReport> {
  const t0 = performance.now();
  const bytes = fs.readFileSync(file);
  const r: SubmissionReport = {
    file,
    index: n,
    status: 'ok',
    cells: [],
    metrics: {},
    history: [],
    remeasured: {},
    checks: [],
    points: 0,
    max_points: spec.checks.reduce((a, x) => a + x.points, 0),
    seconds: 0,
    sha256: sha256(bytes),
    unchanged: true,
    outside_writes: [],
    notes: [],
  };
  const runDir = path.join(
    root,
    `${String(n).padStart(3, '0')}-${path
      .basename(file, '.ipynb')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 60)}`,
  );
  let run: CheckRun = { outcomes: new Map(), cells: [] };
  let executed: any = null,
    why = 'the kernel was not running';
  let plan: ExercisePlan | null = null; // grading by exercise: what runs is the submission with the official tests
  try {
    const nb = readNotebook(file);
    plan = grading ? planExercises(file, nb, grading) : null;
    if (grading && !plan)
      r.notes.push('no grading file matches this notebook (by metadata, file name or exercise markers)');
    if (plan) {
      r.max_points += plan.maxPoints;
      r.notes.push(...plan.notes);
    }
  } catch (e) {
    r.status = 'error';
    r.error = (e as Error).message;
  }
  if (!r.error) {
    let before: Snapshot | null = null;
    const copy = path.join(runDir, 'work', 'notebooks', path.basename(file)),
      kit = { libDir: c.libDir, dataDir: c.dataDir };
    const env = kernelEnv(c.env, path.dirname(copy), path.join(runDir, 'tmp'));
    let box: ReturnType<typeof submissionBox> = null;
    try {
      prepare(runDir, file, plan ? plan.bytes : bytes, c);
      before = watched(runDir);
      box = submissionBox(gs, runDir, copy, kit, spec, c.env);
      const res = await runNotebook(copy, {
        timeoutS: c.cellTimeoutS,
        totalTimeoutS: c.totalTimeoutS,
        smoke: c.smoke,
        allowErrors: c.allowErrors,
        maxOutputChars: c.maxOutputChars,
        maxOldSpaceMb: c.maxOldSpaceMb,
        env: box?.env ?? env,
        launcher: box?.launcher,
        connDir: box?.connDir,
        after: async (kernel, _cells, nb) => {
          run = await runCheckCode(kernel, kernelChecks(spec), reportedMetrics(nb).metrics, c.maxOutputChars);
        },
      });
      executed = res.executed;
      r.cells = res.cells.map((x: CellReport) => ({ ...x, status: CELL_STATUS[x.status] }));
      if (r.cells.some((x) => x.status === 'crashed')) why = 'the kernel died during the notebook';
    } catch (e) {
      r.status = 'crashed';
      r.error = `could not run: ${(e as Error).message}`;
    } finally {
      box?.dispose();
    }
    if (executed)
      run = await runFreshChecks(run, gs, {
        runDir,
        notebook: copy,
        kit,
        spec,
        claimed: reportedMetrics(executed).metrics,
        env: c.env,
        maxOutputChars: c.maxOutputChars,
        plainEnv: env,
      });
    r.notes.push(...sandboxNotes(gs, r.cells, runDir, copy, kit));
    if (before) r.outside_writes = diffSnapshots(before, watched(runDir));
  }
  let after: Buffer | null = null;
  try {
    after = fs.readFileSync(file);
  } catch {
    /* deleted: written back below */
  }
  if (!after?.equals(bytes)) {
    r.unchanged = false;
    r.notes.push('the submission file changed while it was graded; the original bytes were written back');
    const tmp = `${file}.${process.pid}.restore`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
  if (executed) {
    const got = reportedMetrics(executed);
    r.metrics = got.metrics;
    r.history = got.history;
  }
  if (plan) {
    const f = plan.finish(r.cells, Boolean(executed));
    r.cells = f.cells;
    r.exercises = f.exercises;
  }
  const bad = r.cells.find((x) => x.status !== 'ok' && x.status !== 'skipped');
  if (!r.error) {
    r.status = r.cells.some((x) => x.status === 'crashed')
      ? 'crashed'
      : r.cells.some((x) => x.status === 'timeout')
        ? 'timeout'
        : bad
          ? 'error'
          : 'ok';
    if (bad) r.error = `cell ${bad.index} ${bad.status}: ${bad.error ?? ''}`.trim();
  }
  const ranToEnd = Boolean(executed) && !bad;
  const scored = scoreChecks(
    spec,
    run.outcomes,
    { ranToEnd, outsideWrites: r.outside_writes.length, claimed: r.metrics },
    why,
  );
  r.checks = scored.results;
  r.remeasured = scored.remeasured;
  r.points = r.checks.reduce((a, x) => a + x.points, 0) + (r.exercises ?? []).reduce((a, x) => a + x.points, 0);
  for (const x of r.cells) {
    if (x.dropped_chars) r.notes.push(`cell ${x.index}: output truncated (${x.dropped_chars} characters left out)`);
    if (x.lost_output)
      r.notes.push(`cell ${x.index}: the kernel dropped output messages (a burst of output); some lines are missing`);
  }
  if (r.outside_writes.length) r.notes.push(`${r.outside_writes.length} files changed outside the working folder`);
  if (c.outDir && executed) {
    for (const k of run.cells)
      executed.cells.push({
        cell_type: 'code',
        execution_count: null,
        metadata: { hai_grade_check: k.name },
        outputs: k.outputs.map(toNb),
        source: k.source,
      });
    r.executed = path.join(c.outDir, `${path.basename(runDir)}.ipynb`);
    writeNotebook(r.executed, executed);
  }
  if (c.keep && fs.existsSync(runDir)) r.workdir = runDir;
  else fs.rmSync(runDir, { recursive: true, force: true });
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}

const toNb = (o: any) =>
  o.output_type === 'stream' ? { output_type: 'stream', name: o.name, text: o.text } : { ...o, metadata: {} };
/** What the notebook printed, cell after cell. */
const reportedMetrics = (nb: any) =>
  extractMetrics(
    nb.cells
      .filter((x: any) => x.cell_type === 'code')
      .map((x: any) => streamText(x.outputs))
      .join('\n'),
  );

/**
 * Grades every notebook in `inputs` (files, or folders searched for `*.ipynb`) one after another. Throws only when
 * grading cannot start (no notebooks, a bad checks file, the library not built); a submission's failures are
 * recorded in its report and the batch goes on.
 */
export async function gradeSubmissions(inputs: string[], cfg: Partial<GradeConfig> = {}): Promise<GradeReport> {
  const grading = cfg.checks ? loadGrading(cfg.checks) : null;
  const spec = grading ? grading.spec : cfg.checks ? readChecksFile(cfg.checks) : defaultChecks();
  const c = gradeDefaults({
    cellTimeoutS: spec.limits.cell_s,
    totalTimeoutS: spec.limits.total_s,
    ...Object.fromEntries(Object.entries(cfg).filter(([, v]) => v !== undefined)),
  });
  for (const need of ['dist/index.js', 'node_modules/tslab', 'package.json']) {
    if (!fs.existsSync(path.join(c.libDir, need)))
      throw new Error(`${path.join(c.libDir, need)} is missing: run \`npm ci\` (or \`npm run build\`) first`);
  }
  const gs = gradingSandbox(c.sandbox, c.env, c.totalTimeoutS); // throws for --sandbox without a working bubblewrap
  if (gs.warning) c.log(gs.warning);
  const all = listSubmissions(inputs),
    picked = shardPositions(all.length, c.shard);
  const root = fs.mkdtempSync(path.join(c.tmpDir ?? os.tmpdir(), 'hai-grade-'));
  // Watched: the grading folder outside each working folder (a relative path escaping it lands here), the folders the
  // submissions came from (a file's own folder, a given folder recursively), and `watch`.
  const watchRoots = [
    ...inputs.map((i) =>
      fs.statSync(i).isDirectory()
        ? { dir: path.resolve(i), recursive: true }
        : { dir: path.dirname(path.resolve(i)), recursive: false },
    ),
    ...c.watch.filter((d) => fs.existsSync(d)).map((d) => ({ dir: path.resolve(d), recursive: true })),
  ];
  const watched = (runDir: string) => {
    // With --jobs > 1 the other runs come and go beside this one: their folders are left out (what a submission writes
    // into another's folder is not seen), this run's own work/ and tmp/ as with one job.
    const mine = path.basename(runDir),
      other = (top: string) => c.jobs > 1 && top !== mine && /^\d{3,}-/.test(top);
    const s = snapshot(root, {
      skip: (rel) => {
        const [top, sub] = rel.split(path.sep);
        return other(top) || (top === mine && /^(work|tmp)$/.test(sub ?? ''));
      },
    });
    for (const w of watchRoots)
      snapshot(w.dir, { recursive: w.recursive, skip: (rel) => path.resolve(w.dir, rel) === root }, s);
    return s;
  };
  let submissions: SubmissionReport[] = [];
  try {
    submissions = await runPool(
      picked,
      c.jobs,
      (i) => gradeOne(all[i], i + 1, root, spec, c, watched, grading, gs),
      (r, _i, done) =>
        c.log(
          `[${done}/${picked.length}] ${r.file}: ${r.status}, ${r.points}/${r.max_points} points (${r.seconds.toFixed(1)} s)${r.error ? ` - ${r.error}` : ''}`,
        ),
    );
  } finally {
    if (!c.keep) fs.rmSync(root, { recursive: true, force: true });
  }
  return {
    generated: new Date().toISOString(),
    checks_file: spec.file,
    ...(spec.title ? { title: spec.title } : {}),
    limits: {
      cell_s: c.cellTimeoutS,
      total_s: c.totalTimeoutS,
      max_output_chars: c.maxOutputChars,
      max_old_space_mb: c.maxOldSpaceMb,
    },
    smoke: c.smoke,
    sandbox: gs.report,
    ...(c.shard ? { shard: { ...c.shard, total: all.length } } : {}),
    submissions,
    ...(spec.leaderboard
      ? { leaderboard: { ...spec.leaderboard, rows: leaderboard(submissions, spec.leaderboard) } }
      : {}),
    summary: summarize(
      submissions,
      maxPointsOf(
        spec.checks.reduce((a, x) => a + x.points, 0),
        submissions,
      ),
    ),
  };
}
