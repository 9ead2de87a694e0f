/**
 * The numerics PyTorch defines, shared by the three families: GELU (erf and tanh), HF's activation names,
 * LayerNorm, the additive padding mask, and the Linear layer (weights stored `[in, out]`).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { linear2d } from '../engine/kernels';

/** GELU with erf, as `torch.nn.functional.gelu` (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}
/** HF `gelu_new` / `gelu_pytorch_tanh` / `gelu_fast`: the tanh approximation. */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

/** HF's `ACT2FN` for the names our families' configs use; anything else is an error naming the key. */
export function activation(name: unknown, key = 'hidden_act'): (x: tf.Tensor) => tf.Tensor {
  switch (name) {
    case 'gelu':
    case 'gelu_python':
      return gelu;
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return geluTanh;
    case 'relu':
      return tf.relu;
    case 'silu':
    case 'swish':
      return (x) => tf.mul(x, tf.sigmoid(x));
    case 'tanh':
      return tf.tanh;
    case 'quick_gelu':
      return (x) => tf.mul(x, tf.sigmoid(tf.mul(1.702, x)));
    default:
      throw new Error(
        `config.json: ${key} '${String(name)}' is not supported ` +
          '(gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, quick_gelu)',
      );
  }
}

/** LayerNorm over the last axis with biased variance, as `torch.nn.LayerNorm`. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

/** `torch.finfo(torch.float32).min`: what HF puts at the attention scores of padding positions. */
export const MASK_MIN = -3.4028234663852886e38;

/** `[B, 1, 1, T]`: 0 where attended, float32 min where padded, broadcast over heads and query positions. */
export function additiveMask(attentionMask: tf.Tensor2D): tf.Tensor4D {
  const [B, T] = attentionMask.shape;
  return tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), MASK_MIN), [B, 1, 1, T]);
}

/** `x · W + b` over the last axis, with W stored `[in, out]`. */
export function linear(P: (name: string) => tf.Tensor, x: tf.Tensor, name: string): tf.Tensor {
  const W = P(`${name}.weight`) as tf.Tensor2D;
  const [nIn, nOut] = W.shape;
  const x2 = tf.reshape(x, [-1, nIn]) as tf.Tensor2D;
  return tf.reshape(linear2d(x2, W, P(`${name}.bias`) as tf.Tensor1D), [...x.shape.slice(0, -1), nOut]);
}
