/**
 * The instructor's checks file (the format is described in src/grade/gradecheck.ts): its types, its reader, which
 * names the file and the check in every mistake, and what a notebook reports (its printed epoch and `hai-metric`
 * lines), read back from its outputs.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NbOutput } from '../notebook/nbformat';
import { LeaderboardSpec, readLeaderboardSpec } from './leaderboard';

export type Metrics = Record<string, number>;
export interface Tier {
  min: number;
  points: number;
}
export interface CheckSpec {
  name: string;
  points: number;
  description?: string;
  /**
   * TypeScript run in the submission's kernel: the body of an async function. Sees `$hai` (the library) and `$grade`.
   */
  code?: string | string[];
  /** 'ran_to_end': every cell ran without error; 'no_outside_writes': nothing changed outside the working folder. */
  builtin?: 'ran_to_end' | 'no_outside_writes';
  /** Looked up in this check's result, then earlier checks' results, then the notebook's reported metrics. */
  metric?: string;
  min?: number;
  max?: number;
  tiers?: Tier[];
  /** The reported metric `metric` is compared with: passes when metric >= claim - tolerance. */
  claim?: string;
  tolerance?: number;
  timeout_s?: number;
  /**
   * Run after the submission's kernel is gone, in a fresh (sandboxed) kernel that sees its folder read-only
   * (src/grade/gradebox.ts).
   */
  fresh?: boolean;
}
export interface ChecksFile {
  file: string | null;
  title?: string;
  /** Rank the submissions by a re-measured metric (src/grade/leaderboard.ts). */
  leaderboard?: LeaderboardSpec;
  /** Default limits (the command line's options win). */
  limits: { cell_s?: number; total_s?: number };
  /** Paths relative to the checks file, made absolute: `$grade.files.<name>`. */
  files: Record<string, string>;
  vars: Record<string, unknown>;
  checks: CheckSpec[];
}
export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'error' | 'not_run';
  points: number;
  max_points: number;
  value?: number | null;
  message?: string;
  seconds: number;
}
/** What the builtin checks and the threshold checks need to know about the run. */
export interface RunFacts {
  ranToEnd: boolean;
  outsideWrites: number;
  claimed: Metrics;
}

/** Without a checks file: one point for running top to bottom. */
export const defaultChecks = (): ChecksFile => ({
  file: null,
  limits: {},
  files: {},
  vars: {},
  checks: [{ name: 'runs top to bottom', points: 1, builtin: 'ran_to_end' }],
});

const CHECK_KEYS = new Set([
  'name',
  'points',
  'description',
  'code',
  'builtin',
  'metric',
  'min',
  'max',
  'tiers',
  'claim',
  'tolerance',
  'timeout_s',
  'fresh',
]);
// notebook, hai_grading, exercises: a grading file of `hai assign` is a checks file too (src/grade/byexercise.ts).
const FILE_KEYS = new Set([
  'title',
  'limits',
  'files',
  'vars',
  'checks',
  '$schema',
  'description',
  'notebook',
  'hai_grading',
  'exercises',
  'leaderboard',
]);

/**
 * Reads and validates a checks file; every mistake names the file and the check, since a typo would grade silently
 * wrong.
 */
