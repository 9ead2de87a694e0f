/**
 * DistilBERT (`distilbert`, DistilBertForSequenceClassification): its config defaults, parameter names
 * (`q_lin`/`k_lin`/`v_lin`/`out_lin`), forward pass (no token types, q scaled before the product) and head.
 * The family list is in src/models/families.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, additiveMask, layerNorm, linear } from './numerics';
import { matMul } from '../engine/kernels';
import { fusedEncoderLayer } from '../engine/fusedlayer';
import {
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
