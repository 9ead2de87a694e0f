/**
 * The grading report's shapes: one `SubmissionReport` per notebook, gathered in a `GradeReport`. Kept apart
 * from the grading run (grade.ts) so the HTML/summary writer (gradereport.ts) needs only these types.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import type { CheckResult, Metrics } from './gradecheck';

export type SubmissionStatus = 'ok' | 'error' | 'timeout' | 'crashed';
export interface GradeCell { index: number; status: 'ok' | 'error' | 'timeout' | 'crashed' | 'skipped'; seconds: number; error?: string; dropped_chars?: number; lost_output?: boolean }
export interface OutsideWrite { path: string; change: 'created' | 'modified' | 'deleted' }
export interface SubmissionReport {
  file: string;
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
  limits?: { cpu_s: number; memory_mb: number; address_space_mb: number; max_procs: number; file_mb: number; tmp_mb: number };
}
export interface GradeReport {
  generated: string;
  checks_file: string | null;
  title?: string;
  limits: { cell_s: number; total_s: number; max_output_chars: number; max_old_space_mb: number };
  smoke: boolean;
  /** Whether the kernels ran in the sandbox (src/grade/sandbox.ts), why (not), and its limits. */
  sandbox: SandboxReport;
  submissions: SubmissionReport[];
  summary: { submissions: number; ok: number; error: number; timeout: number; crashed: number; mean_points: number; max_points: number };
}
