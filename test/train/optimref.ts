/**
 * The PyTorch optimiser reference (test/reference/optim.json, made by optim_reference.py): its tiny classifier's
 * parameter shapes and forward pass, shared by the optimiser tests on wasm (optim.test.ts) and webgpu.
 */
import * as tf from '@tensorflow/tfjs';

export const ref = require('../reference/optim.json');

export const SHAPES: Record<string, number[]> = {
  'embeddings.weight': [ref.V, ref.E],
  'LayerNorm.weight': [ref.E],
  'LayerNorm.bias': [ref.E],
  'classifier.weight': [ref.E, ref.C],
  'classifier.bias': [ref.C],
};

/** The generator's tiny classifier: masked mean of embeddings → LayerNorm → linear. */
export function forward(p: Map<string, tf.Variable>): tf.Tensor2D {
  const ids = tf.tensor2d(ref.ids, undefined, 'int32');
  const mask = tf.cast(tf.greater(ids, 0), 'float32');
  const h = tf.div(
    tf.sum(tf.mul(tf.gather(p.get('embeddings.weight')!, ids), tf.expandDims(mask, -1)), 1),
    tf.sum(mask, 1, true),
  );
  const { mean, variance } = tf.moments(h, -1, true);
  const n = tf.add(
    tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-12))), p.get('LayerNorm.weight')!),
    p.get('LayerNorm.bias')!,
  );
  return tf.add(tf.matMul(n, p.get('classifier.weight')!), p.get('classifier.bias')!) as tf.Tensor2D;
}
