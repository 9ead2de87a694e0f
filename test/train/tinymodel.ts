/**
 * A tiny bag-of-embeddings classifier with dropout, shared by the train tests: enough to test the loop, batching
 * and evaluation without a transformer (notebooks/03_baseline.ipynb).
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../../src/train/trainer';

export function tinyModel(seed: number, V = 20, E = 8, C = 4, dropout = 0.1): Classifier & { dispose(): void } {
  const params = new Map<string, tf.Variable>([
    [
      'embeddings.weight',
      tf.variable(tf.randomNormal([V, E], 0, 0.5, 'float32', seed), true, `emb${seed}_${Math.random()}`),
    ],
    [
      'classifier.weight',
      tf.variable(tf.randomNormal([E, C], 0, 0.5, 'float32', seed + 1), true, `cw${seed}_${Math.random()}`),
    ],
    ['classifier.bias', tf.variable(tf.zeros([C]), true, `cb${seed}_${Math.random()}`)],
  ]);
  return {
    params,
    forward(ids, mask, opts = {}) {
      return tf.tidy(() => {
        const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
        let h = tf.div(
          tf.sum(tf.mul(tf.gather(params.get('embeddings.weight')!, ids), m), 1),
          tf.maximum(tf.sum(m, 1), 1),
        );
        if (opts.training && dropout > 0) h = tf.dropout(h, dropout, undefined, opts.seed);
        return tf.add(tf.matMul(h, params.get('classifier.weight')!), params.get('classifier.bias')!) as tf.Tensor2D;
      });
    },
    dispose() {
      tf.dispose([...params.values()]);
    },
  };
}
