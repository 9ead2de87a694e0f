/**
 * The grader's checks: the metrics a notebook reports (its printed lines), and the instructor's hidden checks,
 * which live in a separate JSON file the student never sees and run in the student's kernel after the last cell.
 *
 * A notebook reports metrics by printing them, so a grader reads what the student read:
 * - the course's epoch line (`formatEpochLine`): `Epoch 2,  Average training loss: 0.71 , Validation accuracy : 0.62`
 *   (the original notebook's two spaces after the comma, or the slides' one: any spacing is read);
 *   the last one gives `epoch`, `train_loss`, `valid_accuracy`, all of them the `history`;
 * - a generic line `hai-metric name=value` (one per line, a number), for anything else.
 *
 * A check is worth `points`. It may run `code` (TypeScript, the body of an async function: `return` a number, an
 * object of numbers, or a boolean; throwing fails the check), then compare a `metric` with `min` / `max`, with
 * `tiers` (the best tier reached gives its points), or with a claimed metric (`claim`, `tolerance`: passes when the
 * re-measured value is at least the claim minus the tolerance). `builtin` checks need no kernel.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../notebook/jupyter';
import { errorOutput } from '../notebook/nbrun';
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
  /** TypeScript run in the submission's kernel: the body of an async function. Sees `$hai` (the library) and `$grade`. */
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
  /** Run after the submission's kernel is gone, in a fresh (sandboxed) kernel that sees its folder read-only (src/grade/gradebox.ts). */
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

/** Reads and validates a checks file; every mistake names the file and the check, since a typo would grade silently wrong. */
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

/** The metrics a notebook printed: the last epoch line, the epoch history, and `hai-metric` lines (the last value wins). */
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
export const streamText = (outputs: any[] = []) =>
  outputs
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');

/** Pass/fail and points of one check from its value; `found` is what the metric lookup gave. */
export function scoreCheck(
  c: CheckSpec,
  found: number | null | undefined,
  ok: boolean,
  facts: RunFacts,
): Omit<CheckResult, 'seconds'> {
  const base = { name: c.name, max_points: c.points };
  const res = (pass: boolean, message?: string, points = pass ? c.points : 0) => ({
    ...base,
    status: pass ? ('pass' as const) : ('fail' as const),
    points,
    ...(found !== undefined ? { value: found } : {}),
    ...(message ? { message } : {}),
  });
  if (c.builtin === 'ran_to_end')
    return res(facts.ranToEnd, facts.ranToEnd ? undefined : 'not every cell ran without error');
  if (c.builtin === 'no_outside_writes')
    return res(
      facts.outsideWrites === 0,
      facts.outsideWrites ? `${facts.outsideWrites} files changed outside the working folder` : undefined,
    );
  if (!ok) return res(false);
  if (!c.metric) return res(true);
  if (found === null || found === undefined) return res(false, `no value for metric "${c.metric}"`);
  if (c.tiers) {
    const best = c.tiers.filter((t) => found >= t.min).sort((a, b) => b.points - a.points)[0];
    return res(
      Boolean(best),
      best ? `${c.metric} ${found} >= ${best.min}` : `${c.metric} ${found} below every tier`,
      best?.points ?? 0,
    );
  }
  if (c.min !== undefined && !(found >= c.min)) return res(false, `${c.metric} ${found} < min ${c.min}`);
  if (c.max !== undefined && !(found <= c.max)) return res(false, `${c.metric} ${found} > max ${c.max}`);
  if (c.claim) {
    const claimed = facts.claimed[c.claim];
    if (claimed === undefined) return res(false, `the notebook reports no "${c.claim}" to compare with`);
    const tol = c.tolerance ?? 0;
    if (!(found >= claimed - tol))
      return res(false, `${c.metric} ${found} is below the claimed ${c.claim} ${claimed} (tolerance ${tol})`);
  }
  return res(true);
}

/** One check's cell: the code as an async function body; its return value is printed behind a per-run marker. */
function checkCell(c: CheckSpec, marker: string, i: number): string {
  const body = Array.isArray(c.code) ? c.code.join('\n') : c.code!;
  // tslab takes `await (` for a call of a function named await, so the check is a named function (fresh globals).
  const v = `$check_${marker.slice(-12)}_${i}`;
  return `const ${v}_fn = async (): Promise<any> => {\n${body}\n};\nconst ${v} = await ${v}_fn();\nconsole.log(${JSON.stringify(marker + ' ')} + JSON.stringify(${v} ?? null));`;
}

/** The value a check's cell returned, and the `hai-metric` lines it printed. */
function checkOutput(text: string, marker: string, metric?: string): { values: Metrics; pass: boolean | null } {
  const values = extractMetrics(text).metrics;
  let pass: boolean | null = null;
  const line = text
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(marker + ' '));
  if (line) {
    const v = JSON.parse(line.slice(marker.length + 1));
    if (typeof v === 'number' && metric) values[metric] = v;
    else if (typeof v === 'boolean') pass = v;
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) values[k] = x;
  }
  return { values, pass };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the kernel answers again (after an error tslab ignores requests for 200 ms; after an interrupt it aborts one). */
