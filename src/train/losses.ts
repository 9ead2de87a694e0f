/**
 * Classification losses for session 5's "other losses" experiments, with PyTorch's definitions:
 * `torch.nn.functional.cross_entropy(logits, y, weight=w, label_smoothing=ε)` (mean reduction), and
 * focal loss (Lin et al. 2017) on the softmax: -α_y (1 - p_y)^γ log p_y, averaged over the batch.
 *
 * With class weights, PyTorch's mean is a *weighted* mean: Σ w_y·nll / Σ w_y. With label smoothing the
 * target is (1-ε)·onehot + ε/C, and the smoothing term is weighted by w_c and divided by the same Σ w_y.
 *
 * Introduced in notebooks/05_further.ipynb.
 */
import * as tf from '@tensorflow/tfjs';

export type LossKind = 'cross_entropy' | 'focal';
export interface LossConfig {
  kind: LossKind;
  /** Per-class weights (cross-entropy's `weight`, focal's α); null for none. */
  class_weights: number[] | null;
  /** Label smoothing ε for cross-entropy, in [0, 1). */
  label_smoothing: number;
  /** Focal loss γ (0 gives cross-entropy). */
  gamma: number;
}
export const lossDefaults = (o: Partial<LossConfig> = {}): LossConfig => ({
  kind: 'cross_entropy',
  class_weights: null,
  label_smoothing: 0,
  gamma: 2,
  ...o,
});

/** sklearn's `compute_class_weight('balanced')`: n / (C · count_c), so rare classes weigh more. */
export function balancedClassWeights(labels: ArrayLike<number>, numLabels: number): number[] {
  const counts = new Array(numLabels).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((c) => (c === 0 ? 0 : labels.length / (numLabels * c)));
}

/** The configured loss, a scalar, differentiable with respect to `logits` `[batch, C]`. */
export function classificationLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, cfg: Partial<LossConfig> = {}): tf.Scalar {
  const c = lossDefaults(cfg);
  const C = logits.shape[1];
  if (c.class_weights && c.class_weights.length !== C)
    throw new Error(`class_weights has ${c.class_weights.length} entries for ${C} labels`);
  if (!(c.label_smoothing >= 0 && c.label_smoothing < 1))
    throw new Error(`label_smoothing must be in [0, 1), got ${c.label_smoothing}`);
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits, -1);
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), C);
    const w = c.class_weights ? tf.tensor1d(c.class_weights) : tf.ones([C]);
    const wy = tf.sum(tf.mul(onehot, w), -1); // w[y_i]
    const logpy = tf.sum(tf.mul(onehot, logp), -1);
    if (c.kind === 'focal') {
      const py = tf.exp(logpy);
      return tf.mean(tf.mul(tf.mul(wy, tf.pow(tf.sub(1, py), c.gamma)), tf.neg(logpy))) as tf.Scalar;
    }
    const denom = tf.sum(wy);
    const nll = tf.div(tf.sum(tf.mul(wy, tf.neg(logpy))), denom);
    if (c.label_smoothing === 0) return nll as tf.Scalar;
    const smooth = tf.div(tf.sum(tf.neg(tf.mul(logp, w))), denom);
    return tf.add(tf.mul(nll, 1 - c.label_smoothing), tf.mul(smooth, c.label_smoothing / C)) as tf.Scalar;
  });
}

/** Mean cross-entropy over the batch from logits and integer labels, as `torch.nn.CrossEntropyLoss()`. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return classificationLoss(logits, labels); // the default of src/train/losses.ts: plain cross-entropy
}
