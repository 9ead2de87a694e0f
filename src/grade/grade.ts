/**
 * `hai grade`: re-run students' submitted notebooks and grade them, where nbgrader fails with tslab (30-second
 * cell timeouts that kill training cells, any stderr line scoring zero, empty error messages, cells after an
 * error left silently empty).
 *
 * Exercises (grading files of `hai assign`) are graded first, each in processes of its own where the student's code
 * cannot reach the tests or their verdict (src/grade/isolate.ts), with a time limit per exercise.
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
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultChecks, readChecksFile } from './gradecheck';
import type { GradeReport, SubmissionReport } from './reporttypes';
import { loadGrading } from './byexercise';
import { maxPointsOf, runPool, shardPositions, summarize } from './classrun';
import { leaderboard } from './leaderboard';
import { gradingSandbox } from './gradebox';
import { gradeOne } from './gradeone';
import { GradeConfig, gradeDefaults } from './gradeconfig';
import { listSubmissions, snapshot } from './workdir';

export { diffSnapshots, listSubmissions, snapshot } from './workdir';

export { GradeConfig, gradeDefaults } from './gradeconfig';

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
    // into another's folder is not seen), this run's own work/, tmp/ and tests/ (its exercises' tests) as with one job.
    const mine = path.basename(runDir),
      other = (top: string) => c.jobs > 1 && top !== mine && /^\d{3,}-/.test(top);
    const s = snapshot(root, {
      skip: (rel) => {
        const [top, sub] = rel.split(path.sep);
        return other(top) || (top === mine && /^(work|tmp|tests)$/.test(sub ?? ''));
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
      (i) => gradeOne(all[i], i + 1, { root, spec, c, watched, grading, gs }),
      (r, _i, done) =>
        c.log(
          `[${done}/${picked.length}] ${r.file}: ${r.status}, ${r.points}/${r.max_points} points ` +
            `(${r.seconds.toFixed(1)} s)${r.error ? ` - ${r.error}` : ''}`,
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
