/**
 * Every op the models train through, forward and backward on wasm, checked against the pure-JS cpu
 * backend (tfjs's reference implementation). This is how missing wasm kernels are found: a gap throws
 * "Kernel 'X' not registered for backend 'wasm'" here rather than in a student's notebook.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { setDropoutDraws } from '../../src/engine/fusedlayer';
import { crossEntropy } from '../../src/train/losses';
import { electraForward, electraParamShapes, electraSmallConfig, initElectraParams } from '../../src/models/modeling';
import { gelu, layerNorm } from '../../src/models/numerics';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
  // Dropout drawn by tfjs on every path, so that wasm (whose fused layers may run natively, where masks are drawn in
  // JS by default) and cpu, fused and op-by-op layers train with the same masks.
  setDropoutDraws('tfjs');
});
after(() => setDropoutDraws(null));

/** Deterministic pseudo-random floats in [-1, 1), independent of any backend. */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

type Case = { shapes: number[][]; f: (...xs: tf.Tensor[]) => tf.Scalar };

/** Loss value and gradients w.r.t. every input, computed on `backend`. */
async function run(backend: string, c: Case): Promise<{ value: number; grads: Float32Array[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = c.shapes.map((s, i) =>
      tf.tensor(
        rand(
          s.reduce((a, b) => a * b, 1),
          7 + i,
        ),
        s,
      ),
    );
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => c.f(...args))(xs);
    return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

async function compare(name: string, c: Case, tol = 1e-4) {
  const wasm = await run('wasm', c);
  const cpu = await run('cpu', c);
  await tf.setBackend('wasm');
  assertClose([wasm.value], [cpu.value], tol, tol, `${name} value`);
  wasm.grads.forEach((g, i) => assertClose(g, cpu.grads[i], tol, tol, `${name} grad ${i}`));
  // Guard against a vacuous pass: the gradients must carry signal.
  assert.ok(
    cpu.grads.some((g) => g.some((v) => Math.abs(v) > 1e-6)),
    `${name}: all gradients are zero`,
  );
}

const w = (shape: number[], seed: number) =>
  tf.tensor(
    rand(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

test('embedding gather (its gradient is UnsortedSegmentSum)', () =>
  compare('gather', {
    shapes: [[11, 5]],
    f: (E) =>
      tf.sum(
        tf.mul(
          tf.gather(
            E,
            tf.tensor2d(
              [
                [3, 1, 3],
                [10, 0, 3],
              ],
              [2, 3],
              'int32',
            ),
          ),
          w([2, 3, 5], 99),
        ),
      ),
  }));

test('matmul, all transpose combinations', async () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    await compare(`matMul(${ta},${tb})`, {
      shapes: [ta ? [6, 4] : [4, 6], tb ? [3, 6] : [6, 3]],
      f: (a, b) => tf.sum(tf.mul(tf.matMul(a, b, ta, tb), w([4, 3], 5))),
    });
  }
});

test("kernels.matMul (wasm's flag-free path) gives tf.matMul's values and gradients, all transposes, batched", async () => {
  const { matMul } = await import('../../src/engine/kernels');
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    await compare(`kernels.matMul 2-D (${ta},${tb})`, {
      shapes: [ta ? [6, 4] : [4, 6], tb ? [3, 6] : [6, 3]],
      f: (a, b) => tf.sum(tf.mul(matMul(a, b, ta, tb), w([4, 3], 5))),
    });
    await compare(`kernels.matMul batched (${ta},${tb})`, {
      shapes: [ta ? [2, 3, 5, 4] : [2, 3, 4, 5], tb ? [2, 3, 6, 5] : [2, 3, 5, 6]],
      f: (a, b) => tf.sum(tf.mul(matMul(a, b, ta, tb), w([2, 3, 4, 6], 6))),
    });
  }
});

test('batched matmul as attention uses it (q·kᵀ, then probs·v)', () =>
  compare('batchMatMul', {
    shapes: [
      [2, 3, 5, 4],
      [2, 3, 5, 4],
      [2, 3, 5, 4],
    ],
    f: (q, k, v) => tf.sum(tf.mul(tf.matMul(tf.matMul(q, k, false, true), v), w([2, 3, 5, 4], 6))),
  }));

test('softmax over the last axis', () =>
  compare('softmax', {
    shapes: [[3, 7]],
    f: (x) => tf.sum(tf.mul(tf.softmax(tf.mul(x, 4)), w([3, 7], 8))),
  }));

