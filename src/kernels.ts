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
