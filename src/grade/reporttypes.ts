/**
 * The grading report's shapes: one `SubmissionReport` per notebook, gathered in a `GradeReport`. Kept apart
 * from the grading run (grade.ts) so the HTML/summary writer (gradereport.ts) needs only these types.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import type { CheckResult, Metrics } from './gradecheck';
import type { LeaderboardRow, LeaderboardSpec } from './leaderboard';

export type SubmissionStatus = 'ok' | 'error' | 'timeout' | 'crashed';
export interface GradeCell {
  index: number;
  status: 'ok' | 'error' | 'timeout' | 'crashed' | 'skipped';
  seconds: number;
  error?: string;
  dropped_chars?: number;
  lost_output?: boolean;
}
/** One exercise's grade (src/grade/byexercise.ts). */
/**
 * passed / failed (a test did not pass) / timeout (the exercise's limit ran out) / crashed (its process exited,
 * was killed or ran out of memory: `error` says how) / not_attempted (the untouched stub) / not_implemented (its
 * TODO error) / missing (no cell carries it).
 */
export type ExerciseStatus =
  'passed' | 'failed' | 'timeout' | 'crashed' | 'not_attempted' | 'not_implemented' | 'missing';
/** One official test's verdict; a hidden test's `message` is for the instructor's report only. */
export interface TestResult {
  name: string;
  hidden: boolean;
  pass: boolean;
  message?: string;
  seconds: number;
  /** The grading file marks this hidden test's message as one students may read (feedback pages). */
  show_message?: boolean;
}
export interface ExerciseResult {
  id: string;
  status: ExerciseStatus;
  points: number;
  max_points: number;
  error?: string;
  /** The submission's cell the exercise was found in, and how. */
  cell?: number;
  found_by?: 'marker' | 'metadata' | 'cell_id';
  tests: { passed: number; total: number; results?: TestResult[] };
  /** Seconds its isolated run took (src/grade/isolate.ts). */
  seconds?: number;
}
export interface OutsideWrite {
  path: string;
  change: 'created' | 'modified' | 'deleted';
}
export interface SubmissionReport {
  file: string;
  /** Its position (1-based) among all the run's submissions, shards included: what `--merge` orders by. */
  index?: number;
  status: SubmissionStatus;
  /** Why it is not ok, in one line: the first failing cell, or why it could not run. */
  error?: string;
  cells: GradeCell[];
  /** What the notebook printed (its claims): the last epoch line, `hai-metric` lines. */
  metrics: Metrics;
  history: { epoch: number; train_loss: number | null; valid_accuracy: number | null }[];
  /** What the hidden checks measured. */
  remeasured: Metrics;
  checks: CheckResult[];
  /** Per exercise, when the checks are grading files (`hai assign`). */
  exercises?: ExerciseResult[];
  points: number;
  max_points: number;
  seconds: number;
  sha256: string;
  /** The submission file is byte-identical after grading. */
  unchanged: boolean;
  /** Files created, modified or deleted in the watched folders outside the working folder during the run. */
  outside_writes: OutsideWrite[];
  notes: string[];
  executed?: string;
  workdir?: string;
}
/** What the report says about the sandbox (src/grade/gradebox.ts). */
export interface SandboxReport {
  enabled: boolean;
  /** Why it is on or off, in one line (off: how to get it). */
  reason: string;
  limits?: {
    cpu_s: number;
    memory_mb: number;
    address_space_mb: number;
    max_procs: number;
    file_mb: number;
    tmp_mb: number;
  };
}
export interface GradeReport {
  generated: string;
  checks_file: string | null;
  title?: string;
  limits: { cell_s: number; total_s: number; max_output_chars: number; max_old_space_mb: number };
  smoke: boolean;
  /** `--shard k/n`: this report holds every n-th of `total` submissions (src/grade/classrun.ts). */
  shard?: { k: number; n: number; total: number };
  /** Whether the kernels ran in the sandbox (src/grade/sandbox.ts), why (not), and its limits. */
  sandbox: SandboxReport;
  submissions: SubmissionReport[];
  /** With the checks file's `leaderboard`: the ranking by re-measured metrics. */
  leaderboard?: LeaderboardSpec & { rows: LeaderboardRow[] };
  summary: {
    submissions: number;
    ok: number;
    error: number;
    timeout: number;
    crashed: number;
    mean_points: number;
    max_points: number;
  };
}