async function ready(kernel: KernelClient): Promise<boolean> {
  for (let i = 0; i < 3 && kernel.alive; i++) {
    await sleep(300);
    const r = await kernel.execute('void 0;', 15000).catch(() => null);
    if (r?.status === 'ok') return true;
  }
  return false;
}

/** What running one code check gave: an error, or the values it returned and printed. */
export interface CheckOutcome {
  error?: string;
  notRun?: string;
  values: Metrics;
  pass: boolean | null;
  seconds: number;
}
export interface CheckRun {
  outcomes: Map<string, CheckOutcome>;
  cells: { name: string; source: string; outputs: any[] }[];
}

/**
 * Runs the code checks in the submission's kernel. The preamble cell imports the library as `$hai` and defines
 * `$grade` = `{ metrics, files, vars }` (the reported metrics, the checks file's files and vars).
 */
export async function runCheckCode(
  kernel: KernelClient,
  spec: ChecksFile,
  claimed: Metrics,
  maxOutputChars: number,
): Promise<CheckRun> {
  const outcomes = new Map<string, CheckOutcome>(),
    cells: CheckRun['cells'] = [];
  const code = spec.checks.filter((c) => c.code);
  if (!code.length) return { outcomes, cells };
  const marker = `hai-check-result-${crypto.randomBytes(6).toString('hex')}`; // a notebook cannot print it ahead of time
  let usable: string | null = null;
  if (!(await ready(kernel))) usable = 'the kernel did not answer after the notebook';
  else {
    const pre = `import * as $hai from '../dist';\nconst $grade = ${JSON.stringify({ metrics: claimed, files: spec.files, vars: spec.vars })} as { metrics: Record<string, number>; files: Record<string, string>; vars: Record<string, any> };`;
    const r = await kernel.execute(pre, 120000).catch((e) => ({
      status: 'error' as const,
      outputs: [{ output_type: 'stream' as const, name: 'stderr', text: (e as Error).message }],
    }));
    if (r.status !== 'ok') usable = `the checks' preamble failed: ${streamText(r.outputs).trim().split('\n')[0] ?? ''}`;
  }
  for (const [i, c] of code.entries()) {
    const t = performance.now();
    if (usable) {
      outcomes.set(c.name, { notRun: usable, values: {}, pass: null, seconds: 0 });
      continue;
    }
    const source = checkCell(c, marker, i),
      limit = c.timeout_s ?? 120;
    let outputs: any[] = [],
      error: string | undefined;
    try {
      const r = await kernel.execute(source, limit * 1000, { maxOutputChars });
      outputs = r.outputs;
      if (r.status !== 'ok') {
        // tslab reports errors as stderr text only; errorOutput reads the error's name and message from it.
        const e =
          r.outputs.find((o) => o.output_type === 'error') ??
          errorOutput(
            r.outputs
              .filter((o) => o.name === 'stderr')
              .map((o) => o.text)
              .join('') || 'the check failed',
          );
        error = `${e.ename}: ${e.evalue}`;
      }
    } catch (e) {
      error = (e as Error).message;
      if (/timed out/.test(error)) {
        kernel.interrupt();
        error = `no result within ${limit} s (interrupted)`;
      }
    }
    cells.push({ name: c.name, source, outputs });
    const seconds = (performance.now() - t) / 1000;
    if (error) {
      outcomes.set(c.name, { error, values: {}, pass: null, seconds });
      if (!kernel.alive) usable = 'the kernel died during an earlier check';
      else if (!(await ready(kernel))) usable = 'the kernel did not answer after an earlier check';
      continue;
    }
    outcomes.set(c.name, { ...checkOutput(streamText(outputs), marker, c.metric), seconds });
  }
  return { outcomes, cells };
}

/** Every check's result, in the file's order. Code checks without an outcome were not run (`why`). */
export function scoreChecks(
  spec: ChecksFile,
  outcomes: Map<string, CheckOutcome>,
  facts: RunFacts,
  why = 'the kernel was not running',
): { results: CheckResult[]; remeasured: Metrics } {
  const remeasured: Metrics = {};
  const results = spec.checks.map((c): CheckResult => {
    const o = c.code ? outcomes.get(c.name) : undefined;
    const seconds = o?.seconds ?? 0;
    if (c.code && (!o || o.notRun))
      return { name: c.name, status: 'not_run', points: 0, max_points: c.points, message: o?.notRun ?? why, seconds };
    if (o?.error) return { name: c.name, status: 'error', points: 0, max_points: c.points, message: o.error, seconds };
    Object.assign(remeasured, o?.values ?? {});
    const found = c.metric
      ? (o?.values[c.metric] ?? remeasured[c.metric] ?? facts.claimed[c.metric] ?? null)
      : undefined;
    if (o?.pass === false)
      return { ...scoreCheck(c, found, false, facts), message: 'the check returned false', seconds };
    return { ...scoreCheck(c, found, true, facts), seconds };
  });
  return { results, remeasured };
}