test('layer norm (biased variance, eps inside the sqrt)', () =>
  compare('layerNorm', {
    shapes: [[4, 8], [8], [8]],
    f: (x, g, b) => tf.sum(tf.mul(layerNorm(x, g, b, 1e-12), w([4, 8], 9))),
  }));

test('GELU with erf', () =>
  compare('gelu', {
    shapes: [[5, 6]],
    f: (x) => tf.sum(tf.mul(gelu(tf.mul(x, 3)), w([5, 6], 10))),
  }));

test('dropout with a seed draws the same mask on both backends', () =>
  compare('dropout', {
    shapes: [[6, 9]],
    f: (x) => tf.sum(tf.mul(tf.dropout(x, 0.3, undefined, 42), w([6, 9], 11))),
  }));

test('cross-entropy (mean over the batch, integer labels)', () =>
  compare('crossEntropy', {
    shapes: [[5, 4]],
    f: (logits) => crossEntropy(tf.mul(logits, 3) as tf.Tensor2D, tf.tensor1d([0, 3, 1, 2, 3], 'int32')),
  }));

test('a whole 2-layer ELECTRA classifier step: loss and every parameter gradient agree', async () => {
  const c = electraSmallConfig({
    vocab_size: 50,
    embedding_size: 8,
    hidden_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    intermediate_size: 20,
    max_position_embeddings: 16,
  });
  const ids = [
    [2, 7, 9, 3, 0, 0],
    [2, 11, 49, 5, 8, 3],
  ];
  const mask = [
    [1, 1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 1],
  ];
  const labels = [1, 3];
  const results: Record<string, { loss: number; grads: Map<string, Float32Array> }> = {};
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const params = initElectraParams(c, 3); // tf.randomNormal is seeded in JS, so both backends start equal
    const { value, grads } = tf.variableGrads(() =>
      crossEntropy(
        electraForward(params, c, tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'), {
          training: true,
          seed: 5,
        }),
        tf.tensor1d(labels, 'int32'),
      ),
    );
    // Variables are named `<state-dict name>#<model>` (tfjs names are global): key the gradients by parameter name.
    const byVar = new Map([...params].map(([k, v]) => [v.name, k]));
    const g = new Map(Object.entries(grads).map(([k, v]) => [byVar.get(k) ?? k, v.dataSync() as Float32Array]));
    results[backend] = { loss: value.dataSync()[0], grads: g };
    tf.dispose([value, ...Object.values(grads), ...params.values()]);
  }
  await tf.setBackend('wasm');
  assertClose([results.wasm.loss], [results.cpu.loss], 1e-5, 1e-5, 'loss');
  // Every parameter took part: 5 embedding tensors + embeddings_project 2 + 16 per layer + head 4.
  assert.equal(electraParamShapes(c).size, 5 + 2 + 2 * 16 + 4);
  assert.deepEqual([...results.wasm.grads.keys()].sort(), [...electraParamShapes(c).keys()].sort());
  for (const [name, g] of results.cpu.grads) assertClose(results.wasm.grads.get(name)!, g, 1e-5, 1e-3, name);
});

test('UnsortedSegmentSum on wasm drops out-of-range ids and sums repeated ones', async () => {
  await tf.setBackend('wasm');
  const out = tf.tidy(() =>
    tf
      .unsortedSegmentSum(
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ]),
        tf.tensor1d([2, 0, 2, 5], 'int32'),
        3,
      )
      .arraySync(),
  );
  assert.deepEqual(out, [
    [3, 4],
    [0, 0],
    [6, 8],
  ]);
});

