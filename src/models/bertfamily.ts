/**
 * BERT (`bert`, BertForSequenceClassification) and ELECTRA (`electra`, ElectraForSequenceClassification), which
 * share embeddings and post-LN layers: their config defaults, parameter names, forward pass and heads.
 * The family list and the other family's notes are in src/models/families.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { activation, additiveMask, gelu, layerNorm, linear } from './numerics';
import { matMul } from '../engine/kernels';
import { fusedEncoderLayer } from '../engine/fusedlayer';
import {
  Ctx,
  Family,
  Spec,
  checkHeads,
  emb,
  firstToken,
  fusable,
  int,
  lin,
  mergeHeads,
  norm,
  rate,
  runLayer,
  splitHeads,
} from './familybase';

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
