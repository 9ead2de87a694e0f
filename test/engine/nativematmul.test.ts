/**
 * The native products (src/engine/nativematmul.ts, on by default; HAI_NATIVE=0 turns them off): matMul (plain, transposed, batched) and
 * linear2d forward and gradients, a fused-layer model's loss gradients and one AdamW step give the wasm path's
 * numbers to float32 rounding, and the products really ran on onnxruntime-node (counted). Other
 * onnxruntime-node versions are refused with the reason.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { linear2d, matMul } from '../../src/engine/kernels';
import {
  nativeMatMulCalls,
  nativeMatMulProblem,
  nativeMatMulStatus,
  setNativeMatMul,
} from '../../src/engine/nativematmul';
import { setDropoutDraws } from '../../src/engine/fusedlayer';
import { AutoModelForSequenceClassification } from '../../src/models/automodel';
import { classificationLoss } from '../../src/train/losses';
import { AdamW } from '../../src/train/optim';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
});
after(() => {
  setNativeMatMul(null);
  setDropoutDraws(null);
});

/** Runs `f` with the native path off, then on; returns both results as arrays, and how many native calls ran. */
function both(f: () => tf.Tensor[]): { wasm: Float32Array[]; native: Float32Array[]; calls: number } {
  const run = () => {
    const ts = f();
    const out = ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));
    tf.dispose(ts);
    return out;
  };
  setNativeMatMul(false);
  const wasm = run();
  setNativeMatMul(true);
  const before = nativeMatMulCalls();
  const native = run();
  const calls = nativeMatMulCalls() - before;
  setNativeMatMul(false);
  return { wasm, native, calls };
}
const close = (r: { wasm: Float32Array[]; native: Float32Array[] }, what: string) =>
  r.wasm.forEach((w, i) => assertClose(r.native[i], w, 1e-5, 1e-5, `${what} #${i}`));
const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

test('on by default (HAI_NATIVE=0 or setNativeMatMul(false) turns it off), it names onnxruntime-node; other versions are refused with the reason', () => {
  setNativeMatMul(null);
  if (process.env.HAI_NATIVE === undefined) assert.equal(nativeMatMulProblem(), null);
  if (process.env.HAI_NATIVE === '0') assert.equal(nativeMatMulProblem(), 'turned off by HAI_NATIVE=0');
  setNativeMatMul(true);
  assert.deepEqual(nativeMatMulStatus(), {
    active: true,
    reason: 'products and fused layers on onnxruntime-node 1.14.0, 1 intra-op thread(s) (HAI_NATIVE=0 turns it off)',
  });
  assert.equal(
    nativeMatMulProblem('1.30.0'),
    'onnxruntime-node 1.30.0 is installed; the native matmul was written for 1.14.0',
  );
  setNativeMatMul(false);
  assert.equal(nativeMatMulProblem(), 'turned off in this process (setNativeMatMul(false))');
});

test('matMul forward and gradients: plain, transposed, batched (attention-shaped) = the wasm path', () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[64, 48], [48, 80], false, false],
    [[48, 64], [48, 80], true, false],
    [[64, 48], [80, 48], false, true],
    [[4, 3, 16, 8], [4, 3, 8, 12], false, false],
    [[4, 3, 16, 8], [4, 3, 16, 8], false, true],
  ];
  cases.forEach(([sa, sb, ta, tb], k) => {
    const r = both(() => {
      const a = rnd(sa, 10 + k),
        b = rnd(sb, 20 + k);
      const y = matMul(a, b, ta, tb),
        w = rnd(y.shape, 30 + k); // a weighted sum, so each output's gradient differs
      const f = (x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(matMul(x, z, ta, tb), w));
      const [ga, gb] = tf.grads(f)([a, b]);
      return [y, ga, gb];
    });
    assert.ok(r.calls >= 3, `case ${k}: ${r.calls} native products (forward and both gradients)`);
    close(r, `matMul ${sa}·${sb}${ta ? ' transA' : ''}${tb ? ' transB' : ''}`);
  });
});

test('linear2d forward and its three gradients = the wasm path', () => {
  const r = both(() => {
    const x = rnd([96, 64], 1),
      W = rnd([64, 40], 2),
      b = rnd([40], 3),
      w = rnd([96, 40], 4);
    const f = (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(linear2d(x as tf.Tensor2D, W as tf.Tensor2D, b as tf.Tensor1D), w));
    return [linear2d(x as tf.Tensor2D, W as tf.Tensor2D, b as tf.Tensor1D), ...tf.grads(f)([x, W, b])];
  });
  assert.ok(r.calls >= 3, `${r.calls} native products`);
  close(r, 'linear2d');
});

test('a fused-layer ELECTRA: loss, every parameter gradient and one AdamW step = the wasm path', () => {
  const ids = tf.tensor2d(
    [
      [2, 7, 9, 3, 0, 0],
      [2, 11, 29, 5, 8, 3],
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
  // The layers' masks drawn in JS on both paths (the native default), so both paths train with the same dropout.
  setDropoutDraws('js');
  const r = both(() => {
    const m = AutoModelForSequenceClassification.from_config(
      {
        model_type: 'electra',
        vocab_size: 30,
        embedding_size: 16,
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 64,
        max_position_embeddings: 16,
        num_labels: 4,
        initializer_range: 0.2,
      },
      9,
    );
    const vars = [...m.params.values()];
    const { value, grads } = tf.variableGrads(
      () => classificationLoss(m.forward(ids, mask, { training: true, seed: 3 }), y) as tf.Scalar,
      vars,
    );
    const names = new Map([...m.params].map(([k, v]) => [v.name, k]));
    const g = vars.map((v) => grads[v.name]);
    const opt = new AdamW(m.params, { lr: 1e-2 });
    opt.step(Object.fromEntries(Object.entries(grads).map(([k, t]) => [names.get(k)!, t])), 1e-2);
    // The key bias's gradient is 0 in exact arithmetic (it shifts every score of a query equally, and softmax ignores
    // that): what both paths compute is float noise, which Adam's normalised step turns into ±lr either way. Skipped.
    const after = [...m.params].filter(([k]) => !k.endsWith('attention.self.key.bias')).map(([, v]) => v.clone());
    opt.dispose();
    m.dispose();
    return [value, ...g, ...after];
  });
  // 2 layers × (forward + backward graph), plus the products outside the layers (embedding projection, head).
  assert.ok(r.calls > 8, `${r.calls} native calls`);
  setDropoutDraws(null);
  close(r, 'electra loss, gradients, parameters after AdamW');
  tf.dispose([ids, mask, y]);
});
