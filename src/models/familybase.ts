/**
 * What every family in src/models/families.ts is built from: the `Family` interface and the forward pass's `Ctx`,
 * the (optionally checkpointed) layer runner, the parameter-spec helpers and the tensor helpers the heads share.
 * Kept apart so that each family's file holds only its own config defaults, parameter names and layers.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ModelType, ParamSpec } from './config';
import { checkpoint } from '../engine/kernels';
import { fusesActivation } from '../engine/fusedlayer';

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

export type LayerBody = (
  h: tf.Tensor,
  maskAdd: tf.Tensor,
  P: (name: string) => tf.Tensor,
  drop: (x: tf.Tensor, rate: number) => tf.Tensor,
  seed: number,
) => tf.Tensor;

/**
 * Whether a layer with this activation can run fused: only HF's erf GELU is written out in
 * src/engine/fusedlayer.ts.
 */
export const fusable = (ctx: Ctx, act: unknown) => ctx.fused !== false && fusesActivation(act);

/**
 * One encoder layer, optionally checkpointed (`ctx.checkpoint`): its activations are dropped after the
 * forward pass and recomputed in the backward pass, so memory holds one layer's activations at a time.
 * Dropout seeds are fixed per layer, so the recomputation draws the same masks.
 */
export function runLayer(
  ctx: Ctx,
  l: number,
  prefix: string,
  h: tf.Tensor,
  maskAdd: tf.Tensor,
  body: LayerBody,
): tf.Tensor {
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

export const int = (c: ModelConfig, key: string): number => {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new Error(`config.json: ${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
};
export const rate = (c: ModelConfig, key: string, fallback?: string): number => {
  const v = c[key] ?? (fallback ? c[fallback] : undefined);
  return typeof v === 'number' ? v : 0;
};

export type Spec = Map<string, ParamSpec>;
export const lin = (s: Spec, name: string, i: number, o: number) => {
  s.set(`${name}.weight`, { shape: [i, o], kind: 'linear' });
  s.set(`${name}.bias`, { shape: [o], kind: 'bias' });
};
export const norm = (s: Spec, name: string, n: number) => {
  s.set(`${name}.weight`, { shape: [n], kind: 'norm_weight' });
  s.set(`${name}.bias`, { shape: [n], kind: 'norm_bias' });
};
export const emb = (s: Spec, name: string, n: number, d: number) =>
  s.set(`${name}.weight`, { shape: [n, d], kind: 'embedding' });

export function checkHeads(c: ModelConfig, hidden: string, heads: string): void {
  if (int(c, heads) === 0 || int(c, hidden) % int(c, heads) !== 0) {
    throw new Error(`config.json: ${hidden} ${c[hidden]} is not a multiple of ${heads} ${c[heads]}`);
  }
}

/** Splits `[B, T, H]` into `[B, nH, T, dH]`. */
export const splitHeads = (x: tf.Tensor, B: number, T: number, nH: number) =>
  tf.transpose(tf.reshape(x, [B, T, nH, x.shape[2]! / nH]), [0, 2, 1, 3]);
export const mergeHeads = (x: tf.Tensor, B: number, T: number) => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, T, -1]);
export const firstToken = (h: tf.Tensor) =>
  tf.reshape(tf.slice(h, [0, 0, 0], [h.shape[0], 1, h.shape[2]!]), [h.shape[0], h.shape[2]!]);
