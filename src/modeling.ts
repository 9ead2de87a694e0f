/**
 * A BERT-family encoder with ELECTRA's classification head, in tfjs, with Hugging Face parameter names.
 *
 * This is the architecture of `monologg/koelectra-small-v3-discriminator` as `ElectraForSequenceClassification`
 * builds it: embeddings (word + position + token type, LayerNorm), `embeddings_project` when
 * `embedding_size != hidden_size`, post-LayerNorm transformer layers with GELU (erf), and the head
 * `classifier.dense → gelu → classifier.out_proj` on the first token. Dropout runs only when training.
 *
 * Weights live in a flat `Map` keyed by the PyTorch state-dict names, so a checkpoint maps onto it one to
 * one. Linear weights are kept as `[in, out]` (tfjs matMul order): PyTorch stores `[out, in]`, and the
 * loader transposes once at load rather than on every step.
 *
 * Introduced in notebooks/00_setup.ipynb (benchmark model); loading real checkpoints comes with the models issue.
 */
import * as tf from '@tensorflow/tfjs';

export interface ElectraConfig {
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
  num_labels: number;
}

/** KoELECTRA-small-v3 discriminator's shapes (its config.json), with the course's 4 labels. */
export function electraSmallConfig(overrides: Partial<ElectraConfig> = {}): ElectraConfig {
  return {
    vocab_size: 35000, embedding_size: 128, hidden_size: 256, num_hidden_layers: 12, num_attention_heads: 4,
    intermediate_size: 1024, max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12,
    hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, initializer_range: 0.02, num_labels: 4,
    ...overrides,
  };
}

export type Params = Map<string, tf.Variable>;

/** Shapes of every parameter, by state-dict name (Linear weights as [in, out]). */
export function electraParamShapes(c: ElectraConfig): Map<string, number[]> {
  const s = new Map<string, number[]>();
  const E = c.embedding_size, H = c.hidden_size, I = c.intermediate_size;
  const linear = (name: string, i: number, o: number) => { s.set(`${name}.weight`, [i, o]); s.set(`${name}.bias`, [o]); };
  const norm = (name: string, n: number) => { s.set(`${name}.weight`, [n]); s.set(`${name}.bias`, [n]); };
  s.set('electra.embeddings.word_embeddings.weight', [c.vocab_size, E]);
  s.set('electra.embeddings.position_embeddings.weight', [c.max_position_embeddings, E]);
  s.set('electra.embeddings.token_type_embeddings.weight', [c.type_vocab_size, E]);
  norm('electra.embeddings.LayerNorm', E);
  if (E !== H) linear('electra.embeddings_project', E, H);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `electra.encoder.layer.${l}`;
    for (const n of ['query', 'key', 'value']) linear(`${p}.attention.self.${n}`, H, H);
    linear(`${p}.attention.output.dense`, H, H);
    norm(`${p}.attention.output.LayerNorm`, H);
    linear(`${p}.intermediate.dense`, H, I);
    linear(`${p}.output.dense`, I, H);
    norm(`${p}.output.LayerNorm`, H);
  }
  linear('classifier.dense', H, H);
  linear('classifier.out_proj', H, c.num_labels);
  return s;
}

/** HF `_init_weights`: normal(0, initializer_range) for Linear and Embedding weights, zero bias, LayerNorm 1/0. */
export function initElectraParams(c: ElectraConfig, seed = 0): Params {
  const params: Params = new Map();
  let k = 0;
  for (const [name, shape] of electraParamShapes(c)) {
    const init = tf.tidy(() => {
      if (name.includes('LayerNorm')) return name.endsWith('.weight') ? tf.ones(shape) : tf.zeros(shape);
      if (name.endsWith('.bias')) return tf.zeros(shape);
      return tf.randomNormal(shape, 0, c.initializer_range, 'float32', seed + k++);
    });
    params.set(name, tf.variable(init, true, name));
    init.dispose();
  }
  return params;
}

