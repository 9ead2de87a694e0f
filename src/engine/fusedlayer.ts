/**
 * One transformer encoder layer (BERT/ELECTRA's, or DistilBERT's) as a single differentiable op with a
 * hand-written backward pass.
 *
 * Why: tfjs-core's autodiff keeps every intermediate gradient of the whole model alive until the backward
 * pass ends, on top of every tensor each op saved. For KoELECTRA-small (batch 32, seq 64) that is about
 * 450 MB per layer, so 12 layers do not fit in the wasm backend's 4 GB heap, and recomputing layers
 * (activation checkpointing, src/engine/kernels.ts) costs a fourth of the step. Here the forward pass keeps only
 * what the backward pass reads (about 40 MB per layer at that shape), dropout masks are redrawn from their
 * seeds instead of stored, and the backward pass runs in its own `tf.tidy`, so its temporaries die with it.
 * It is also fewer kernels than autodiff's (LayerNorm's gradient is 8 ops here, ~25 there).
 *
 * Same numbers as the op-by-op layer in src/models/families.ts (same ops in the same order in the forward pass,
 * same dropout draws; gradients agree to float32 rounding, tested). Only the erf GELU that every model of
 * the course uses is fused; any other `hidden_act` takes the op-by-op path.
 *
 * Introduced in notebooks/00_setup.ipynb (speed and memory on the wasm backend).
 */
import * as tf from '@tensorflow/tfjs';
import { columnSum, product, swapLast2 } from './kernels';
import { nativeActive } from './nativematmul';
import { HostMasks, nativeEncoderLayer } from './nativelayer';
import { dropoutMask } from '../util/random';

export interface FusedLayerSpec {
  heads: number;
  eps: number;
  /** Dropout after the attention output (BERT/ELECTRA; DistilBERT has none there) and after the FFN. */
  hiddenDropout: number;
  attentionDropout: number;
  training: boolean;
  /** First dropout seed of this layer; draws use seed, seed+1, … in forward order, as src/models/families.ts does. */
  seed: number;
  /** DistilBERT: q is scaled before the product (BERT scales the scores), no dropout after the attention output. */
  distil: boolean;
}

/**
 * Whether layers with this activation (a config's `hidden_act` / `activation`) can run fused: only HF's erf
 * GELU is written out here.
 */
export const fusesActivation = (act: unknown): boolean => act === 'gelu' || act === 'gelu_python';

/** Parameter order of `fusedEncoderLayer`'s `w`. */
export const FUSED_PARAMS = [
  'q.w',
  'q.b',
  'k.w',
  'k.b',
  'v.w',
  'v.b',
  'o.w',
  'o.b',
  'ln1.g',
  'ln1.b',
  'ffn1.w',
  'ffn1.b',
  'ffn2.w',
  'ffn2.b',
  'ln2.g',
  'ln2.b',
] as const;

/**
 * Who draws the fused layers' dropout masks: `tfjs` (tf.randomUniform from the layer's seeds: the same draws as the
 * op-by-op layers in src/models/families.ts) or `js` (src/util/random.ts `dropoutMask`: the same distribution, other
 * draws, 3.5 times faster and already off the wasm heap). `null` (the default): `js` where the layer runs on
 * onnxruntime-node, `tfjs` elsewhere. Tests set `tfjs` to compare the native and wasm paths draw for draw.
 */
let drawsOverride: 'tfjs' | 'js' | null = null;
export function setDropoutDraws(d: 'tfjs' | 'js' | null): void {
  drawsOverride = d;
}
export const dropoutDraws = (native = nativeActive()): 'tfjs' | 'js' => drawsOverride ?? (native ? 'js' : 'tfjs');
/** One dropout mask of a layer: its shape, rate and seed. */
type MaskSpec = { shape: number[]; rate: number; seed: number };
const jsMask = (m: MaskSpec) =>
  dropoutMask(
    m.shape.reduce((a, b) => a * b, 1),
    m.rate,
    m.seed,
  );

/** tf.dropout's multiplier, drawn the same way: floor(U[0,1) + keep) / keep. */
function dropMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const keep = 1 - rate;
  return tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep);
}

const lin = (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) => tf.add(product(x, W), b);

/**
 * LayerNorm as src/models/modeling.ts computes it, also returning x̂ and the standard deviation for the
 * backward pass.
 */
