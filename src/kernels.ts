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
