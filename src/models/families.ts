/**
 * The three families as Hugging Face's `*ForSequenceClassification` builds them, with its parameter names:
 *
 * - `bert` (BertForSequenceClassification): embeddings (word + token type + position, LayerNorm), post-LN
 *   layers, then the pooler (`bert.pooler.dense` + tanh on the first token) and `classifier`.
 * - `electra` (ElectraForSequenceClassification): BERT's embeddings at `embedding_size`, `embeddings_project`
 *   when `embedding_size != hidden_size`, BERT's layers, and the head `classifier.dense` → GELU (erf, whatever
 *   `hidden_act` says: HF hard-codes it) → `classifier.out_proj` on the first token.
 * - `distilbert` (DistilBertForSequenceClassification): word + position embeddings (no token types), layers
 *   with `q_lin`/`k_lin`/`v_lin`/`out_lin` (no dropout after `out_lin`, LayerNorm eps fixed at 1e-12), and
 *   `pre_classifier` → ReLU → `classifier` on the first token.
 *
 * Dropout sits where HF has it and runs only in training (`drop` is the identity otherwise).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelType, ParamSpec } from './config';
import { activation, additiveMask, gelu, layerNorm, linear } from './numerics';
import { checkpoint, matMul } from '../engine/kernels';
import { fusedEncoderLayer, fusesActivation } from '../engine/fusedlayer';

export interface Ctx {
  P: (name: string) => tf.Tensor;
  c: ModelConfig;
  drop: (x: tf.Tensor, rate: number) => tf.Tensor;
  /** Every parameter name (for checkpointed layers, whose parameters must be explicit inputs). */
  names?: string[];
  training?: boolean;
  seed?: number;
  /** Recompute each encoder layer in the backward pass instead of keeping its activations. */
  checkpoint?: boolean;
  /** Run GELU (erf) encoder layers as one op with a hand-written backward (src/engine/fusedlayer.ts); default true. */
  fused?: boolean;
}

type LayerBody = (
  h: tf.Tensor,
  maskAdd: tf.Tensor,
  P: (name: string) => tf.Tensor,
  drop: (x: tf.Tensor, rate: number) => tf.Tensor,
  seed: number,
) => tf.Tensor;

/** Whether a layer with this activation can run fused: only HF's erf GELU is written out in src/engine/fusedlayer.ts. */
const fusable = (ctx: Ctx, act: unknown) => ctx.fused !== false && fusesActivation(act);

/**
 * One encoder layer, optionally checkpointed (`ctx.checkpoint`): its activations are dropped after the
 * forward pass and recomputed in the backward pass, so memory holds one layer's activations at a time.
 * Dropout seeds are fixed per layer, so the recomputation draws the same masks.
 */
function runLayer(ctx: Ctx, l: number, prefix: string, h: tf.Tensor, maskAdd: tf.Tensor, body: LayerBody): tf.Tensor {
  const base = (ctx.seed ?? 0) * 1009 + 1000 + l * 16;
  const localDrop = () => {
    let k = 0;
    return (x: tf.Tensor, r: number) => (ctx.training && r > 0 ? tf.dropout(x, r, undefined, base + k++) : x);
  };
  if (!ctx.checkpoint || !ctx.names) return body(h, maskAdd, ctx.P, localDrop(), base);
  const names = ctx.names.filter((n) => n.startsWith(prefix));
  const fn = (hh: tf.Tensor, mm: tf.Tensor, ...ps: tf.Tensor[]) =>
    body(
      hh,
      mm,
      (n) => {
        const i = names.indexOf(n);
        return i >= 0 ? ps[i] : ctx.P(n);
      },
      localDrop(),
      base,
    );
  return checkpoint(fn, [h, maskAdd, ...names.map((n) => ctx.P(n))]);
}