test('checkpointed layers give the same loss and gradients as stored activations (bert, distilbert, electra, with dropout)', async () => {
  await tf.setBackend('wasm');
  const { AutoModelForSequenceClassification } = await import('../../src/models/automodel');
  const { classificationLoss } = await import('../../src/train/losses');
  const small = {
    vocab_size: 40,
    hidden_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    intermediate_size: 20,
    max_position_embeddings: 16,
    dim: 12,
    n_layers: 2,
    n_heads: 3,
    hidden_dim: 20,
    embedding_size: 8,
    num_labels: 4,
  };
  for (const model_type of ['bert', 'distilbert', 'electra']) {
    const m = AutoModelForSequenceClassification.from_config({ model_type, ...small }, 7);
    const ids = tf.tensor2d(
      [
        [2, 7, 9, 3, 0],
        [2, 11, 39, 5, 3],
      ],
      undefined,
      'int32',
    );
    const mask = tf.tensor2d(
      [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
      ],
      undefined,
      'int32',
    );
    const y = tf.tensor1d([1, 3], 'int32');
    const before = tf.memory().numTensors;
    const run = (checkpoint: boolean) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() =>
          classificationLoss(m.forward(ids, mask, { training: true, seed: 3, checkpoint }), y),
        );
        return {
          loss: value.dataSync()[0],
          grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice()])),
        };
      });
    const a = run(false),
      b = run(true);
    assert.equal(tf.memory().numTensors, before, `${model_type}: checkpointing leaked tensors`);
    assertClose([b.loss], [a.loss], 1e-6, 1e-6, `${model_type} loss`);
    assert.deepEqual(Object.keys(b.grads).sort(), Object.keys(a.grads).sort());
    for (const k of Object.keys(a.grads)) assertClose(b.grads[k], a.grads[k], 1e-6, 1e-4, `${model_type} ${k}`);
    tf.dispose([ids, mask, y]);
    m.dispose();
  }
});

test('fused encoder layers (src/engine/fusedlayer.ts) give the op-by-op loss, logits and gradients (bert, distilbert, electra; dropout; padding; wasm and cpu)', async () => {
  const { AutoModelForSequenceClassification } = await import('../../src/models/automodel');
  const { classificationLoss } = await import('../../src/train/losses');
  // A large initializer_range, so that attention is far from uniform and every gradient is well above float32 noise.
  const small = {
    vocab_size: 40,
    hidden_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    intermediate_size: 20,
    max_position_embeddings: 16,
    dim: 12,
    n_layers: 2,
    n_heads: 3,
    hidden_dim: 20,
    embedding_size: 8,
    num_labels: 4,
    initializer_range: 0.5,
  };
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    for (const model_type of ['bert', 'distilbert', 'electra']) {
      const m = AutoModelForSequenceClassification.from_config({ model_type, ...small }, 11);
      const ids = tf.tensor2d(
        [
          [2, 7, 9, 3, 0, 0],
          [2, 11, 39, 5, 8, 3],
        ],
        undefined,
        'int32',
      );
      const mask = tf.tensor2d(
        [
          [1, 1, 1, 1, 0, 0],
          [1, 1, 1, 1, 1, 1],
        ],
        undefined,
        'int32',
      );
      const y = tf.tensor1d([1, 3], 'int32');
      const before = tf.memory().numTensors;
      const run = (fused: boolean, checkpoint = false) =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() =>
            classificationLoss(m.forward(ids, mask, { training: true, seed: 5, fused, checkpoint }), y),
          );
          const evalLogits = m.forward(ids, mask, { fused }).dataSync().slice();
          return {
            loss: value.dataSync()[0],
            evalLogits,
            grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice()])),
          };
        });
      const ref = run(false),
        fused = run(true),
        fusedCk = run(true, true);
      assert.equal(tf.memory().numTensors, before, `${backend} ${model_type}: the fused layer leaked tensors`);
      for (const [what, r] of [
        ['fused', fused],
        ['fused+checkpoint', fusedCk],
      ] as const) {
        // The forward pass runs the same ops in the same order, so loss and logits agree to the last bit or nearly.
        assertClose([r.loss], [ref.loss], 1e-6, 1e-6, `${backend} ${model_type} ${what} loss`);
        assertClose(r.evalLogits, ref.evalLogits, 1e-6, 1e-5, `${backend} ${model_type} ${what} eval logits`);
        assert.deepEqual(Object.keys(r.grads).sort(), Object.keys(ref.grads).sort());
        for (const k of Object.keys(ref.grads)) {
          const scale = Math.max(...Array.from(ref.grads[k], Math.abs));
          // The key bias gets no gradient at all: it adds the same q·b to a whole row of scores, which softmax ignores.
          assert.ok(
            scale > 1e-4 ||
              /key\.bias|k_lin\.bias/.test(k) ||
              k.includes('word_embeddings') ||
              k.includes('position') ||
              k.includes('token_type'),
            `${k}: gradient too small to test (${scale})`,
          );
          assertClose(
            r.grads[k],
            ref.grads[k],
            /key\.bias|k_lin\.bias/.test(k) ? 1e-6 : Math.max(1e-5 * scale, 1e-7),
            1e-3,
            `${backend} ${model_type} ${what} ${k}`,
          );
        }
      }
      tf.dispose([ids, mask, y]);
      m.dispose();
    }
  }
  await tf.setBackend('wasm');
});
