/**
 * From encoded texts to training batches: the samplers the course compares (sequential over a label-sorted
 * table, random, class-balanced) and batching, with two options beyond the course: padding each batch only
 * to its longest row ("dynamic padding") instead of to `maxlen`, and grouping rows of similar length into
 * the same batch (Hugging Face Trainer's `group_by_length`). The course's utterances are short (a median of
 * about 20 characters) while the tuned run pads every row to 256 tokens, so most of its compute multiplies
 * padding; together the two options cut each batch to roughly its real length.
 *
 * Batches themselves (padding, tensors) are formed in src/infer/batches.ts, which inference shares.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import { rng } from '../util/random';

export type SamplerKind = 'sequential' | 'random' | 'weighted';

/**
 * The order of one epoch's examples.
 * - `sequential`: 0..n-1, as torch's SequentialSampler (on a label-sorted table: long runs of one label).
 * - `random`: a fresh seeded permutation per epoch, as torch's RandomSampler.
 * - `weighted`: n draws with replacement, each example weighted 1 / (its label's count), so every label is
 *   drawn equally often on average (torch's WeightedRandomSampler with those weights).
 */
export function sampleOrder(labels: number[], kind: SamplerKind, seed: number, epoch = 0): number[] {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (kind === 'sequential') return order;
  const rand = rng(seed * 1000003 + epoch);
  if (kind === 'random') {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const cum: number[] = [];
  let total = 0;
  for (const l of labels) {
    total += 1 / counts.get(l)!;
    cum.push(total);
  }
  return order.map(() => {
    const x = rand() * total;
    let lo = 0,
      hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/**
 * Hugging Face Trainer's `group_by_length` (transformers' `get_length_grouped_indices`, behind its
 * LengthGroupedSampler), applied to a sampler's `order`: the order is cut into mega-batches of
 * `megaBatchMult · batchSize` examples, each sorted by length, longest first (stable, so ties keep the
 * sampler's order), and the longest example of all is swapped to the very front, so the first batch is the
 * most expensive one and an out-of-memory error comes at step 1 rather than hours in. On a `random` order
 * this is HF's sampler exactly: the mega-batches keep batches in a random order between epochs while the
 * batches inside one hold rows of similar length, so dynamic padding cuts little real text.
 *
 * `megaBatchMult` defaults as in transformers: 50, or fewer so that there are at least 4 mega-batches (at
 * least 1). With batch 256 on the 3,069-row course table that is 2 (mega-batches of 512 rows). Deterministic:
 * the same order gives the same result, so it is seeded and per-epoch through the sampler.
 */
export function groupByLength(order: number[], lengths: number[], batchSize: number, megaBatchMult?: number): number[] {
  const mult = megaBatchMult ?? Math.max(1, Math.min(Math.floor(order.length / (batchSize * 4)), 50));
  const size = mult * batchSize;
  const megas: number[][] = [];
  for (let s = 0; s < order.length; s += size)
    megas.push(order.slice(s, s + size).sort((a, b) => lengths[b] - lengths[a]));
  if (!megas.length) return [];
  let longest = 0;
  megas.forEach((m, i) => {
    if (lengths[m[0]] > lengths[megas[longest][0]]) longest = i;
  });
  [megas[0][0], megas[longest][0]] = [megas[longest][0], megas[0][0]];
  return megas.flat();
}

/**
 * What a micro-batch costs beyond its tokens, in tokens: each one copies every layer's weights to onnxruntime-node,
 * adds its gradients (14 M parameters for KoELECTRA-small) and launches its kernels. Measured on 2 cores
 * (2026-12-07): the fast preset's step of ~2,700 tokens took 2.78 s in 8 micro-batches and 1.6 s in one, ~170 ms a
 * micro-batch, while a token costs ~0.35 ms; so one more micro-batch pays when it saves ~500 tokens of padding.
 */
export const MICRO_BATCH_OVERHEAD_TOKENS = 512;

/**
 * How a batch splits into micro-batches, as `[start, end)` row ranges of consecutive rows. `rows` alone (> 0, no
 * `tokens`): fixed chunks of that many rows. With `tokens` (> 0): each micro-batch holds at most `rows` rows (0: no
 * cap) and at most `tokens` rows × padded width (a row wider than that alone is one micro-batch), and among such
 * splits the one fed the fewest tokens plus `MICRO_BATCH_OVERHEAD_TOKENS` per micro-batch (a small dynamic
 * programme over the cut points). The width is `width` (static padding) or, with dynamic padding (`width` null), the
 * micro-batch's longest row, since each is cut to that. The Trainer and the dry run's plan (plan.ts) both split here.
 *
 * Why tokens: a micro-batch exists for the wasm heap, whose use grows with rows × width, and each has a fixed cost.
 * The fast preset's batches of 256 rows × ~11 tokens hold fewer tokens than one 32-row micro-batch of the static
 * run; and where a batch's rows differ in length, a cut where they get shorter saves more padding than it costs.
 */
export function microBatches(lens: number[], rows: number, tokens: number, width: number | null): [number, number][] {
  const n = lens.length;
  if (n === 0) return [];
  if (tokens <= 0) {
    const m = rows > 0 ? rows : n;
    return Array.from({ length: Math.ceil(n / m) }, (_, k): [number, number] => [k * m, Math.min(n, (k + 1) * m)]);
  }
  // best[e]: the least cost of rows [0, e); from[e]: where the last micro-batch of that split starts.
  const best = new Float64Array(n + 1).fill(Infinity),
    from = new Int32Array(n + 1);
  best[0] = 0;
  for (let e = 1; e <= n; e++) {
    let w = 0;
    for (let s = e - 1; s >= 0; s--) {
      w = Math.max(w, width ?? Math.max(1, lens[s]));
      const k = e - s;
      // Going back only adds rows and widens: once over a cap, every earlier start is too.
      if (k > 1 && ((rows > 0 && k > rows) || k * w > tokens)) break;
      const cost = best[s] + k * w + MICRO_BATCH_OVERHEAD_TOKENS;
      if (cost < best[e]) {
        best[e] = cost;
        from[e] = s;
      }
    }
  }
  const out: [number, number][] = [];
  for (let e = n; e > 0; e = from[e]) out.push([from[e], e]);
  return out.reverse();
}

/** How a run splits its batches, for printed plans and bench notes; null when it does not split them. */
export function describeMicroBatches(rows: number, tokens: number): string | null {
  const caps = [rows ? `${rows} rows` : '', tokens ? `${tokens.toLocaleString('en-US')} tokens` : ''].filter(Boolean);
  return caps.length ? `micro-batches of at most ${caps.join(' and ')}` : null;
}