export interface Family {
  model_type: ModelType;
  /** HF's `base_model_prefix`: everything under it is the pre-trained encoder, the rest is the head. */
  prefix: string;
  architecture: string;
  /** HF's config class defaults (transformers 4.x). */
  defaults: Record<string, unknown>;
  /** Config keys that hold the hidden size and the number of layers. */
  keys: { hidden: string; layers: string; heads: string };
  specs(c: ModelConfig): Map<string, ParamSpec>;
  encode(x: Ctx, ids: tf.Tensor2D, mask: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): tf.Tensor;
  head(x: Ctx, hidden: tf.Tensor): tf.Tensor;
}

const int = (c: ModelConfig, key: string): number => {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new Error(`config.json: ${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
};
const rate = (c: ModelConfig, key: string, fallback?: string): number => {
  const v = c[key] ?? (fallback ? c[fallback] : undefined);
  return typeof v === 'number' ? v : 0;
};

type Spec = Map<string, ParamSpec>;
const lin = (s: Spec, name: string, i: number, o: number) => {
  s.set(`${name}.weight`, { shape: [i, o], kind: 'linear' });
  s.set(`${name}.bias`, { shape: [o], kind: 'bias' });
};
const norm = (s: Spec, name: string, n: number) => {
  s.set(`${name}.weight`, { shape: [n], kind: 'norm_weight' });
  s.set(`${name}.bias`, { shape: [n], kind: 'norm_bias' });
};
const emb = (s: Spec, name: string, n: number, d: number) =>
  s.set(`${name}.weight`, { shape: [n, d], kind: 'embedding' });

function checkHeads(c: ModelConfig, hidden: string, heads: string): void {
  if (int(c, heads) === 0 || int(c, hidden) % int(c, heads) !== 0) {
    throw new Error(`config.json: ${hidden} ${c[hidden]} is not a multiple of ${heads} ${c[heads]}`);
  }
}

/** Splits `[B, T, H]` into `[B, nH, T, dH]`. */
const splitHeads = (x: tf.Tensor, B: number, T: number, nH: number) =>
  tf.transpose(tf.reshape(x, [B, T, nH, x.shape[2]! / nH]), [0, 2, 1, 3]);
const mergeHeads = (x: tf.Tensor, B: number, T: number) => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, -1]);
const firstToken = (h: tf.Tensor) =>
  tf.reshape(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]!]), [h.shape[0], h.shape[2]!]);

// ---- BERT and ELECTRA share embeddings and layers -------------------------------------------------------

function bertLayerSpecs(s: Spec, c: ModelConfig, base: string): void {
  const H = int(c, 'hidden_size'),
    I = int(c, 'intermediate_size');
  for (let l = 0; l < int(c, 'num_hidden_layers'); l++) {
    const p = `${base}.encoder.layer.${l}`;
    for (const n of ['query', 'key', 'value']) lin(s, `${p}.attention.self.${n}`, H, H);
    lin(s, `${p}.attention.output.dense`, H, H);
    norm(s, `${p}.attention.output.LayerNorm`, H);
    lin(s, `${p}.intermediate.dense`, H, I);
    lin(s, `${p}.output.dense`, I, H);
    norm(s, `${p}.output.LayerNorm`, H);
  }
}

function bertEmbeddingSpecs(s: Spec, c: ModelConfig, base: string, E: number): void {
  emb(s, `${base}.embeddings.word_embeddings`, int(c, 'vocab_size'), E);
  emb(s, `${base}.embeddings.position_embeddings`, int(c, 'max_position_embeddings'), E);
  emb(s, `${base}.embeddings.token_type_embeddings`, int(c, 'type_vocab_size'), E);
  norm(s, `${base}.embeddings.LayerNorm`, E);
}

function bertEmbeddings({ P, c, drop }: Ctx, base: string, ids: tf.Tensor2D, tokenTypeIds?: tf.Tensor2D): tf.Tensor {
  if (c.position_embedding_type !== undefined && c.position_embedding_type !== 'absolute') {
    throw new Error(
      `config.json: position_embedding_type '${String(c.position_embedding_type)}' is not supported (only 'absolute')`,
    );
  }
  const [B, T] = ids.shape;
  const e = `${base}.embeddings`;
  const types = tokenTypeIds ?? tf.zeros([B, T], 'int32');
  // HF's order: (inputs_embeds + token_type_embeddings) + position_embeddings.
  const h = tf.add(
    tf.add(tf.gather(P(`${e}.word_embeddings.weight`), ids), tf.gather(P(`${e}.token_type_embeddings.weight`), types)),
    tf.gather(P(`${e}.position_embeddings.weight`), tf.range(0, T, 1, 'int32')),
  );
  return drop(
    layerNorm(h, P(`${e}.LayerNorm.weight`), P(`${e}.LayerNorm.bias`), Number(c.layer_norm_eps)),
    rate(c, 'hidden_dropout_prob'),
  );
}

function bertLayers(ctx: Ctx, base: string, h: tf.Tensor, mask: tf.Tensor2D): tf.Tensor {
  const { c } = ctx;
  const [B, T] = mask.shape;
  const nH = int(c, 'num_attention_heads'),
    dH = int(c, 'hidden_size') / nH,
    eps = Number(c.layer_norm_eps);
  const act = activation(c.hidden_act ?? 'gelu');
  const hid = rate(c, 'hidden_dropout_prob'),
    att = rate(c, 'attention_probs_dropout_prob');
  const maskAdd = additiveMask(mask);
  const fused = fusable(ctx, c.hidden_act ?? 'gelu');
  for (let l = 0; l < int(c, 'num_hidden_layers'); l++) {
    const p = `${base}.encoder.layer.${l}`;
    const fusedNames = ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']
      .flatMap((n) => [`${p}.${n}.weight`, `${p}.${n}.bias`])
      .concat([
        `${p}.attention.output.LayerNorm.weight`,
        `${p}.attention.output.LayerNorm.bias`,
        `${p}.intermediate.dense.weight`,
        `${p}.intermediate.dense.bias`,
        `${p}.output.dense.weight`,
        `${p}.output.dense.bias`,
        `${p}.output.LayerNorm.weight`,
        `${p}.output.LayerNorm.bias`,
      ]);
    h = runLayer(ctx, l, `${p}.`, h, maskAdd, (h, maskAdd, P, drop, seed) => {
      if (fused) {
        return fusedEncoderLayer(h, maskAdd, fusedNames.map(P), {
          heads: nH,
          eps,
          hiddenDropout: hid,
          attentionDropout: att,
          training: Boolean(ctx.training),
          seed,
          distil: false,
        });
      }
      const L = (x: tf.Tensor, n: string) => linear(P, x, n);
      const N = (x: tf.Tensor, n: string) => layerNorm(x, P(`${n}.weight`), P(`${n}.bias`), eps);
      const q = splitHeads(L(h, `${p}.attention.self.query`), B, T, nH);
      const k = splitHeads(L(h, `${p}.attention.self.key`), B, T, nH);
      const v = splitHeads(L(h, `${p}.attention.self.value`), B, T, nH);
      const scores = tf.add(tf.div(matMul(q, k, false, true), Math.sqrt(dH)), maskAdd);
      const context = mergeHeads(matMul(drop(tf.softmax(scores, -1), att), v), B, T);
      const attn = N(
        tf.add(drop(L(context, `${p}.attention.output.dense`), hid), h),
        `${p}.attention.output.LayerNorm`,
      );
      return N(
        tf.add(drop(L(act(L(attn, `${p}.intermediate.dense`)), `${p}.output.dense`), hid), attn),
        `${p}.output.LayerNorm`,
      );
    });
  }
  return h;
}

const classifierDropout = (c: ModelConfig) =>
  typeof c.classifier_dropout === 'number' ? c.classifier_dropout : rate(c, 'hidden_dropout_prob');

const BERT_LIKE_DEFAULTS = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  classifier_dropout: null,
};

export const bert: Family = {
  model_type: 'bert',
  prefix: 'bert',
  architecture: 'BertForSequenceClassification',
  defaults: BERT_LIKE_DEFAULTS,
  keys: { hidden: 'hidden_size', layers: 'num_hidden_layers', heads: 'num_attention_heads' },
  specs(c) {
    checkHeads(c, 'hidden_size', 'num_attention_heads');
    const s: Spec = new Map(),
      H = int(c, 'hidden_size');
    bertEmbeddingSpecs(s, c, 'bert', H);
    bertLayerSpecs(s, c, 'bert');
    lin(s, 'bert.pooler.dense', H, H);
    lin(s, 'classifier', H, int(c, 'num_labels'));
    return s;
  },
  encode: (x, ids, mask, types) => bertLayers(x, 'bert', bertEmbeddings(x, 'bert', ids, types), mask),
  head(x, h) {
    const pooled = tf.tanh(linear(x.P, firstToken(h), 'bert.pooler.dense'));
    return linear(x.P, x.drop(pooled, classifierDropout(x.c)), 'classifier');
  },
};

export const electra: Family = {
  model_type: 'electra',
  prefix: 'electra',
  architecture: 'ElectraForSequenceClassification',
  defaults: {
    ...BERT_LIKE_DEFAULTS,
    embedding_size: 128,
    hidden_size: 256,
    num_attention_heads: 4,
    intermediate_size: 1024,
  },
  keys: { hidden: 'hidden_size', layers: 'num_hidden_layers', heads: 'num_attention_heads' },
  specs(c) {
    checkHeads(c, 'hidden_size', 'num_attention_heads');
    const s: Spec = new Map(),
      H = int(c, 'hidden_size'),
      E = int(c, 'embedding_size');
    bertEmbeddingSpecs(s, c, 'electra', E);
    if (E !== H) lin(s, 'electra.embeddings_project', E, H);
    bertLayerSpecs(s, c, 'electra');
    lin(s, 'classifier.dense', H, H);
    lin(s, 'classifier.out_proj', H, int(c, 'num_labels'));
    return s;
  },
  encode(x, ids, mask, types) {
    let h = bertEmbeddings(x, 'electra', ids, types);
    if (int(x.c, 'embedding_size') !== int(x.c, 'hidden_size')) h = linear(x.P, h, 'electra.embeddings_project');
    return bertLayers(x, 'electra', h, mask);
  },
  head(x, h) {
    const p = classifierDropout(x.c);
    const y = gelu(linear(x.P, x.drop(firstToken(h), p), 'classifier.dense'));
    return linear(x.P, x.drop(y, p), 'classifier.out_proj');
  },
};

// ---- DistilBERT -----------------------------------------------------------------------------------------

export const distilbert: Family = {
  model_type: 'distilbert',
  prefix: 'distilbert',
  architecture: 'DistilBertForSequenceClassification',
  defaults: {
    vocab_size: 30522,
    max_position_embeddings: 512,
    sinusoidal_pos_embds: false,
    n_layers: 6,
    n_heads: 12,
    dim: 768,
    hidden_dim: 3072,
    dropout: 0.1,
    attention_dropout: 0.1,
    activation: 'gelu',
    initializer_range: 0.02,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    pad_token_id: 0,
  },
  keys: { hidden: 'dim', layers: 'n_layers', heads: 'n_heads' },
  specs(c) {
    checkHeads(c, 'dim', 'n_heads');
    const s: Spec = new Map(),
      D = int(c, 'dim'),
      I = int(c, 'hidden_dim');
    emb(s, 'distilbert.embeddings.word_embeddings', int(c, 'vocab_size'), D);
    emb(s, 'distilbert.embeddings.position_embeddings', int(c, 'max_position_embeddings'), D);
    norm(s, 'distilbert.embeddings.LayerNorm', D);
    for (let l = 0; l < int(c, 'n_layers'); l++) {
      const p = `distilbert.transformer.layer.${l}`;
      for (const n of ['q_lin', 'k_lin', 'v_lin', 'out_lin']) lin(s, `${p}.attention.${n}`, D, D);
      norm(s, `${p}.sa_layer_norm`, D);
      lin(s, `${p}.ffn.lin1`, D, I);
      lin(s, `${p}.ffn.lin2`, I, D);
      norm(s, `${p}.output_layer_norm`, D);
    }
    lin(s, 'pre_classifier', D, D);
    lin(s, 'classifier', D, int(c, 'num_labels'));
    return s;
  },
  encode(ctx, ids, mask) {
    const { P, c, drop } = ctx;
    const [B, T] = ids.shape;
    const nH = int(c, 'n_heads'),
      dH = int(c, 'dim') / nH,
      eps = 1e-12;
    const act = activation(c.activation ?? 'gelu', 'activation');
    const dp = rate(c, 'dropout'),
      att = rate(c, 'attention_dropout');
    const e = 'distilbert.embeddings';
    let h = tf.add(
      tf.gather(P(`${e}.word_embeddings.weight`), ids),
      tf.gather(P(`${e}.position_embeddings.weight`), tf.range(0, T, 1, 'int32')),
    );
    h = drop(layerNorm(h, P(`${e}.LayerNorm.weight`), P(`${e}.LayerNorm.bias`), eps), dp);
    const maskAdd = additiveMask(mask); // HF uses masked_fill(min); adding min gives the same float32 scores
    const fused = fusable(ctx, c.activation ?? 'gelu');
    for (let l = 0; l < int(c, 'n_layers'); l++) {
      const lp = `distilbert.transformer.layer.${l}`;
      const fusedNames = [
        'attention.q_lin',
        'attention.k_lin',
        'attention.v_lin',
        'attention.out_lin',
        'sa_layer_norm',
        'ffn.lin1',
        'ffn.lin2',
        'output_layer_norm',
      ].flatMap((n) => [`${lp}.${n}.weight`, `${lp}.${n}.bias`]);
      h = runLayer(ctx, l, `${lp}.`, h, maskAdd, (h, maskAdd, P, drop, seed) => {
        if (fused) {
          return fusedEncoderLayer(h, maskAdd, fusedNames.map(P), {
            heads: nH,
            eps,
            hiddenDropout: dp,
            attentionDropout: att,
            training: Boolean(ctx.training),
            seed,
            distil: true,
          });
        }
        const N = (x: tf.Tensor, n: string) => layerNorm(x, P(`${n}.weight`), P(`${n}.bias`), eps);
        const L = (x: tf.Tensor, n: string) => linear(P, x, n);
        const p = `${lp}.attention`;
        // DistilBERT scales q before the product, unlike BERT which scales the scores.
        const q = tf.div(splitHeads(L(h, `${p}.q_lin`), B, T, nH), Math.sqrt(dH));
        const k = splitHeads(L(h, `${p}.k_lin`), B, T, nH),
          v = splitHeads(L(h, `${p}.v_lin`), B, T, nH);
        const probs = drop(tf.softmax(tf.add(matMul(q, k, false, true), maskAdd), -1), att);
        const sa = N(tf.add(L(mergeHeads(matMul(probs, v), B, T), `${p}.out_lin`), h), `${lp}.sa_layer_norm`);
        const ffn = drop(L(act(L(sa, `${lp}.ffn.lin1`)), `${lp}.ffn.lin2`), dp);
        return N(tf.add(ffn, sa), `${lp}.output_layer_norm`);
      });
    }
    return h;
  },
  head(x, h) {
    const pooled = tf.relu(linear(x.P, firstToken(h), 'pre_classifier'));
    return linear(x.P, x.drop(pooled, rate(x.c, 'seq_classif_dropout')), 'classifier');
  },
};

export const FAMILIES: Record<ModelType, Family> = { bert, distilbert, electra };
