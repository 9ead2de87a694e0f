/**
 * `dropoutMask` (src/util/random.ts), the native training step's dropout: tf.dropout's distribution (keep rate and
 * the 1/keep value), a seed that always repeats, and seeds that do not repeat each other.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dropoutMask } from '../../src/util/random';

test('dropoutMask: values are 0 or 1/(1 − rate) in float32, the keep rate within 5 standard errors', () => {
  for (const rate of [0.1, 0.5, 0.9]) {
    const n = 1_000_003;
    const m = dropoutMask(n, rate, 42);
    const kept = Math.fround(1 / Math.fround(1 - rate));
    let k = 0;
    for (const v of m) {
      if (v === kept) k++;
      else assert.equal(v, 0, `rate ${rate}: a value ${v} that is neither 0 nor ${kept}`);
    }
    const keep = 1 - rate,
      se = Math.sqrt((keep * rate) / n);
    assert.ok(Math.abs(k / n - keep) < 5 * se, `rate ${rate}: kept ${k / n}, expected ${keep} ± ${5 * se}`);
    // The mean multiplier is 1, as for tf.dropout: dropout leaves the expected activation unchanged.
    assert.ok(Math.abs((k * kept) / n - 1) < 5 * se * kept);
  }
});

test('dropoutMask: a seed repeats; neighbouring seeds (a layer’s seed, seed + 1, …) give unrelated masks', () => {
  const a = dropoutMask(4096, 0.1, 1007),
    b = dropoutMask(4096, 0.1, 1007);
  assert.deepEqual(a, b);
  for (const other of [1008, 1006, 2014, 0]) {
    const c = dropoutMask(4096, 0.1, other);
    // Two independent masks at rate 0.1 agree on 0.9² + 0.1² = 82% of positions; equal masks on all of them.
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++;
    assert.ok(Math.abs(same / a.length - 0.82) < 0.03, `seed 1007 vs ${other}: ${same} of ${a.length} agree`);
  }
  // A longer mask starts with the shorter one: the draws depend on the seed and the position only.
  assert.deepEqual(dropoutMask(100, 0.1, 5), dropoutMask(1000, 0.1, 5).subarray(0, 100));
});

test('dropoutMask: rate 0 keeps everything at 1; rates outside [0, 1) are refused', () => {
  assert.ok(dropoutMask(1000, 0, 3).every((v) => v === 1));
  assert.throws(() => dropoutMask(10, 1, 3), /dropout rate must be in \[0, 1\), got 1/);
  assert.throws(() => dropoutMask(10, -0.1, 3), /got -0.1/);
  assert.throws(() => dropoutMask(10, NaN, 3), /got NaN/);
});