function layerNormParts(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) {
  const { mean, variance } = tf.moments(x, -1, true);
  const std = tf.sqrt(tf.add(variance, eps));
  const xhat = tf.div(tf.sub(x, mean), std);
  return { y: tf.add(tf.mul(xhat, g), b), xhat, std };
}

/**
 * dL/dx of LayerNorm from dL/dy: (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) / std with ĝ = dy·γ; and γ, β gradients.
 */
function layerNormBackward(
  dy: tf.Tensor,
  g: tf.Tensor,
  xhat: tf.Tensor,
  std: tf.Tensor,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const gh = tf.mul(dy, g);
  const dx = tf.div(tf.sub(tf.sub(gh, tf.mean(gh, -1, true)), tf.mul(xhat, tf.mean(tf.mul(gh, xhat), -1, true))), std);
  return [dx, columnSum(tf.mul(dy, xhat)), columnSum(dy)];
}

/**
 * GELU (erf) with the same ops as src/models/modeling.ts, also returning 1 + erf(x/√2) = 2Φ(x), which the backward
 * pass reuses (one erf fewer per layer), and GELU's derivative Φ(x) + x·φ(x).
 */
function geluParts(x: tf.Tensor): { y: tf.Tensor; cdf2: tf.Tensor } {
  const cdf2 = tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)));
  return { y: tf.mul(tf.mul(x, 0.5), cdf2), cdf2 };
}
const geluGrad = (x: tf.Tensor, cdf2: tf.Tensor) =>
  tf.add(tf.mul(0.5, cdf2), tf.mul(x, tf.mul(1 / Math.sqrt(2 * Math.PI), tf.exp(tf.mul(tf.square(x), -0.5)))));

/**
 * `h: [B, T, H]`, `maskAdd: [B, 1, 1, T]` (src/models/modeling.ts `additiveMask`), `w`: the 16 tensors named by
 * `FUSED_PARAMS` (Linear weights `[in, out]`). Returns the layer's output `[B, T, H]`.
 */
