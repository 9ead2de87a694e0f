/**
 * The fused encoder layer (src/engine/fusedlayer.ts) as two ONNX graphs on onnxruntime-node: the forward pass
 * (returning what the backward pass reads) and the hand-written backward pass, op for op the same formulas.
 *
 * Why: with only the matrix products native, a KoELECTRA-small training step still spends about half its time in
 * tfjs-backend-wasm's elementwise kernels (exp, erf, adds, LayerNorm, softmax) and in the transposes and column
 * sums around the products (measured with tf.profile, batch 32, seq 64). In ORT all of that runs in MLAS's
 * vectorised kernels, and transposes fold into the products. What the backward pass reads stays in plain
 * Float32Arrays held by the gradient closure, never copied into the wasm heap: one copy out per tensor.
 *
 * Dropout masks come as plain arrays (drawn in JS by default, see `dropoutDraws` in fusedlayer.ts), once per
 * forward pass, and are fed to both graphs. Batch and sequence length are symbolic, so dynamic padding reuses one
 * session per layer shape. Used by `fusedEncoderLayer` whenever src/engine/nativematmul.ts says native kernels are
 * active.
 *
 * Introduced in notebooks/00_setup.ipynb (which backend runs, and how fast).
 */
import * as tf from '@tensorflow/tfjs';
import { ONNX_DTYPE, OnnxGraph } from '../util/onnxproto';
import { NativeSession, NativeTensor, NATIVE_ORT_VERSION, nativeSession } from './nativematmul';

/** What a layer graph depends on besides batch and sequence length. */
export interface NativeLayerShape {
  hidden: number;
  heads: number;
  eps: number;
  distil: boolean;
}
/** A layer's dropout multipliers as plain arrays: probs `[B, nH, T, T]`, the other two `[B, T, H]`; null: none. */
export type HostMasks = { probs: Float32Array | null; attnOut: Float32Array | null; ffn: Float32Array | null };

const W_NAMES = ['Wq', 'bq', 'Wk', 'bk', 'Wv', 'bv', 'Wo', 'bo', 'g1', 'be1', 'Wi', 'bi', 'Wo2', 'bo2', 'g2', 'be2'];
/** What the forward graph hands the backward graph (besides the layer input and the weights). */
const SAVED = ['qh', 'kh', 'vh', 'p', 'ctx', 'y1', 'xhat1', 'std1', 'i', 'xhat2', 'std2'];
/** The weights the backward graph reads. */
const BACK_W = ['Wq', 'Wk', 'Wv', 'Wo', 'g1', 'Wi', 'Wo2', 'g2'];
const GRADS = [
  'dx',
  'dWq',
  'dbq',
  'dWk',
  'dbk',
  'dWv',
  'dbv',
  'dWo',
  'dbo',
  'dg1',
  'dbe1',
  'dWi',
  'dbi',
  'dWo2',
  'dbo2',
  'dg2',
  'dbe2',
];