export function readChecksFile(file: string): ChecksFile {
  let j: any;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable checks file: ${(e as Error).message}`);
  }
  const fail = (what: string) => {
    throw new Error(`${file}: ${what}`);
  };
  if (!j || typeof j !== 'object' || !Array.isArray(j.checks)) fail('expected an object with a "checks" array');
  for (const k of Object.keys(j))
    if (!FILE_KEYS.has(k)) fail(`unknown key "${k}" (known: ${[...FILE_KEYS].join(', ')})`);
  const dir = path.dirname(path.resolve(file));
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries(j.files ?? {})) {
    if (typeof v !== 'string') fail(`files.${k} must be a path`);
    files[k] = path.resolve(dir, v as string);
    if (!fs.existsSync(files[k])) fail(`files.${k}: ${files[k]} does not exist`);
  }
  const names = new Set<string>();
  const num = (c: any, k: string) =>
    c[k] === undefined ||
    (typeof c[k] === 'number' && Number.isFinite(c[k])) ||
    fail(`check "${c.name}": ${k} must be a number`);
  const checks: CheckSpec[] = j.checks.map((c: any, i: number) => {
    if (!c || typeof c !== 'object' || typeof c.name !== 'string' || !c.name) fail(`check ${i}: needs a "name"`);
    if (names.has(c.name)) fail(`check "${c.name}" appears twice`);
    names.add(c.name);
    for (const k of Object.keys(c))
      if (!CHECK_KEYS.has(k)) fail(`check "${c.name}": unknown key "${k}" (known: ${[...CHECK_KEYS].join(', ')})`);
    ['points', 'min', 'max', 'tolerance', 'timeout_s'].forEach((k) => num(c, k));
    if (c.tiers === undefined && !(c.points >= 0)) fail(`check "${c.name}": needs "points" >= 0`);
    if (
      c.code !== undefined &&
      typeof c.code !== 'string' &&
      !(Array.isArray(c.code) && c.code.every((l: unknown) => typeof l === 'string'))
    )
      fail(`check "${c.name}": code must be a string or an array of lines`);
    if (c.fresh !== undefined && (typeof c.fresh !== 'boolean' || (c.fresh && !c.code)))
      fail(`check "${c.name}": fresh must be true or false, and needs "code"`);
    if (c.builtin !== undefined && c.builtin !== 'ran_to_end' && c.builtin !== 'no_outside_writes')
      fail(`check "${c.name}": builtin must be ran_to_end or no_outside_writes`);
    if (
      c.tiers !== undefined &&
      !(
        Array.isArray(c.tiers) &&
        c.tiers.length &&
        c.tiers.every((t: any) => Number.isFinite(t?.min) && t?.points >= 0)
      )
    )
      fail(`check "${c.name}": tiers must be [{"min": number, "points": number}, ...]`);
    if ((c.min !== undefined || c.max !== undefined || c.tiers || c.claim) && !c.metric)
      fail(`check "${c.name}": a threshold needs "metric"`);
    if (!c.code && !c.builtin && !c.metric) fail(`check "${c.name}": needs "code", "builtin" or "metric"`);
    const points = c.tiers ? Math.max(...c.tiers.map((t: Tier) => t.points)) : c.points;
    return { ...c, points };
  });
  const limits = j.limits ?? {};
  for (const k of Object.keys(limits))
    if (k !== 'cell_s' && k !== 'total_s') fail(`limits: unknown key "${k}" (known: cell_s, total_s)`);
  const leaderboard = j.leaderboard === undefined ? undefined : readLeaderboardSpec(j.leaderboard, fail);
  return {
    file: path.resolve(file),
    title: j.title,
    ...(leaderboard ? { leaderboard } : {}),
    limits,
    files,
    vars: j.vars ?? {},
    checks,
  };
}

const num = (s: string) => {
  const x = Number(s);
  return Number.isFinite(x) ? x : null;
};
const EPOCH_RE = /Epoch\s+(\d+)\s*,\s*Average training loss\s*:\s*(\S+?)\s*,\s*Validation accuracy\s*:\s*([-+\w.]+)/g;
const METRIC_RE = /^hai-metric\s+([A-Za-z_][\w.-]*)\s*=\s*(\S+)\s*$/gm;

/**
 * The metrics a notebook printed: the last epoch line, the epoch history, and `hai-metric` lines (the last value wins).
 */
export function extractMetrics(text: string): {
  metrics: Metrics;
  history: { epoch: number; train_loss: number | null; valid_accuracy: number | null }[];
} {
  const metrics: Metrics = {};
  const history = [...text.matchAll(EPOCH_RE)].map((m) => ({
    epoch: Number(m[1]),
    train_loss: num(m[2]),
    valid_accuracy: num(m[3]),
  }));
  const last = history[history.length - 1];
  if (last) {
    metrics.epoch = last.epoch;
    if (last.train_loss !== null) metrics.train_loss = last.train_loss;
    if (last.valid_accuracy !== null) metrics.valid_accuracy = last.valid_accuracy;
  }
  for (const m of text.matchAll(METRIC_RE)) {
    const v = num(m[2]);
    if (v !== null) metrics[m[1]] = v;
  }
  return { metrics, history };
}

/** The text of a cell's stream outputs (nbformat or client form). */
export const streamText = (outputs: Pick<NbOutput, 'output_type' | 'text'>[] = []) =>
  outputs
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