export interface ForwardOptions { training?: boolean; seed?: number }

const SQRT1_2 = Math.SQRT1_2;
/** GELU with erf, as `torch.nn.functional.gelu` (not the tanh approximation). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
}

/** LayerNorm over the last axis with biased variance, as `torch.nn.LayerNorm`. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}

/** `torch.finfo(torch.float32).min`: what HF adds to the attention scores of padding positions. */
export const MASK_MIN = -3.4028234663852886e38;

/**
 * Logits `[batch, num_labels]` for `inputIds` / `attentionMask` of shape `[batch, seq]` (int32).
 * Token type ids default to zeros, as in the course (single sentences).
 */
export function electraForward(params: Params, c: ElectraConfig, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D,
  opts: ForwardOptions = {}): tf.Tensor2D {
  const P = (name: string): tf.Tensor => {
    const v = params.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
  let seed = opts.seed ?? 0;
  const drop = (x: tf.Tensor, rate: number) => (opts.training && rate > 0 ? tf.dropout(x, rate, undefined, seed++) : x);
  const [B, T] = inputIds.shape;
  const H = c.hidden_size, nH = c.num_attention_heads, dH = H / nH;
  const linear = (x: tf.Tensor, name: string) => {
    const W = P(`${name}.weight`) as tf.Tensor2D;
    const [nIn, nOut] = W.shape;
    const x2 = tf.reshape(x, [-1, nIn]);
    return tf.reshape(tf.add(tf.matMul(x2, W), P(`${name}.bias`)), [...x.shape.slice(0, -1), nOut]);
  };
  const norm = (x: tf.Tensor, name: string) => layerNorm(x, P(`${name}.weight`), P(`${name}.bias`), c.layer_norm_eps);

  const e = 'electra.embeddings';
  const positions = tf.range(0, T, 1, 'int32');
  let h: tf.Tensor = tf.add(
    tf.add(tf.gather(P(`${e}.word_embeddings.weight`), inputIds), tf.gather(P(`${e}.position_embeddings.weight`), positions)),
    tf.gather(P(`${e}.token_type_embeddings.weight`), tf.zeros([B, T], 'int32')));
  h = drop(norm(h, `${e}.LayerNorm`), c.hidden_dropout_prob);
  if (params.has('electra.embeddings_project.weight')) h = linear(h, 'electra.embeddings_project');

  // [B, 1, 1, T]: 0 where attended, float32 min where padded, broadcast over heads and query positions.
  const maskAdd = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), MASK_MIN), [B, 1, 1, T]);
  const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, T, nH, dH]), [0, 2, 1, 3]);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `electra.encoder.layer.${l}`;
    const q = heads(linear(h, `${p}.attention.self.query`));
    const k = heads(linear(h, `${p}.attention.self.key`));
    const v = heads(linear(h, `${p}.attention.self.value`));
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dH)), maskAdd);
    const probs = drop(tf.softmax(scores, -1), c.attention_probs_dropout_prob);
    const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, T, H]);
    const attn = norm(tf.add(drop(linear(ctx, `${p}.attention.output.dense`), c.hidden_dropout_prob), h), `${p}.attention.output.LayerNorm`);
    const inter = gelu(linear(attn, `${p}.intermediate.dense`));
    h = norm(tf.add(drop(linear(inter, `${p}.output.dense`), c.hidden_dropout_prob), attn), `${p}.output.LayerNorm`);
  }
  // ElectraClassificationHead: first token ([CLS]) → dropout → dense → gelu → dropout → out_proj.
  let x: tf.Tensor = tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, H]), [B, H]);
  x = gelu(linear(drop(x, c.hidden_dropout_prob), 'classifier.dense'));
  return linear(drop(x, c.hidden_dropout_prob), 'classifier.out_proj') as tf.Tensor2D;
}

/** Mean cross-entropy over the batch from logits and integer labels, as `torch.nn.CrossEntropyLoss()`. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const onehot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits, -1)), -1))) as tf.Scalar;
}
