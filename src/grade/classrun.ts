/**
 * Grading a class: `--jobs N` (N submissions at once on one machine, each in its own kernel and folder), `--shard k/n`
 * (a deterministic 1/n of the submissions, for a Slurm array job, a Kubernetes indexed Job or a CI matrix: the
 * scheduler the university already has, not a home-made one), and `--merge` (the shard reports → the one class
 * report, the same as a single run's but for the time stamp and the seconds).
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import { leaderboard } from './leaderboard';
import type { GradeReport, SubmissionReport, SubmissionStatus } from './reporttypes';

export interface Shard {
  k: number;
  n: number;
}

/** `"2/4"` → { k: 2, n: 4 } (1-based k). */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const k = Number(m?.[1]),
    n = Number(m?.[2]);
  if (!m || !(n >= 1) || !(k >= 1 && k <= n))
    throw new Error(`--shard must be k/n with 1 <= k <= n (e.g. 1/4), got '${s}'`);
  return { k, n };
}

/** The positions (0-based, in the full sorted list) shard k of n grades: every n-th, starting at k-1. */
export const shardPositions = (total: number, s: Shard | null) =>
  Array.from({ length: total }, (_, i) => i).filter((i) => !s || i % s.n === s.k - 1);

/** Runs `fn` over `items` with at most `jobs` at once; results keep the items' order. `done` is called as each ends. */
export async function runPool<T, R>(
  items: T[],
  jobs: number,
  fn: (x: T, i: number) => Promise<R>,
  done: (r: R, i: number, finished: number) => void = () => {},
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0,
    finished = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
      done(out[i], i, ++finished);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return out;
}

/** The class summary of a list of submissions (the same function for a run and a merge, so both agree). */
export function summarize(submissions: SubmissionReport[], maxPoints: number): GradeReport['summary'] {
  const count = (s: SubmissionStatus) => submissions.filter((x) => x.status === s).length;
  return {
    submissions: submissions.length,
    ok: count('ok'),
    error: count('error'),
    timeout: count('timeout'),
    crashed: count('crashed'),
    mean_points: submissions.length ? submissions.reduce((a, x) => a + x.points, 0) / submissions.length : 0,
    max_points: maxPoints,
  };
}

/** The most points any submission could get: the checks', or the largest notebook's with exercises. */
export const maxPointsOf = (checksMax: number, submissions: SubmissionReport[]) =>
  Math.max(checksMax, ...submissions.map((s) => s.max_points));

/**
 * Shard reports → the class report. Refuses reports of different checks, limits or smoke mode, missing or
 * repeated shards, and submissions graded twice: a silent gap would grade a student as absent.
 */
export function mergeReports(files: string[]): GradeReport {
  if (!files.length) throw new Error('--merge needs the shard reports (report-*.json)');
  const reports = files.map((f) => {
    try {
      return { f, r: JSON.parse(fs.readFileSync(f, 'utf8')) as GradeReport };
    } catch (e) {
      throw new Error(`${f}: not a readable grade report: ${(e as Error).message}`);
    }
  });
  const first = reports[0].r;
  const same = (r: GradeReport) =>
    JSON.stringify([r.checks_file, r.title, r.limits, r.smoke, r.shard?.n, r.shard?.total]);
  for (const { f, r } of reports) {
    if (!Array.isArray(r?.submissions) || !r.summary) throw new Error(`${f}: not a grade report (no submissions)`);
    if (same(r) !== same(first))
      throw new Error(`${f}: graded with other checks, limits, smoke mode or shard count than ${reports[0].f}`);
  }
  const n = first.shard?.n ?? 1,
    total = first.shard?.total ?? first.submissions.length;
  const ks = reports.map((x) => x.r.shard?.k ?? 1).sort((a, b) => a - b);
  const want = Array.from({ length: n }, (_, i) => i + 1);
  if (JSON.stringify(ks) !== JSON.stringify(want))
    throw new Error(`shards ${ks.join(', ')} given; expected each of 1..${n} once`);
  const subs = reports.flatMap((x) => x.r.submissions).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const idx = subs.map((s) => s.index);
  if (subs.length !== total || idx.some((v, i) => v !== i + 1))
    throw new Error(
      `the shards hold ${subs.length} submissions at positions ${idx.join(',')}; expected 1..${total} once each`,
    );
  const { shard: _shard, ...rest } = first;
  const board = first.leaderboard
    ? { leaderboard: { ...first.leaderboard, rows: leaderboard(subs, first.leaderboard) } }
    : {};
  return {
    ...rest,
    generated: reports
      .map((x) => x.r.generated)
      .sort()
      .pop()!,
    submissions: subs,
    ...board,
    summary: summarize(subs, Math.max(...reports.map((x) => x.r.summary.max_points))),
  };
}