/** Graph-building helpers over symbolic [B, T, ·] activations. */
class LayerGraph {
  g = new OnnxGraph();
  constructor(readonly s: NativeLayerShape) {}
  get dH() {
    return this.s.hidden / this.s.heads;
  }
  op = (op: string, xs: string[], attrs = {}, out?: string) => this.g.op(op, xs, attrs, out);
  add = (a: string, b: string, out?: string) => this.op('Add', [a, b], {}, out);
  sub = (a: string, b: string) => this.op('Sub', [a, b]);
  mul = (a: string, b: string, out?: string) => this.op('Mul', [a, b], {}, out);
  div = (a: string, b: string, out?: string) => this.op('Div', [a, b], {}, out);
  mean = (x: string) => this.op('ReduceMean', [x], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  T = (x: string, perm: number[]) => this.op('Transpose', [x], { perm: { ints: perm } });
  /** x·W + b over [B, T, in]. */
  lin = (x: string, W: string, b: string, out?: string) => this.add(this.op('MatMul', [x, W]), b, out);
  /** d·Wᵀ: the input gradient of a Linear. */
  back = (d: string, W: string) => this.op('MatMul', [d, this.T(W, [1, 0])]);
  /** [B, T, H] → [B, nH, T, dH]. */
  split = (x: string, out?: string) =>
    this.op(
      'Transpose',
      [this.op('Reshape', [x, this.g.i64([0, 0, this.s.heads, this.dH])])],
      { perm: { ints: [0, 2, 1, 3] } },
      out,
    );
  /** [B, nH, T, dH] → [B, T, H]. */
  merge = (x: string, out?: string) =>
    this.op('Reshape', [this.T(x, [0, 2, 1, 3]), this.g.i64([0, 0, this.s.hidden])], {}, out);
  /** [B, T, X] → [B·T, X]. */
  rows = (x: string) => this.op('Flatten', [x], { axis: { i: 2 } });
  /** inᵀ·d summed over every row: a Linear's weight gradient. */
  dW = (x: string, d: string, out: string) => this.op('Gemm', [this.rows(x), this.rows(d)], { transA: { i: 1 } }, out);
  colSum = (d: string, out: string) => this.op('ReduceSum', [d, this.g.i64([0, 1])], { keepdims: { i: 0 } }, out);
  in = (name: string, dims: (number | string)[]) => this.g.input(name, ONNX_DTYPE.FLOAT, dims);
  out = (name: string) => this.g.output(name, ONNX_DTYPE.FLOAT, this.dims(name));
  /** Shapes of every tensor the two graphs exchange, by name. */
  dims(name: string): (number | string)[] {
    const H = this.s.hidden,
      nH = this.s.heads,
      dH = this.dH;
    if (name === 'p' || name === 'mProbs') return ['B', nH, 'T', 'T'];
    if (['qh', 'kh', 'vh'].includes(name)) return ['B', nH, 'T', dH];
    if (name.startsWith('std')) return ['B', 'T', 1];
    if (name === 'i') return ['B', 'T', 'I'];
    const w = name.startsWith('d') && W_NAMES.includes(name.slice(1)) ? name.slice(1) : name;
    if (W_NAMES.includes(w))
      return w === 'Wi' ? [H, 'I'] : w === 'Wo2' ? ['I', H] : w.startsWith('W') ? [H, H] : [w === 'bi' ? 'I' : H];
    return ['B', 'T', H];
  }
  /** LayerNorm as tf.moments computes it; returns y, x̂ and the standard deviation. */
  layerNorm(x: string, gamma: string, beta: string, names: [string, string, string?]) {
    const d = this.sub(x, this.mean(x));
    const std = this.op('Sqrt', [this.add(this.mean(this.mul(d, d)), this.g.f32(this.s.eps))], {}, names[1]);
    const xhat = this.div(d, std, names[0]);
    return { y: this.add(this.mul(xhat, gamma), beta, names[2]), xhat, std };
  }
  layerNormBack(dy: string, gamma: string, xhat: string, std: string, dg: string, db: string): string {
    const gh = this.mul(dy, gamma);
    const dx = this.div(this.sub(this.sub(gh, this.mean(gh)), this.mul(xhat, this.mean(this.mul(gh, xhat)))), std);
    this.colSum(this.mul(dy, xhat), dg);
    this.colSum(dy, db);
    return dx;
  }
  weights(names = W_NAMES) {
    return names.map((n) => this.in(n, this.dims(n)));
  }
  bytes(name: string): Uint8Array {
    return new Uint8Array(
      Buffer.concat(this.g.encode({ name, opset: 13, producer: 'hai-dialect-lab', version: NATIVE_ORT_VERSION })),
    );
  }
}

const maskKey = (m: { probs: boolean; attnOut: boolean; ffn: boolean }) => `${+m.probs}${+m.attnOut}${+m.ffn}`;

function forwardGraph(
  s: NativeLayerShape,
  m: { probs: boolean; attnOut: boolean; ffn: boolean },
  training: boolean,
): Uint8Array {
  const L = new LayerGraph(s),
    { g } = L;
  const scale = g.f32(Math.sqrt(L.dH));
  const x = L.in('x', ['B', 'T', s.hidden]),
    maskAdd = L.in('maskAdd', ['B', 1, 1, 'T']);
  const [Wq, bq, Wk, bk, Wv, bv, Wo, bo, g1, be1, Wi, bi, Wo2, bo2, g2, be2] = L.weights();
  const mp = m.probs ? L.in('mProbs', ['B', s.heads, 'T', 'T']) : null;
  const ma = m.attnOut ? L.in('mAttn', ['B', 'T', s.hidden]) : null;
  const mf = m.ffn ? L.in('mFfn', ['B', 'T', s.hidden]) : null;
  const kh = L.split(L.lin(x, Wk, bk), 'kh'),
    vh = L.split(L.lin(x, Wv, bv), 'vh');
  const qh = s.distil ? L.div(L.split(L.lin(x, Wq, bq)), scale, 'qh') : L.split(L.lin(x, Wq, bq), 'qh');
  let scores = L.op('MatMul', [qh, L.T(kh, [0, 1, 3, 2])]);
  if (!s.distil) scores = L.div(scores, scale);
  const p = L.op('Softmax', [L.add(scores, maskAdd)], { axis: { i: -1 } }, 'p');
  const ctx = L.merge(L.op('MatMul', [mp ? L.mul(p, mp) : p, vh]), 'ctx');
  let a = L.lin(ctx, Wo, bo);
  if (ma) a = L.mul(a, ma);
  const n1 = L.layerNorm(L.add(a, x), g1, be1, ['xhat1', 'std1', 'y1']);
  const i = L.lin(n1.y, Wi, bi, 'i');
  const gelu = L.mul(L.mul(i, g.f32(0.5)), L.add(g.f32(1), L.op('Erf', [L.mul(i, g.f32(Math.SQRT1_2))])));
  let o = L.lin(gelu, Wo2, bo2);
  if (mf) o = L.mul(o, mf);
  L.layerNorm(L.add(o, n1.y), g2, be2, ['xhat2', 'std2', 'y']);
  L.out('y');
  if (training) SAVED.forEach(L.out);
  return L.bytes(`hai_layer_forward_${training ? 'train' : 'eval'}_${maskKey(m)}`);
}

function backwardGraph(s: NativeLayerShape, m: { probs: boolean; attnOut: boolean; ffn: boolean }): Uint8Array {
  const L = new LayerGraph(s),
    { g } = L,
    H = s.hidden;
  const scale = g.f32(Math.sqrt(L.dH));
  const dy = L.in('dy', ['B', 'T', H]),
    x = L.in('x', ['B', 'T', H]);
  const [Wq, Wk, Wv, Wo, g1, Wi, Wo2, g2] = L.weights(BACK_W);
  const [qh, kh, vh, p, ctx, y1, xhat1, std1, i, xhat2, std2] = SAVED.map((n) => L.in(n, L.dims(n)));
  const mp = m.probs ? L.in('mProbs', L.dims('mProbs')) : null;
  const ma = m.attnOut ? L.in('mAttn', ['B', 'T', H]) : null;
  const mf = m.ffn ? L.in('mFfn', ['B', 'T', H]) : null;
  const cdf2 = L.add(g.f32(1), L.op('Erf', [L.mul(i, g.f32(Math.SQRT1_2))]));
  const gelu = L.mul(L.mul(i, g.f32(0.5)), cdf2);
  const geluGrad = L.add(
    L.mul(g.f32(0.5), cdf2),
    L.mul(i, L.mul(g.f32(1 / Math.sqrt(2 * Math.PI)), L.op('Exp', [L.mul(L.mul(i, i), g.f32(-0.5))]))),
  );
  const dh2 = L.layerNormBack(dy, g2, xhat2, std2, 'dg2', 'dbe2');
  const dO = mf ? L.mul(dh2, mf) : dh2;
  const dI = L.mul(L.back(dO, Wo2), geluGrad);
  const dh1 = L.layerNormBack(L.add(dh2, L.back(dI, Wi)), g1, xhat1, std1, 'dg1', 'dbe1');
  const dA = ma ? L.mul(dh1, ma) : dh1;
  const dCtx = L.split(L.back(dA, Wo));
  let dP = L.op('MatMul', [dCtx, L.T(vh, [0, 1, 3, 2])]);
  if (mp) dP = L.mul(dP, mp);
  const dvh = L.op('MatMul', [L.T(mp ? L.mul(p, mp) : p, [0, 1, 3, 2]), dCtx]);
  let dS = L.mul(p, L.sub(dP, L.op('ReduceSum', [L.mul(dP, p), g.i64([-1])], { keepdims: { i: 1 } })));
  if (!s.distil) dS = L.div(dS, scale);
  let dqh = L.op('MatMul', [dS, kh]);
  const dkh = L.op('MatMul', [L.T(dS, [0, 1, 3, 2]), qh]);
  if (s.distil) dqh = L.div(dqh, scale);
  const dq = L.merge(dqh),
    dk = L.merge(dkh),
    dv = L.merge(dvh);
  L.op('Sum', [dh1, L.back(dq, Wq), L.back(dk, Wk), L.back(dv, Wv)], {}, 'dx');
  L.dW(x, dq, 'dWq');
  L.colSum(dq, 'dbq');
  L.dW(x, dk, 'dWk');
  L.colSum(dk, 'dbk');
  L.dW(x, dv, 'dWv');
  L.colSum(dv, 'dbv');
  L.dW(ctx, dA, 'dWo');
  L.colSum(dA, 'dbo');
  L.dW(y1, dI, 'dWi');
  L.colSum(dI, 'dbi');
  L.dW(gelu, dO, 'dWo2');
  L.colSum(dO, 'dbo2');
  GRADS.forEach(L.out);
  return L.bytes(`hai_layer_backward_${maskKey(m)}`);
}

const sessions = new Map<string, NativeSession>();
function cached(key: string, build: () => Uint8Array): NativeSession {
  let s = sessions.get(key);
  if (!s) {
    s = nativeSession(build());
    sessions.set(key, s);
  }
  return s;
}

const host = (t: tf.Tensor): NativeTensor => ({ data: t.dataSync() as Float32Array, dims: [...t.shape] });
const toTensor = (t: NativeTensor, shape: number[]) => tf.tensor(t.data, shape, 'float32');

/**
 * The layer on onnxruntime-node: `h: [B, T, H]`, `maskAdd: [B, 1, 1, T]`, `w` in `FUSED_PARAMS` order, `masks`
 * drawn by the caller's function (fusedlayer.ts), once per call and kept for the backward pass.
 */
export function nativeEncoderLayer(
  h: tf.Tensor,
  maskAdd: tf.Tensor,
  w: tf.Tensor[],
  s: NativeLayerShape,
  training: boolean,
  masks: () => HostMasks,
): tf.Tensor {
  const key = `${s.hidden}/${s.heads}/${s.eps}/${s.distil}`;
  const [B, T] = h.shape;
  const feedMasks = (m: HostMasks) => {
    const f: Record<string, NativeTensor> = {};
    if (m.probs) f.mProbs = { data: m.probs, dims: [B, s.heads, T, T] };
    if (m.attnOut) f.mAttn = { data: m.attnOut, dims: h.shape };
    if (m.ffn) f.mFfn = { data: m.ffn, dims: h.shape };
    return f;
  };
  const op = tf.customGrad(((...args: unknown[]) => {
    args.pop(); // tfjs's save function: what the backward pass reads is held here, off the wasm heap
    const [hIn, mAdd, ...ws] = args as tf.Tensor[];
    const m = masks();
    const which = { probs: m.probs !== null, attnOut: m.attnOut !== null, ffn: m.ffn !== null };
    const feeds: Record<string, NativeTensor> = { x: host(hIn), maskAdd: host(mAdd), ...feedMasks(m) };
    ws.forEach((t, k) => {
      feeds[W_NAMES[k]] = host(t);
    });
    const forward = (train: boolean) =>
      cached(`f${+train}${maskKey(which)}/${key}`, () => forwardGraph(s, which, train)).run(
        feeds,
        train ? ['y', ...SAVED] : ['y'],
      );
    // Inference fetches only y; a gradient of an inference pass (tests, saliency) recomputes the rest: no dropout
    // there, so the same numbers.
    let out = forward(training);
    return {
      value: toTensor(out.y, hIn.shape),
      gradFunc: (dy: tf.Tensor) => {
        if (!training) out = forward(true);
        const bwd = cached(`b${maskKey(which)}/${key}`, () => backwardGraph(s, which));
        // The forward pass's dropout masks are kept (6 MB a layer at batch 32 × 64), not redrawn: drawing them is
        // tfjs work on the wasm kernels, as slow as a third of the native layer.
        const bf: Record<string, NativeTensor> = { dy: host(dy), x: feeds.x };
        for (const n of ['mProbs', 'mAttn', 'mFfn']) if (feeds[n]) bf[n] = feeds[n];
        for (const n of SAVED) bf[n] = out[n];
        for (const n of BACK_W) bf[n] = feeds[n];
        const gr = bwd.run(bf, GRADS);
        return [
          toTensor(gr.dx, hIn.shape),
          tf.zerosLike(mAdd),
          ...GRADS.slice(1).map((n, k) => toTensor(gr[n], ws[k].shape)),
        ];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (...xs: tf.Tensor[]) => tf.Tensor;
  return op(h, maskAdd, ...w);
}