export function fusedEncoderLayer(h: tf.Tensor, maskAdd: tf.Tensor, w: tf.Tensor[], s: FusedLayerSpec): tf.Tensor {
  if (w.length !== FUSED_PARAMS.length)
    throw new Error(`fusedEncoderLayer: expected ${FUSED_PARAMS.length} parameters, got ${w.length}`);
  const [B, T, H] = h.shape as [number, number, number];
  const N = B * T,
    nH = s.heads,
    dH = H / nH,
    scale = Math.sqrt(dH);
  const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, T, nH, dH]), [0, 2, 1, 3]);
  const merge = (x: tf.Tensor) => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [N, H]);
  // Seeds in the order src/models/families.ts draws them: probs, [attention output], FFN output.
  const seeds = { probs: s.seed, attnOut: s.seed + 1, ffn: s.seed + (s.distil ? 1 : 2) };
  const useAtt = s.training && s.attentionDropout > 0,
    useHid = s.training && s.hiddenDropout > 0;
  const native = nativeActive();
  const js = dropoutDraws(native) === 'js';
  // The layer's three masks, drawn as tensors (the wasm path) or as plain arrays (the native path).
  const spec = {
    probs: useAtt ? { shape: [B, nH, T, T], rate: s.attentionDropout, seed: seeds.probs } : null,
    attnOut: useHid && !s.distil ? { shape: [N, H], rate: s.hiddenDropout, seed: seeds.attnOut } : null,
    ffn: useHid ? { shape: [N, H], rate: s.hiddenDropout, seed: seeds.ffn } : null,
  };
  const each = <R>(f: (m: MaskSpec) => R) => ({
    probs: spec.probs && f(spec.probs),
    attnOut: spec.attnOut && f(spec.attnOut),
    ffn: spec.ffn && f(spec.ffn),
  });
  const masks = () => each((m) => (js ? tf.tensor(jsMask(m), m.shape) : dropMask(m.shape, m.rate, m.seed)));

  // On the wasm backend with onnxruntime-node: the same layer as two native graphs (src/engine/nativelayer.ts), its
  // masks as plain arrays (drawn in JS, or by tfjs and copied off the heap).
  if (native) {
    const hostMasks = (): HostMasks =>
      each((m) => {
        if (js) return jsMask(m);
        const t = tf.tidy(() => dropMask(m.shape, m.rate, m.seed));
        const values = t.dataSync() as Float32Array;
        t.dispose();
        return values;
      });
    return nativeEncoderLayer(
      h,
      maskAdd,
      w,
      { hidden: H, heads: nH, eps: s.eps, distil: s.distil },
      s.training,
      hostMasks,
    );
  }

  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [hIn, mAdd, Wq, bq, Wk, bk, Wv, bv, Wo, bo, g1, be1, Wi, bi, Wo2, bo2, g2, be2] = args as tf.Tensor[];
    const kept = tf.tidy(() => {
      const m = masks();
      const x = tf.reshape(hIn, [N, H]);
      let qh = split(lin(x, Wq, bq));
      const kh = split(lin(x, Wk, bk)),
        vh = split(lin(x, Wv, bv));
      if (s.distil) qh = tf.div(qh, scale);
      let scores = product(qh, swapLast2(kh));
      if (!s.distil) scores = tf.div(scores, scale);
      const p = tf.softmax(tf.add(scores, mAdd), -1);
      const ctx = merge(product(m.probs ? tf.mul(p, m.probs) : p, vh));
      let a = lin(ctx, Wo, bo);
      if (m.attnOut) a = tf.mul(a, m.attnOut);
      const n1 = layerNormParts(tf.add(a, x), g1, be1, s.eps);
      const i = lin(n1.y, Wi, bi),
        { y: g, cdf2 } = geluParts(i);
      let o = lin(g, Wo2, bo2);
      if (m.ffn) o = tf.mul(o, m.ffn);
      const n2 = layerNormParts(tf.add(o, n1.y), g2, be2, s.eps);
      return [tf.reshape(n2.y, [B, T, H]), x, qh, kh, vh, p, ctx, n1.y, n1.xhat, n1.std, i, g, cdf2, n2.xhat, n2.std];
    });
    save(kept.slice(1));
    return {
      value: kept[0],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [x, qh, kh, vh, p, ctx, y1, xhat1, std1, i, g, cdf2, xhat2, std2] = saved;
          const m = masks();
          const xT = swapLast2(x);
          const dW = (inT: tf.Tensor, d: tf.Tensor) => product(inT, d);
          const back = (d: tf.Tensor, W: tf.Tensor) => product(d, swapLast2(W));
          // Second LayerNorm and the FFN.
          const [dh2, dg2, dbe2] = layerNormBackward(tf.reshape(dy, [N, H]), g2, xhat2, std2);
          const dO = m.ffn ? tf.mul(dh2, m.ffn) : dh2;
          const dI = tf.mul(back(dO, Wo2), geluGrad(i, cdf2));
          const dy1 = tf.add(dh2, back(dI, Wi));
          // First LayerNorm and the attention output.
          const [dh1, dg1, dbe1] = layerNormBackward(dy1, g1, xhat1, std1);
          const dA = m.attnOut ? tf.mul(dh1, m.attnOut) : dh1;
          const dCtx = split(back(dA, Wo));
          const pd = m.probs ? tf.mul(p, m.probs) : p;
          let dP = product(dCtx, swapLast2(vh));
          if (m.probs) dP = tf.mul(dP, m.probs);
          const dvh = product(swapLast2(pd), dCtx);
          let dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true))); // softmax's backward
          if (!s.distil) dS = tf.div(dS, scale);
          let dqh = product(dS, kh);
          const dkh = product(swapLast2(dS), qh);
          if (s.distil) dqh = tf.div(dqh, scale);
          const dq = merge(dqh),
            dk = merge(dkh),
            dv = merge(dvh);
          const dx = tf.addN([dh1, back(dq, Wq), back(dk, Wk), back(dv, Wv)]);
          return [
            tf.reshape(dx, [B, T, H]),
            tf.zerosLike(mAdd),
            dW(xT, dq),
            columnSum(dq),
            dW(xT, dk),
            columnSum(dk),
            dW(xT, dv),
            columnSum(dv),
            dW(swapLast2(ctx), dA),
            columnSum(dA),
            dg1,
            dbe1,
            dW(swapLast2(y1), dI),
            columnSum(dI),
            dW(swapLast2(g), dO),
            columnSum(dO),
            dg2,
            dbe2,
          ];
        }),
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (...xs: tf.Tensor[]) => tf.Tensor;
  return op(h, maskAdd, ...w);
}
