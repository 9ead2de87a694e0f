/**
 * What every family shares before any computation: the model types, a config.json's shape, the forward options,
 * the `SequenceClassifier` interface the trainer uses, and how parameters are stored (`ParamSpec`).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import type * as tf from '@tensorflow/tfjs';

export type ModelType = 'bert' | 'distilbert' | 'electra';
export const MODEL_TYPES: ModelType[] = ['bert', 'distilbert', 'electra'];

/** A config.json as HF writes it; the fields each family reads are listed in its defaults (src/models/families.ts). */
export interface ModelConfig {
  model_type: string;
  num_labels: number;
  [k: string]: unknown;
}

export interface ForwardOptions {
  training?: boolean;
  seed?: number;
  tokenTypeIds?: tf.Tensor2D;
  /** recompute encoder layers in the backward pass (less memory) */ checkpoint?: boolean;
  /** encoder layers as one op each with a hand-written backward (src/engine/fusedlayer.ts); default true */
  fused?: boolean;
}

/** What the trainer (src/train/trainer.ts) needs of any family. Frozen parameters have `trainable === false`. */
export interface SequenceClassifier {
  config: { model_type: string; num_labels: number; [k: string]: unknown };
  params: Map<string, tf.Variable>;
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, opts?: ForwardOptions): tf.Tensor2D;
}

export type Params = Map<string, tf.Variable>;

/**
 * How a parameter is stored and initialised. `linear`: a Linear weight, `[in, out]` here and `[out, in]` in
 * PyTorch files; `embedding`: `[num, dim]` in both; `norm_weight`/`norm_bias`: LayerNorm; `bias`: a Linear bias.
 */
export type ParamKind = 'linear' | 'bias' | 'embedding' | 'norm_weight' | 'norm_bias';
export interface ParamSpec {
  shape: number[];
  kind: ParamKind;
}
