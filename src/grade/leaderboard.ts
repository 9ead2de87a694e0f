/**
 * The homework leaderboard ("beat the baseline", with an award list like the original course's): submissions ranked
 * by a metric the hidden checks **re-measured** (e.g. the saved checkpoint's accuracy on the held-out CSV, then its
 * macro-F1 to break ties), never by what a notebook printed. A checks file asks for it with
 * `"leaderboard": { "metric": "heldout_accuracy", "then": ["heldout_macro_f1"], "show": ["valid_accuracy"] }`.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
/** What the ranking reads of a submission's report (SubmissionReport has it). */
export interface Ranked {
  file: string;
  remeasured: Record<string, number>;
  metrics: Record<string, number>;
}

export interface LeaderboardSpec {
  /** The re-measured metric ranked by (higher is better). */
  metric: string;
  /** Re-measured metrics that break ties, in order. */
  then: string[];
  /** Reported metrics shown beside (the notebook's claims), for comparison only. */
  show: string[];
  title?: string;
}
export interface LeaderboardRow {
  rank: number;
  file: string;
  values: Record<string, number>;
  claimed: Record<string, number>;
}

const KEYS = new Set(['metric', 'then', 'show', 'title']);
/** Validates the checks file's `leaderboard` (`fail` names the file). */
export function readLeaderboardSpec(j: any, fail: (what: string) => never): LeaderboardSpec {
  if (!j || typeof j !== 'object' || typeof j.metric !== 'string')
    fail('leaderboard: needs {"metric": "<re-measured metric>"}');
  for (const k of Object.keys(j))
    if (!KEYS.has(k)) fail(`leaderboard: unknown key "${k}" (known: ${[...KEYS].join(', ')})`);
  const list = (k: string) =>
    j[k] === undefined
      ? []
      : Array.isArray(j[k]) && j[k].every((x: unknown) => typeof x === 'string')
        ? j[k]
        : fail(`leaderboard.${k} must be a list of metric names`);
  return {
    metric: j.metric,
    then: list('then'),
    show: list('show'),
    ...(typeof j.title === 'string' ? { title: j.title } : {}),
  };
}

/**
 * The ranking: submissions with a re-measured `metric`, best first (ties broken by `then`, then by file name);
 * equal values share a rank (1, 2, 2, 4). Submissions without the metric are left out.
 */
export function leaderboard(subs: Ranked[], spec: LeaderboardSpec): LeaderboardRow[] {
  const keys = [spec.metric, ...spec.then];
  const val = (s: Ranked, k: string) => (Number.isFinite(s.remeasured[k]) ? s.remeasured[k] : -Infinity);
  const ranked = subs
    .filter((s) => Number.isFinite(s.remeasured[spec.metric]))
    .sort((a, b) => {
      for (const k of keys) {
        const d = val(b, k) - val(a, k);
        if (d) return d;
      }
      return a.file.localeCompare(b.file);
    });
  const rows: LeaderboardRow[] = [];
  ranked.forEach((s, i) => {
    const prev = ranked[i - 1];
    const tie = prev && keys.every((k) => val(prev, k) === val(s, k));
    rows.push({
      rank: tie ? rows[i - 1].rank : i + 1,
      file: s.file,
      values: Object.fromEntries(keys.filter((k) => Number.isFinite(s.remeasured[k])).map((k) => [k, s.remeasured[k]])),
      claimed: Object.fromEntries(spec.show.filter((k) => Number.isFinite(s.metrics[k])).map((k) => [k, s.metrics[k]])),
    });
  });
  return rows;
}
