/**
 * Kernels that `@tensorflow/tfjs-backend-wasm` 4.22 lacks or runs slowly, and the differentiable ops built on
 * them (`matMul`, `linear2d`, `swapLast2`, `columnSum`, activation `checkpoint`); every other backend gets
 * tfjs's own ops. All use public tfjs APIs, except `checkpoint` (one engine field, version-pinned below).
 *
 * `UnsortedSegmentSum` is the gradient of `tf.gather`, so without it the embedding lookup of every model
 * in this course cannot be trained on wasm ("Kernel 'UnsortedSegmentSum' not registered for backend
 * 'wasm'"). The kernel runs in JavaScript over views of the wasm heap: it is O(tokens × hidden), the same
 * work as the forward gather, so it is not the bottleneck of a training step.
 *
 * Introduced in notebooks/00_setup.ipynb (which backend runs, and why).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fastBatchMatMul } from './wasmfast';
import { nativeProduct } from './nativematmul';

type Inputs = { x: tf.TensorInfo; segmentIds: tf.TensorInfo };

/** out[segmentIds[i], ...] += x[i, ...]; rows whose id is outside [0, numSegments) are dropped, as in TF. */
export function unsortedSegmentSumWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, segmentIds } = args.inputs as unknown as Inputs;
  const backend = args.backend as BackendWasm;
  const numSegments = Number((args.attrs as { numSegments: number }).numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const total = x.shape.reduce((a, b) => a * b, 1);
  const inner = rows === 0 ? 0 : total / rows;
  if (!Number.isInteger(inner) || x.shape.slice(0, segmentIds.shape.length).join() !== segmentIds.shape.join()) {
    throw new Error(
      `UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after makeOutput: allocating may grow the wasm memory and detach older views.
  const outVals = backend.typedArrayFromHeap(out);
  const xVals = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  outVals.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outVals[dst + j] += xVals[src + j];
  }
  return out;
}

/**
 * `swapLast2(x)` = `tf.transpose(x, [..., r-1, r-2])` in JavaScript over the wasm heap, in 16×16 tiles. The
 * wasm backend's Transpose walks the output in order and strides through the input, which misses the cache
 * at these sizes: `[2048, 1024]` takes 21.6 ms there and 5.3 ms here. Every weight gradient needs one
 * (dW = xᵀ·dy), so a 12-layer step runs 100 of them.
 */
export function swapLast2Wasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as BackendWasm;
  const r = x.shape.length,
    R = x.shape[r - 2],
    C = x.shape[r - 1],
    n = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...x.shape.slice(0, -2), C, R], x.dtype);
  const o = backend.typedArrayFromHeap(out),
    a = backend.typedArrayFromHeap(x);
  const T = 16;
  for (let m = 0; m < n; m++) {
    const base = m * R * C;
    for (let i0 = 0; i0 < R; i0 += T) {
      const i1 = Math.min(i0 + T, R);
      for (let j0 = 0; j0 < C; j0 += T) {
        const j1 = Math.min(j0 + T, C);
        for (let i = i0; i < i1; i++) {
          const src = base + i * C;
          for (let j = j0; j < j1; j++) o[base + j * R + i] = a[src + j];
        }
      }
    }
  }
  return out;
}

/**
 * Sum over every axis but the last (`[..., C]` → `[C]`): the gradient of a bias. The wasm Sum kernel reduces
 * the last axis only, so tfjs transposes first; this reads the rows in order instead (4.2 ms → well under
 * 1 ms at `[2048, 256]`). Accumulates in float64, then rounds once.
 */
export function columnSumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const backend = args.backend as BackendWasm;
  const C = x.shape[x.shape.length - 1],
    rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const acc = new Float64Array(C);
  const out = backend.makeOutput([C], 'float32');
  const o = backend.typedArrayFromHeap(out),
    a = backend.typedArrayFromHeap(x);
  for (let i = 0; i < rows; i++) {
    const src = i * C;
    for (let j = 0; j < C; j++) acc[j] += a[src + j];
  }
  o.set(acc);
  return out;
}

export const SWAP_LAST2 = 'HaiSwapLast2';
export const COLUMN_SUM = 'HaiColumnSum';

/** The kernels this module adds, by backend. `registerExtraKernels` is idempotent. */
export const EXTRA_KERNELS: tf.KernelConfig[] = [
  {
    kernelName: tf.UnsortedSegmentSum,
    backendName: 'wasm',
    kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
  },
  { kernelName: SWAP_LAST2, backendName: 'wasm', kernelFunc: swapLast2Wasm as unknown as tf.KernelFunc },
  { kernelName: COLUMN_SUM, backendName: 'wasm', kernelFunc: columnSumWasm as unknown as tf.KernelFunc },
];

export function registerExtraKernels(): string[] {
  const added: string[] = [];
  for (const k of EXTRA_KERNELS) {
    if (tf.getKernel(k.kernelName, k.backendName) == null) {
      tf.registerKernel(k);
      added.push(`${k.kernelName}@${k.backendName}`);
    }
  }
  return added;
}

/**
 * Matrix products kept off tfjs-backend-wasm's slow path. Its BatchMatMul kernel runs a transpose flag
 * (which every backward matmul carries: dA = dY·Bᵀ, dB = Aᵀ·dY) in a scalar loop several times slower than
 * the XNNPACK path. So on wasm, transposes are materialised (Transpose is a fast kernel) and the gradient is
 * written with explicit transposes too (`tf.customGrad`), so the backward pass never sets a flag.
 * Measured on a 2-layer KoELECTRA-small-shaped step (batch 32, seq 64): 7.8 s → about 1.1 s. Batched products
 * (attention) also take the fast path, slice by slice, through src/engine/wasmfast.ts (6x at attention sizes).
 * Other backends get `tf.matMul` unchanged.
 */
const onWasm = () => tf.getBackend() === 'wasm';
/** Swaps the last two axes (float32 on wasm: the tiled kernel above; its gradient is itself). */
export function swapLast2(x: tf.Tensor): tf.Tensor {
  if (!onWasm() || x.dtype !== 'float32' || tf.getKernel(SWAP_LAST2, 'wasm') == null)
    return tf.transpose(x, [...Array(x.rank - 2).keys(), x.rank - 1, x.rank - 2]);
  return swapGrad(x);
}
const swapGrad = tf.customGrad(((...args: unknown[]) => {
  const x = args[0] as tf.Tensor;
  return {
    value: tf.engine().runKernel(SWAP_LAST2, { x }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => swapLast2(dy),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** `x` summed over every axis but the last. */
export function columnSum(x: tf.Tensor): tf.Tensor {
  if (!onWasm() || x.dtype !== 'float32' || tf.getKernel(COLUMN_SUM, 'wasm') == null)
    return tf.sum(tf.reshape(x, [-1, x.shape[x.rank - 1]]), 0);
  return tf.engine().runKernel(COLUMN_SUM, { x }, {}) as tf.Tensor;
}

/** `a · b` without flags; batched products go slice by slice to XNNPACK when src/engine/wasmfast.ts can. */
export const product = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
  nativeProduct(a, b) ?? // null when native kernels are off (src/engine/nativematmul.ts)
  (a.rank > 2 && a.size > a.shape[a.rank - 2] * a.shape[a.rank - 1] ? fastBatchMatMul(a, b) : null) ??
  tf.matMul(a, b);

const matMulNoFlags = tf.customGrad(((...args: unknown[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: product(a, b),
    // In a tidy: tfjs keeps whatever a gradient function leaves behind until the whole backward pass ends.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => [product(dy, swapLast2(saved[1])), product(swapLast2(saved[0]), dy)]),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * `x · W + b` for `x: [rows, in]`, `W: [in, out]`, `b: [out]`, as one differentiable op on wasm: the backward
 * pass runs the two products on the fast path and the bias gradient as a column sum, and keeps only x and W
 * alive (tfjs's own `add` would route the bias gradient through the slow transpose-then-sum).
 */
const linearWasm = tf.customGrad(((...args: unknown[]) => {
  const [x, W, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, W]);
  return {
    value: tf.add(product(x, W), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => [product(dy, swapLast2(saved[1])), product(swapLast2(saved[0]), dy), columnSum(dy)]),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) => tf.Tensor;

export function linear2d(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (!onWasm()) return tf.add(tf.matMul(x, W), b);
  return linearWasm(x, W, b) as tf.Tensor2D;
}

export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const sameBatch = a.rank === b.rank && a.shape.slice(0, -2).join() === b.shape.slice(0, -2).join();
  if (tf.getBackend() !== 'wasm' || !sameBatch) return tf.matMul(a, b, transposeA, transposeB);
  return matMulNoFlags(transposeA ? swapLast2(a) : a, transposeB ? swapLast2(b) : b);
}

/** The tfjs-core version whose engine internals `checkpoint` relies on (see below). */
export const CHECKPOINT_TFJS_VERSION = '4.22.0';
export const checkpointSupported = () => tf.version_core === CHECKPOINT_TFJS_VERSION;

/**
 * Activation checkpointing: `fn(...inputs)` whose intermediate tensors are freed after the forward pass and
 * recomputed when its gradient is needed. Every tensor `fn` reads must be in `inputs` (parameters too), or
 * it gets no gradient. Same values and gradients as calling `fn` directly (tested).
 *
 * The recomputation calls `tf.grads` inside a gradient function. tfjs-core 4.22's engine resets its
 * active tape when a gradient computation starts at depth 0 and nulls it when it ends, which breaks the
 * outer backward pass; so the outer tape is saved and restored around the inner call. That touches one
 * engine field (`state.activeTape`), checked against the pinned version: with another tfjs-core version
 * `checkpoint` runs `fn` directly (no memory saving) and says so once.
 */
let warned = false;
export function checkpoint(fn: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): tf.Tensor {
  if (!checkpointSupported()) {
    if (!warned) {
      warned = true;
      console.warn(
        `hai: activation checkpointing needs tfjs-core ${CHECKPOINT_TFJS_VERSION} (found ${tf.version_core}); ` +
          'layers keep their activations',
      );
    }
    return fn(...inputs);
  }
  const g = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    const value = tf.tidy(() => fn(...xs));
    save(xs);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outer = state.activeTape;
        try {
          return tf.grads((...ys: tf.Tensor[]) => fn(...ys))(saved, dy);
        } finally {
          state.activeTape = outer;
        }
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (...xs: tf.Tensor[]) => tf.Tensor;
  return g(...inputs);
}
