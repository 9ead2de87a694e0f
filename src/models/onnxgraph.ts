/**
 * The inference graph of a BERT, DistilBERT or ELECTRA classifier as ONNX (opset 13), op for op what
 * src/models/families.ts computes in eval mode: HF's embedding sum order, LayerNorm with biased variance and the
 * config's eps (1e-12 for DistilBERT), the additive padding mask with float32 min, BERT's scaling of the scores
 * vs DistilBERT's scaling of q, GELU with erf (or the config's activation), and each family's head.
 *
 * Inputs are int64 `input_ids`, `attention_mask` and, for BERT and ELECTRA, `token_type_ids` (what transformers.js
 * feeds, and Hugging Face's own exports name them so); the output is `logits` `[batch_size, num_labels]`. Dropout is
 * absent: this is the eval-mode forward pass. Weights keep their state-dict names; Linear weights are stored
 * `[in, out]`, the layout the kit already holds and ONNX's MatMul wants.
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */
import { ONNX_DTYPE, OnnxGraph } from '../util/onnxproto';
import { MASK_MIN } from './numerics';
import type { ModelConfig } from './config';

/** A parameter's values in the kit's layout (Linear `[in, out]`), by state-dict name. */
export type ParamSource = (name: string) => { data: Float32Array; shape: number[] };

