/**
 * The fused encoder layer on onnxruntime-node (src/engine/nativelayer.ts) against the same layer on the wasm
 * backend's kernels (src/engine/fusedlayer.ts with native kernels off): output and all 18 gradients, BERT/ELECTRA
 * and DistilBERT variants, with and without dropout (masks drawn by tfjs and by JS, the same draws on both paths),
 * padded rows, two sequence lengths through one session, an inference pass that is differentiated, and no tensors
 * left behind.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { dropoutDraws, fusedEncoderLayer, FusedLayerSpec, setDropoutDraws } from '../../src/engine/fusedlayer';
import { nativeMatMulCalls, setNativeMatMul } from '../../src/engine/nativematmul';
import { assertClose } from '../helpers';

before(async () => {
  await initBackend('wasm');
});
after(() => {
  setNativeMatMul(null);
  setDropoutDraws(null);
});

const H = 32,
  I = 48,
  heads = 4; // I ≠ 4·H on purpose: nothing may assume BERT's ratio
const rnd = (shape: number[], seed: number, sd = 0.3) => tf.randomNormal(shape, 0, sd, 'float32', seed);

function weights(seed: number): tf.Tensor[] {
  const shapes = [[H, H], [H], [H, H], [H], [H, H], [H], [H, H], [H], [H], [H], [H, I], [I], [I, H], [H], [H], [H]];
  return shapes.map((s, k) => (k === 8 || k === 14 ? tf.add(1, rnd(s, seed + k, 0.1)) : rnd(s, seed + k)));
}

/** The layer's output and every gradient of a weighted sum of it, as arrays; and how many native runs it took. */
function run(native: boolean, B: number, T: number, spec: FusedLayerSpec, padFrom: number | null) {
  setNativeMatMul(native);
  const before = nativeMatMulCalls();
  const out = tf.tidy(() => {
    const h = rnd([B, T, H], 1, 1),
      w = weights(10),
      probe = rnd([B, T, H], 2, 1);
    const keep = tf.tensor4d(
      Array.from({ length: B * T }, (_, k) => (padFrom !== null && k % T >= padFrom && k >= T ? 0 : 1)),
      [B, 1, 1, T],
    );
    const maskAdd = tf.mul(tf.sub(1, keep), -3.4028234663852886e38);
    const f = (x: tf.Tensor, ...ws: tf.Tensor[]) => tf.sum(tf.mul(fusedEncoderLayer(x, maskAdd, ws, spec), probe));
    const y = fusedEncoderLayer(h, maskAdd, w, spec);
    return [y, ...tf.grads(f)([h, ...w])];
  });
  const arrays = out.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose(out);
  setNativeMatMul(false);
  return { arrays, calls: nativeMatMulCalls() - before };
}

const spec = (o: Partial<FusedLayerSpec>): FusedLayerSpec => ({
  heads,
  eps: 1e-12,
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  training: true,
  seed: 7,
  distil: false,
  ...o,
});

for (const [name, s, draws] of [
  ['BERT/ELECTRA, training with dropout (tfjs draws)', spec({}), 'tfjs'],
  ['BERT/ELECTRA, training with dropout (JS draws)', spec({}), 'js'],
  ['DistilBERT, training with dropout (tfjs draws)', spec({ distil: true }), 'tfjs'],
  ['DistilBERT, training with dropout (JS draws)', spec({ distil: true }), 'js'],
  ['BERT/ELECTRA, inference (differentiated)', spec({ training: false }), 'js'],
  ['DistilBERT, inference (differentiated)', spec({ distil: true, training: false, eps: 1e-5 }), 'js'],
] as [string, FusedLayerSpec, 'tfjs' | 'js'][]) {
  test(`native layer = wasm fused layer: ${name}`, () => {
    setDropoutDraws(draws);
    for (const [B, T, pad] of [
      [3, 8, 5],
      [2, 13, null],
    ] as [number, number, number | null][]) {
      const wasm = run(false, B, T, s, pad),
        native = run(true, B, T, s, pad);
      assert.equal(wasm.calls, 0);
      // Forward and backward graph per layer call: the value, then one forward + backward inside tf.grads.
      assert.ok(native.calls >= 3, `${native.calls} native runs`);
      assert.equal(native.arrays.length, 18);
      native.arrays.forEach((a, k) =>
        assertClose(a, wasm.arrays[k], 2e-5, 2e-5, `${name}, B ${B} T ${T}, output #${k}`),
      );
    }
  });
}

test('masks are drawn in JS where the layer runs natively and by tfjs elsewhere; a seed repeats', () => {
  setDropoutDraws(null);
  assert.equal(dropoutDraws(true), 'js');
  assert.equal(dropoutDraws(false), 'tfjs');
  // The draws matter: with the same seed the native layer repeats itself exactly, and a JS mask is not tfjs's.
  const js = run(true, 2, 6, spec({}), null).arrays[0];
  assert.deepEqual(run(true, 2, 6, spec({}), null).arrays[0], js);
  setDropoutDraws('tfjs');
  const tfjs = run(true, 2, 6, spec({}), null).arrays[0];
  assert.notDeepEqual(tfjs, js);
  setDropoutDraws(null);
});

test('the native layer leaves no tensors behind over repeated training steps', () => {
  setNativeMatMul(true);
  const step = () =>
    tf.tidy(() => {
      const h = tf.variable(rnd([2, 6, H], 3, 1)),
        w = weights(20).map((t) => tf.variable(t));
      const maskAdd = tf.zeros([2, 1, 1, 6]);
      const { value, grads } = tf.variableGrads(() => tf.sum(fusedEncoderLayer(h, maskAdd, w, spec({}))) as tf.Scalar);
      value.dataSync();
      tf.dispose([h, ...w, ...Object.values(grads)]);
    });
  step();
  const n = tf.memory().numTensors;
  for (let k = 0; k < 5; k++) step();
  assert.equal(tf.memory().numTensors, n);
  setNativeMatMul(false);
});
