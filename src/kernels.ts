/**
 * Kernels that `@tensorflow/tfjs-backend-wasm` 4.22 lacks but a BERT-family classifier needs.
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

type Inputs = { x: tf.TensorInfo; segmentIds: tf.TensorInfo };

/** out[segmentIds[i], ...] += x[i, ...]; rows whose id is outside [0, numSegments) are dropped, as in TF. */
export function unsortedSegmentSumWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
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
    throw new Error(`UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`);
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

/** The kernels this module adds, by backend. `registerExtraKernels` is idempotent. */
export const EXTRA_KERNELS: tf.KernelConfig[] = [
  { kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc },
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
 * Measured on a 2-layer KoELECTRA-small-shaped step (batch 32, seq 64): 7.8 s → about 1.1 s. Splitting batched
 * products into 2-D ones was slower than this at attention sizes. Other backends get `tf.matMul` unchanged.
 */
const swapLast2 = (x: tf.Tensor) => tf.transpose(x, [...Array(x.rank - 2).keys(), x.rank - 1, x.rank - 2]);

const matMulNoFlags = tf.customGrad(((...args: unknown[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, swapLast2(saved[1])), tf.matMul(swapLast2(saved[0]), dy)],
  };
}) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

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
    if (!warned) { warned = true; console.warn(`hai: activation checkpointing needs tfjs-core ${CHECKPOINT_TFJS_VERSION} (found ${tf.version_core}); layers keep their activations`); }
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
