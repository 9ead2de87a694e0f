/**
 * `hai grade`'s settings for one batch (src/grade/grade.ts) and their defaults, apart from the run so the steps
 * (src/grade/gradeone.ts) can read them without importing the batch.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as path from 'node:path';
import { REPO_ROOT } from '../util/paths';
import type { Shard } from './classrun';
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
  /** V8 heap limit of each exercise's process in MB (src/grade/isolate.ts). */
  exerciseHeapMb: number;
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
  exerciseHeapMb: 1024,
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
