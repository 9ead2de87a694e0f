/**
 * What the three model families share: the `SequenceClassifier` interface the trainer uses, configs with
 * Hugging Face's field names and defaults, parameter specs keyed by PyTorch state-dict names, HF's
 * `_init_weights`, the numerics PyTorch defines (GELU with erf, LayerNorm, the padding mask, cross-entropy),
 * and `TransformerClassifier`, one class for BERT, DistilBERT and ELECTRA (the per-family layers and heads
 * are in src/models/families.ts).
 *
 * Weights live in a flat `Map` keyed by the state-dict names, so a checkpoint maps onto it one to one.
 * Linear weights are kept as `[in, out]` (tfjs matMul order): PyTorch stores `[out, in]`, and the loaders
 * in src/models/checkpoint.ts / src/models/automodel.ts transpose once at load and once at save, never per step.
 *
 * The `electra*` helpers are the benchmark model of notebooks/00_setup.ipynb, kept as thin wrappers.
 *
 * Introduced in notebooks/03_baseline.ipynb (the model families; the benchmark model in notebooks/00_setup.ipynb).
 */
import * as tf from '@tensorflow/tfjs';
import { FAMILIES } from './families';
import type { Family } from './familybase';
import { MODEL_TYPES, ModelConfig, ModelType, ParamSpec } from './config';
import type { ForwardOptions, Params, SequenceClassifier } from './config';

// The config and parameter types are in config.ts (families.ts needs them without importing this file).
export * from './config';

export function familyOf(modelType: string, where = 'config.json'): Family {
  const f = FAMILIES[modelType as ModelType];
  if (!f)
    throw new Error(`${where}: model_type '${modelType}' is not supported (supported: ${MODEL_TYPES.join(', ')})`);
  return f;
}

/** HF's config class defaults for the family, then `overrides` (unknown keys are kept, as HF keeps them). */
export function modelConfig(modelType: ModelType, overrides: Record<string, unknown> = {}): ModelConfig {
  const f = familyOf(modelType);
  return { ...f.defaults, num_labels: 2, ...overrides, model_type: modelType } as ModelConfig;
}

/** Every parameter of the classifier (encoder and head), in state-dict order. */
export function paramSpecs(c: ModelConfig): Map<string, ParamSpec> {
  return familyOf(c.model_type).specs(c);
}

let modelCount = 0;
/** A fresh number for variable names (`<state-dict name>#<n>`): tfjs variable names are global. */
export const nextModelTag = () => ++modelCount;

/**
 * HF `_init_weights`: Linear and Embedding weights normal(0, initializer_range), the padding row of the word
 * embeddings zero, biases zero, LayerNorm 1 / 0; DistilBERT's sinusoidal position table when configured.
 * Variables are named `<state-dict name>#<n>`: tfjs names are global, and two models must be able to coexist.
 */
export function initParams(c: ModelConfig, seed = 0, only?: Set<string>): Params {
  const params: Params = new Map();
  const tag = nextModelTag();
  let k = 0;
  for (const [name, spec] of paramSpecs(c)) {
    const s = seed + k++;
    if (only && !only.has(name)) continue;
    const init = tf.tidy(() => initTensor(c, name, spec, s));
    params.set(name, tf.variable(init, true, `${name}#${tag}`));
    init.dispose();
  }
  return params;
}

function initTensor(c: ModelConfig, name: string, spec: ParamSpec, seed: number): tf.Tensor {
  const { shape, kind } = spec;
  if (kind === 'norm_weight') return tf.ones(shape);
  if (kind === 'norm_bias' || kind === 'bias') return tf.zeros(shape);
  if (c.model_type === 'distilbert' && c.sinusoidal_pos_embds && name.endsWith('position_embeddings.weight')) {
    return tf.tensor2d(sinusoidalTable(shape[0], shape[1]), [shape[0], shape[1]]);
  }
  const w = tf.randomNormal(shape, 0, Number(c.initializer_range ?? 0.02), 'float32', seed);
  const pad = c.pad_token_id;
  if (name.endsWith('word_embeddings.weight') && typeof pad === 'number' && pad >= 0 && pad < shape[0]) {
    const data = Float32Array.from(w.dataSync() as Float32Array); // (tf.oneHot ignores on/off values on wasm)
    data.fill(0, pad * shape[1], (pad + 1) * shape[1]);
    return tf.tensor(data, shape);
  }
  return w;
}

