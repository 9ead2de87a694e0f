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
import { CellOutput, KernelClient } from '../notebook/jupyter';
import { errorOutput } from '../notebook/nbrun';
import type { CheckResult, CheckSpec, ChecksFile, Metrics, RunFacts } from './checksfile';
import { extractMetrics, streamText } from './checksfile';

export * from './checksfile';

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
  return (
    `const ${v}_fn = async (): Promise<any> => {\n${body}\n};\nconst ${v} = await ${v}_fn();\n` +
    `console.log(${JSON.stringify(marker + ' ')} + JSON.stringify(${v} ?? null));`
  );
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

/**
 * Waits until the kernel answers again (after an error tslab ignores requests for 200 ms; after an interrupt it aborts
 * one).
 */
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
  cells: { name: string; source: string; outputs: CellOutput[] }[];
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
  // a notebook cannot print it ahead of time
  const marker = `hai-check-result-${crypto.randomBytes(6).toString('hex')}`;
  let usable: string | null = null;
  if (!(await ready(kernel))) usable = 'the kernel did not answer after the notebook';
  else {
    const grade = JSON.stringify({ metrics: claimed, files: spec.files, vars: spec.vars });
    const pre =
      `import * as $hai from '../dist';\nconst $grade = ${grade} as ` +
      '{ metrics: Record<string, number>; files: Record<string, string>; vars: Record<string, any> };';
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
    let outputs: CellOutput[] = [],
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
