/**
 * `hai bench --repeat N`: the whole bench N times over, our rows and PyTorch's alternating round by round, then one
 * row per measurement with the median of its rounds and their range. On a shared machine a single round's ratio
 * moves by 20 % or more (another job starts, the CPU's clock changes); a median over rounds that each time both
 * sides back to back is the figure that can be trusted, and the range says how much it moved.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import type { BenchConfig, BenchRow } from './benchconfig';
import { median } from './worker';

/** What identifies one measurement across rounds. */
const keyOf = (r: BenchRow) =>
  [r.backend, r.task, r.variant ?? '', r.tokenizer ?? '', r.batch, r.seq, r.layers].join('\u0000');

const round2 = (x: number) => Math.round(x * 100) / 100;
const range = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

/**
 * One row per measurement: medians of ms/step, examples/s, tokens/s, seconds and the torch ratios over the rounds
 * where it ran, their ranges, and `rounds` (how many rounds it ran ok in). A measurement that failed in some
 * round keeps the rounds that worked and says how many failed; one that never worked keeps its first row.
 */
export function aggregateRounds(rounds: BenchRow[][]): BenchRow[] {
  const groups = new Map<string, BenchRow[]>();
  for (const rows of rounds)
    for (const r of rows) {
      const k = keyOf(r);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(r);
    }
  const out: BenchRow[] = [];
  for (const rows of groups.values()) {
    const ok = rows.filter((r) => r.status === 'ok');
    if (!ok.length) {
      out.push({ ...rows[0], rounds: 0 });
      continue;
    }
    const med = (f: (r: BenchRow) => number | null | undefined) => {
      const xs = ok.map(f).filter((x): x is number => typeof x === 'number');
      return xs.length ? { m: median(xs), xs } : null;
    };
    const ms = med((r) => r.ms_per_step),
      ex = med((r) => r.examples_per_s),
      tok = med((r) => r.tokens_per_s),
      sec = med((r) => r.seconds),
      vs = med((r) => r.vs_torch),
      tr = med((r) => r.torch_ratio);
    const failed = rows.length - ok.length;
    const row: BenchRow = {
      ...ok[0],
      rounds: ok.length,
      ms_per_step: ms ? round2(ms.m) : ok[0].ms_per_step,
      examples_per_s: ex ? round2(ex.m) : ok[0].examples_per_s,
      note:
        [
          ok[0].note?.replace(/(; )?[\d.]+x torch's time/, ''),
          failed ? `${failed} of ${rows.length} rounds ${rows.find((r) => r.status !== 'ok')!.status}` : '',
        ]
          .filter(Boolean)
          .join('; ') || undefined,
    };
    if (ms) row.ms_range = range(ms.xs).map(round2) as [number, number];
    if (tok) row.tokens_per_s = Math.round(tok.m);
    if (sec) {
      row.seconds = sec.m;
      row.seconds_range = range(sec.xs).map(round2) as [number, number];
    }
    if (vs) {
      row.vs_torch = round2(vs.m);
      row.vs_torch_range = range(vs.xs).map(round2) as [number, number];
    } else delete row.vs_torch;
    if (tr) {
      row.torch_ratio = round2(tr.m);
      row.torch_ratio_range = range(tr.xs).map(round2) as [number, number];
    }
    for (const f of ['heap_mib', 'rss_mib', 'gpu_mib'] as const) {
      const xs = ok.map((r) => r[f]).filter((x): x is number => typeof x === 'number');
      if (xs.length) row[f] = Math.max(...xs); // memory: the worst round, not the median
    }
    out.push(row);
  }
  return out;
}

/** Runs `run` (one whole bench round) `cfg.repeat` times and aggregates; `onRound` sees each round's rows. */
export async function repeatBench(
  cfg: BenchConfig,
  run: (cfg: BenchConfig) => Promise<BenchRow[]>,
  onRound: (i: number, rows: BenchRow[]) => void = () => {},
): Promise<BenchRow[]> {
  if (cfg.repeat <= 1) {
    const rows = await run(cfg); // one round: its rows as measured, with nothing to take a median of
    onRound(0, rows);
    return rows;
  }
  const rounds: BenchRow[][] = [];
  for (let i = 0; i < cfg.repeat; i++) {
    rounds.push(await run({ ...cfg, repeat: 1 }));
    onRound(i, rounds[i]);
  }
  return aggregateRounds(rounds);
}