/** DistilBERT's `create_sinusoidal_embeddings`: sin on even columns, cos on odd, computed in float64. */
export function sinusoidalTable(n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let pos = 0; pos < n; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

// ---- the model -----------------------------------------------------------------------------------------

export interface ForwardOutput {
  logits: tf.Tensor2D;
  last_hidden_state: tf.Tensor3D;
}

/** BERT, DistilBERT or ELECTRA for sequence classification, by `config.model_type`. */
export class TransformerClassifier implements SequenceClassifier {
  readonly family: Family;
  constructor(
    readonly config: ModelConfig,
    readonly params: Params,
  ) {
    this.family = familyOf(config.model_type);
  }

  /** Logits `[batch, num_labels]`; dropout only when `training`. Token type ids default to zeros. */
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    return this.forwardWithHidden(inputIds, attentionMask, opts).logits;
  }

  /** Logits and the encoder's last hidden state `[batch, seq, hidden]` (what `hai forward` prints). */
  forwardWithHidden(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, opts: ForwardOptions = {}): ForwardOutput {
    return familyForward(this.family, this.params, this.config, inputIds, attentionMask, opts);
  }

  /** Number of parameters (all, and those with `trainable` set). */
  numParameters(): { total: number; trainable: number } {
    let total = 0,
      trainable = 0;
    for (const v of this.params.values()) {
      total += v.size;
      if (v.trainable) trainable += v.size;
    }
    return { total, trainable };
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}

/** Runs one family's encoder and head with a getter that names a missing parameter. */
export function familyForward(
  f: Family,
  params: Params,
  c: ModelConfig,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: ForwardOptions = {},
): ForwardOutput {
  const P = (name: string): tf.Tensor => {
    const v = params.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
  const [B, T] = inputIds.shape;
  if (attentionMask.shape[0] !== B || attentionMask.shape[1] !== T) {
    throw new Error(`attention_mask has shape [${attentionMask.shape}] but input_ids has [${inputIds.shape}]`);
  }
  const maxPos = Number(c.max_position_embeddings);
  if (T > maxPos)
    throw new Error(`sequence length ${T} exceeds max_position_embeddings ${maxPos} of this ${c.model_type} model`);
  let seed = opts.seed ?? 0;
  const drop = (x: tf.Tensor, rate: number) => (opts.training && rate > 0 ? tf.dropout(x, rate, undefined, seed++) : x);
  const ctx = {
    P,
    c,
    drop,
    names: [...params.keys()],
    training: opts.training,
    seed: opts.seed,
    checkpoint: opts.checkpoint,
    fused: opts.fused,
  };
  const hidden = f.encode(ctx, inputIds, attentionMask, opts.tokenTypeIds) as tf.Tensor3D;
  const logits = f.head({ P, c, drop }, hidden) as tf.Tensor2D;
  return { logits, last_hidden_state: hidden };
}

// ---- the benchmark model of notebooks/00_setup.ipynb ---------------------------------------------------

export type ElectraConfig = ModelConfig & {
  vocab_size: number;
  embedding_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  initializer_range: number;
};

/** KoELECTRA-small-v3 discriminator's shapes (its config.json), with the course's 4 labels. */
export function electraSmallConfig(overrides: Partial<ElectraConfig> = {}): ElectraConfig {
  return modelConfig('electra', {
    vocab_size: 35000,
    embedding_size: 128,
    hidden_size: 256,
    num_hidden_layers: 12,
    num_attention_heads: 4,
    intermediate_size: 1024,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    initializer_range: 0.02,
    num_labels: 4,
    ...overrides,
  }) as ElectraConfig;
}

/** Shapes of every parameter, by state-dict name (Linear weights as [in, out]). */
export function electraParamShapes(c: ModelConfig): Map<string, number[]> {
  return new Map([...paramSpecs({ ...c, model_type: 'electra' })].map(([k, s]) => [k, s.shape]));
}
export const initElectraParams = (c: ModelConfig, seed = 0): Params =>
  initParams({ ...c, model_type: 'electra' }, seed);
export function electraForward(
  params: Params,
  c: ModelConfig,
  inputIds: tf.Tensor2D,
  attentionMask: tf.Tensor2D,
  opts: ForwardOptions = {},
): tf.Tensor2D {
  return familyForward(FAMILIES.electra, params, { ...c, model_type: 'electra' }, inputIds, attentionMask, opts).logits;
}

/** The parameters in PyTorch's layout (Linear weights back to `[out, in]`), for writing checkpoints. */
export function torchStateDict(params: Params, c: ModelConfig): Map<string, { shape: number[]; data: Float32Array }> {
  const specs = paramSpecs(c);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of params) {
    const t = specs.get(name)?.kind === 'linear' ? tf.transpose(v) : v;
    out.set(name, { shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
    if (t !== v) t.dispose();
  }
  return out;
}
