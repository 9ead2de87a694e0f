/**
 * `hai bench --repeat` (src/bench/repeat.ts): rounds become one row per measurement with the median and range of
 * its figures and of its ratio to PyTorch; a round that failed is counted and named, memory keeps the worst round.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { BenchRow } from '../../src/bench/benchconfig';
import { aggregateRounds, repeatBench } from '../../src/bench/repeat';
import { benchDefaults } from '../../src/bench/benchconfig';
import { formatBenchTable } from '../../src/bench/bench';

const row = (backend: string, ms: number | null, o: Partial<BenchRow> = {}): BenchRow => ({
  backend: backend as BenchRow['backend'],
  task: 'train',
  batch: 32,
  seq: 64,
  layers: 12,
  steps: 3,
  status: ms === null ? 'timeout' : 'ok',
  ms_per_step: ms,
  examples_per_s: ms === null ? null : (32 / ms) * 1000,
  ...o,
});

test('medians and ranges per measurement, over the rounds where it ran', () => {
  const rounds = [
    [row('wasm+ort', 2000, { vs_torch: 2.0, rss_mib: 1400 }), row('torch', 1000)],
    [row('wasm+ort', 2600, { vs_torch: 2.0, rss_mib: 1500 }), row('torch', 1300)],
    [row('wasm+ort', null), row('torch', 900)],
    [row('wasm+ort', 1800, { vs_torch: 1.5, rss_mib: 1390 }), row('torch', 1200)],
  ];
  const out = aggregateRounds(rounds);
  assert.equal(out.length, 2);
  const ours = out.find((r) => r.backend === ('wasm+ort' as BenchRow['backend']))!;
  assert.equal(ours.rounds, 3);
  assert.equal(ours.ms_per_step, 2000);
  assert.deepEqual(ours.ms_range, [1800, 2600]);
  assert.equal(ours.vs_torch, 2.0);
  assert.deepEqual(ours.vs_torch_range, [1.5, 2.0]);
  assert.equal(ours.rss_mib, 1500, 'memory: the worst round');
  assert.match(String(ours.note), /1 of 4 rounds timeout/);
  const torch = out.find((r) => r.backend === ('torch' as BenchRow['backend']))!;
  assert.equal(torch.ms_per_step, 1100);
  assert.deepEqual(torch.ms_range, [900, 1300]);
  const table = formatBenchTable(out);
  assert.match(table, /ms range/);
  assert.match(table, /1800–2600/);
  assert.match(table, /2 \(1\.5–2\)/);
});

test('a measurement that never worked keeps its first row; rounds alternate through the given runner', async () => {
  const out = aggregateRounds([[row('webgpu', null)], [row('webgpu', null)]]);
  assert.equal(out[0].status, 'timeout');
  assert.equal(out[0].rounds, 0);
  const one = await repeatBench(benchDefaults(), async () => [row('wasm', 1234.5678)]);
  assert.deepEqual(one, [row('wasm', 1234.5678)], 'one round: the rows as measured');
  const seen: number[] = [];
  let calls = 0;
  const agg = await repeatBench(
    benchDefaults({ repeat: 3 }),
    async (c) => {
      assert.equal(c.repeat, 1, 'each round is one plain bench run');
      calls++;
      return [row('wasm', 1000 + 100 * calls)];
    },
    (i) => seen.push(i),
  );
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(agg[0].ms_per_step, 1200);
  assert.deepEqual(agg[0].ms_range, [1100, 1300]);
});