const int = (c: ModelConfig, k: string) => {
  const v = c[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new Error(`config: ${k} must be a positive integer for the ONNX export, got ${JSON.stringify(v)}`);
  return v;
};

class Builder {
  readonly g = new OnnxGraph();
  constructor(private readonly P: ParamSource) {}

  w(name: string): string {
    const p = this.P(name);
    return this.g.init(name, p.data, p.shape);
  }
  add = (a: string, b: string) => this.g.op('Add', [a, b]);
  mul = (a: string, b: string) => this.g.op('Mul', [a, b]);

  linear(x: string, name: string): string {
    return this.add(this.g.op('MatMul', [x, this.w(`${name}.weight`)]), this.w(`${name}.bias`));
  }

  /**
   * torch.nn.LayerNorm over the last axis: (x - mean) / sqrt(var + eps) · γ + β, biased variance
   * (as tf.moments).
   */
  layerNorm(x: string, name: string, eps: number): string {
    const { g } = this;
    const d = g.op('Sub', [x, g.op('ReduceMean', [x], { axes: { ints: [-1] }, keepdims: { i: 1 } })]);
    const v = g.op('ReduceMean', [this.mul(d, d)], { axes: { ints: [-1] }, keepdims: { i: 1 } });
    const y = g.op('Div', [d, g.op('Sqrt', [this.add(v, g.f32(eps))])]);
    return this.add(this.mul(y, this.w(`${name}.weight`)), this.w(`${name}.bias`));
  }

  /** HF's ACT2FN, as src/models/numerics.ts writes each one. */
  act(x: string, name: unknown, key: string): string {
    const { g } = this;
    switch (name) {
      case 'gelu':
      case 'gelu_python': // x · 0.5 · (1 + erf(x / √2))
        return this.mul(this.mul(x, g.f32(0.5)), this.add(g.f32(1), g.op('Erf', [this.mul(x, g.f32(Math.SQRT1_2))])));
      case 'gelu_new':
      case 'gelu_pytorch_tanh':
      case 'gelu_fast': {
        const inner = this.mul(
          g.f32(Math.sqrt(2 / Math.PI)),
          this.add(x, this.mul(g.f32(0.044715), g.op('Pow', [x, g.f32(3)]))),
        );
        return this.mul(this.mul(x, g.f32(0.5)), this.add(g.f32(1), g.op('Tanh', [inner])));
      }
      case 'relu':
        return g.op('Relu', [x]);
      case 'silu':
      case 'swish':
        return this.mul(x, g.op('Sigmoid', [x]));
      case 'tanh':
        return g.op('Tanh', [x]);
      case 'quick_gelu':
        return this.mul(x, g.op('Sigmoid', [this.mul(g.f32(1.702), x)]));
      default:
        throw new Error(
          `config: ${key} '${String(name)}' has no ONNX export ` +
            '(gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, quick_gelu)',
        );
    }
  }

  /** `[B, T, H]` → `[B, nH, T, dH]` (or `[B, nH, dH, T]` with `keys`, ready for q · kᵀ). */
  heads(x: string, nH: number, dH: number, keys = false): string {
    return this.g.op('Transpose', [this.g.op('Reshape', [x, this.g.i64([0, 0, nH, dH])])], {
      perm: { ints: keys ? [0, 2, 3, 1] : [0, 2, 1, 3] },
    });
  }
  mergeHeads(x: string): string {
    return this.g.op('Reshape', [
      this.g.op('Transpose', [x], { perm: { ints: [0, 2, 1, 3] } }),
      this.g.i64([0, 0, -1]),
    ]);
  }

  /** softmax(scores + mask) · v, heads merged back to `[B, T, H]`. */
  attend(scores: string, maskAdd: string, v: string): string {
    return this.mergeHeads(
      this.g.op('MatMul', [this.g.op('Softmax', [this.add(scores, maskAdd)], { axis: { i: -1 } }), v]),
    );
  }

  /** `[B, 1, 1, T]`: 0 where attended, float32 min where padded (additiveMask). */
  maskAdd(mask: string): string {
    const { g } = this;
    const m = this.mul(g.op('Sub', [g.f32(1), g.op('Cast', [mask], { to: { i: ONNX_DTYPE.FLOAT } })]), g.f32(MASK_MIN));
    return g.op('Unsqueeze', [m, g.i64([1, 2])]);
  }

  /** The position embeddings of 0..T-1, T read from input_ids at run time. */
  positions(ids: string, table: string): string {
    const { g } = this;
    const T = g.op('Gather', [g.op('Shape', [ids]), g.i64(1)], { axis: { i: 0 } });
    return g.op('Gather', [this.w(table), g.op('Range', [g.i64(0), T, g.i64(1)])], { axis: { i: 0 } });
  }

  /** `h[:, 0]`: the [CLS] position. */
  firstToken = (h: string) => this.g.op('Gather', [h, this.g.i64(0)], { axis: { i: 1 } });
  gather = (table: string, ids: string) => this.g.op('Gather', [this.w(table), ids], { axis: { i: 0 } });
}

function bertLike(b: Builder, c: ModelConfig, base: string, ids: string, mask: string, types: string): string {
  const { g } = b;
  const H = int(c, 'hidden_size'),
    nH = int(c, 'num_attention_heads'),
    dH = H / nH,
    eps = Number(c.layer_norm_eps);
  if (!Number.isInteger(dH)) throw new Error(`config: hidden_size ${H} is not a multiple of num_attention_heads ${nH}`);
  if (c.position_embedding_type !== undefined && c.position_embedding_type !== 'absolute') {
    throw new Error(
      `config: position_embedding_type '${String(c.position_embedding_type)}' has no ONNX export ` +
        "(only 'absolute', as the kit runs)",
    );
  }
  const e = `${base}.embeddings`;
  // HF's order: (inputs_embeds + token_type_embeddings) + position_embeddings.
  let h = b.add(
    b.add(b.gather(`${e}.word_embeddings.weight`, ids), b.gather(`${e}.token_type_embeddings.weight`, types)),
    b.positions(ids, `${e}.position_embeddings.weight`),
  );
  h = b.layerNorm(h, `${e}.LayerNorm`, eps);
  if (base === 'electra' && int(c, 'embedding_size') !== H) h = b.linear(h, 'electra.embeddings_project');
  const maskAdd = b.maskAdd(mask);
  for (let l = 0; l < int(c, 'num_hidden_layers'); l++) {
    const p = `${base}.encoder.layer.${l}`;
    const q = b.heads(b.linear(h, `${p}.attention.self.query`), nH, dH);
    const kT = b.heads(b.linear(h, `${p}.attention.self.key`), nH, dH, true);
    const v = b.heads(b.linear(h, `${p}.attention.self.value`), nH, dH);
    const scores = g.op('Div', [g.op('MatMul', [q, kT]), g.f32(Math.sqrt(dH))]);
    const ctx = b.attend(scores, maskAdd, v);
    const attn = b.layerNorm(
      b.add(b.linear(ctx, `${p}.attention.output.dense`), h),
      `${p}.attention.output.LayerNorm`,
      eps,
    );
    const ff = b.linear(
      b.act(b.linear(attn, `${p}.intermediate.dense`), c.hidden_act ?? 'gelu', 'hidden_act'),
      `${p}.output.dense`,
    );
    h = b.layerNorm(b.add(ff, attn), `${p}.output.LayerNorm`, eps);
  }
  return h;
}

function distilbert(b: Builder, c: ModelConfig, ids: string, mask: string): string {
  const { g } = b;
  const D = int(c, 'dim'),
    nH = int(c, 'n_heads'),
    dH = D / nH,
    eps = 1e-12; // DistilBERT's LayerNorms are fixed at 1e-12
  if (!Number.isInteger(dH)) throw new Error(`config: dim ${D} is not a multiple of n_heads ${nH}`);
  const e = 'distilbert.embeddings';
  let h = b.layerNorm(
    b.add(b.gather(`${e}.word_embeddings.weight`, ids), b.positions(ids, `${e}.position_embeddings.weight`)),
    `${e}.LayerNorm`,
    eps,
  );
  const maskAdd = b.maskAdd(mask);
  for (let l = 0; l < int(c, 'n_layers'); l++) {
    const p = `distilbert.transformer.layer.${l}`;
    // DistilBERT scales q before the product, unlike BERT which scales the scores.
    const q = g.op('Div', [b.heads(b.linear(h, `${p}.attention.q_lin`), nH, dH), g.f32(Math.sqrt(dH))]);
    const kT = b.heads(b.linear(h, `${p}.attention.k_lin`), nH, dH, true);
    const v = b.heads(b.linear(h, `${p}.attention.v_lin`), nH, dH);
    const ctx = b.attend(g.op('MatMul', [q, kT]), maskAdd, v);
    const sa = b.layerNorm(b.add(b.linear(ctx, `${p}.attention.out_lin`), h), `${p}.sa_layer_norm`, eps);
    const ffn = b.linear(b.act(b.linear(sa, `${p}.ffn.lin1`), c.activation ?? 'gelu', 'activation'), `${p}.ffn.lin2`);
    h = b.layerNorm(b.add(ffn, sa), `${p}.output_layer_norm`, eps);
  }
  return h;
}

/** Which inputs the exported graph takes, by model type (DistilBERT has no token types). */
export const onnxInputNames = (modelType: string): string[] =>
  modelType === 'distilbert' ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids'];

/** The ModelProto of a classifier, as byte chunks (write them with `writeBytesAtomic`). */
export function buildOnnxClassifier(
  c: ModelConfig,
  P: ParamSource,
  o: { producer: string; version: string },
): Uint8Array[] {
  const b = new Builder(P);
  const { g } = b;
  const dims = ['batch_size', 'sequence_length'];
  const ids = g.input('input_ids', ONNX_DTYPE.INT64, dims),
    mask = g.input('attention_mask', ONNX_DTYPE.INT64, dims);
  // DistilBERT's sinusoidal table (sinusoidal_pos_embds) is stored as position_embeddings.weight: it exports as a
  // table too.
  let logits: string;
  if (c.model_type === 'bert' || c.model_type === 'electra') {
    const types = g.input('token_type_ids', ONNX_DTYPE.INT64, dims);
    const h = bertLike(b, c, c.model_type, ids, mask, types);
    if (c.model_type === 'bert') {
      const pooled = g.op('Tanh', [b.linear(b.firstToken(h), 'bert.pooler.dense')]);
      logits = g.op('Add', [g.op('MatMul', [pooled, b.w('classifier.weight')]), b.w('classifier.bias')], {}, 'logits');
    } else {
      const y = b.act(b.linear(b.firstToken(h), 'classifier.dense'), 'gelu', 'classifier activation');
      logits = g.op(
        'Add',
        [g.op('MatMul', [y, b.w('classifier.out_proj.weight')]), b.w('classifier.out_proj.bias')],
        {},
        'logits',
      );
    }
  } else if (c.model_type === 'distilbert') {
    const h = distilbert(b, c, ids, mask);
    const pooled = g.op('Relu', [b.linear(b.firstToken(h), 'pre_classifier')]);
    logits = g.op('Add', [g.op('MatMul', [pooled, b.w('classifier.weight')]), b.w('classifier.bias')], {}, 'logits');
  } else {
    throw new Error(`config: model_type '${c.model_type}' has no ONNX export (bert, distilbert, electra)`);
  }
  g.output(logits, ONNX_DTYPE.FLOAT, ['batch_size', int(c, 'num_labels')]);
  return g.encode({
    name: `${c.model_type}_for_sequence_classification`,
    opset: 13,
    producer: o.producer,
    version: o.version,
    doc:
      `${String(c.architectures ?? c.model_type)} exported for inference (eval mode, no dropout) ` +
      'by hai export --onnx',
  });
}
