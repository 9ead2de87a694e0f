/**
 * Batched matrix products on tfjs-backend-wasm's fast path: the one place this library reaches into the
 * wasm backend's internals for speed (the pthread work-around is in src/engine/wasmthreads.ts).
 *
 * Why: the wasm `BatchMatMul` kernel hands a product to XNNPACK only when the batch is 1 and no transpose
 * flag is set; anything batched (every attention product: `[batch·heads, T, dH]`) runs in a scalar loop at
 * about 3 GFLOP/s, against 15–35 GFLOP/s on the XNNPACK path. Splitting the batch with `tf.unstack` and
 * joining with `tf.stack` costs more than it saves (copies through JavaScript). So this kernel registers
 * views — tensor ids that point into the middle of the input and output buffers, no copy — and calls the
 * backend's own compiled `BatchMatMul` once per slice, which takes the fast path each time.
 * Measured on 2 cores (1 wasm thread): `[128, 64, 64] × [128, 64, 64]` 21.9 ms → 3.7–4.8 ms;
 * `[128, 128, 64] × [128, 64, 128]` 84.0 ms → 11.4 ms.
 *
 * What it touches, all checked before use against the pinned version: the backend's `dataIdMap` (buffer
 * offsets), `dataIdNextNumber` (fresh ids), `wasm.tfjs.registerTensor` / `disposeData` (views on the C++
 * side: disposing a view drops its id and XNNPACK's cached operator, never the memory, which the real
 * tensor owns), and the exported C function `BatchMatMul` through Emscripten's `cwrap`. With any other
 * tfjs-backend-wasm version, or if a piece is missing, `fastBatchMatMul` returns null with the reason
 * (see `fastPathStatus`) and callers use `tf.matMul`.
 *
 * Introduced in notebooks/00_setup.ipynb (which backend runs, and how fast).
 */
import * as tf from '@tensorflow/tfjs';

/** The tfjs-backend-wasm version whose internals this file was written and tested against. */
export const WASM_INTERNALS_VERSION = '4.22.0';
export const SLICED_MATMUL = 'HaiSlicedBatchMatMul';

interface WasmData {
  id: number;
  memoryOffset: number;
}
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): WasmData };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
}

function installedVersion(): string {
  try {
    return (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Why the fast path cannot run in this process (null: it can). `version` is injectable for tests. */
export function fastPathProblem(version = installedVersion()): string | null {
  if (process.env.HAI_WASM_FAST === '0') return 'turned off by HAI_WASM_FAST=0';
  if (version !== WASM_INTERNALS_VERSION) {
    return (
      `tfjs-backend-wasm ${version} is installed; the fast batched matmul was written for ` + WASM_INTERNALS_VERSION
    );
  }
  if (tf.getBackend() !== 'wasm') return `the active backend is ${tf.getBackend()}, not wasm`;
  const be = tf.backend() as unknown as Partial<WasmBackendInternals>;
  const ok =
    be.dataIdMap &&
    typeof be.dataIdNextNumber === 'number' &&
    typeof be.makeOutput === 'function' &&
    typeof be.wasm?.cwrap === 'function' &&
    typeof be.wasm?.tfjs?.registerTensor === 'function' &&
    typeof be.wasm?.tfjs?.disposeData === 'function';
  return ok
    ? null
    : 'the wasm backend does not expose the internals this kernel needs (dataIdMap, registerTensor, cwrap)';
}

let cwrapped: ((...a: unknown[]) => void) | null = null;
const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);

/** `out[i] = a[i] · b[i]` for `a: [n, M, K]`, `b: [n, K, N]`, one fast-path call per slice. */
function slicedKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const be = args.backend as WasmBackendInternals;
  const [n, M, K] = a.shape,
    N = b.shape[2];
  if (
    a.dtype !== 'float32' ||
    b.dtype !== 'float32' ||
    a.shape.length !== 3 ||
    b.shape.length !== 3 ||
    b.shape[0] !== n ||
    b.shape[1] !== K
  ) {
    throw new Error(`${SLICED_MATMUL}: expects float32 [n, M, K] × [n, K, N], got [${a.shape}] × [${b.shape}]`);
  }
  cwrapped ??= be.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  const out = be.makeOutput([n, M, N], 'float32');
  // Offsets are read after makeOutput (it may grow the heap); offsets, unlike typed-array views, stay valid.
  const [oa, ob, oo] = [a, b, out].map((t) => be.dataIdMap.get(t.dataId).memoryOffset);
  const sa = shapeBytes([1, M, K]),
    sb = shapeBytes([1, K, N]);
  const { registerTensor, disposeData } = be.wasm.tfjs;
  for (let i = 0; i < n; i++) {
    const ia = be.dataIdNextNumber++,
      ib = be.dataIdNextNumber++,
      io = be.dataIdNextNumber++;
    registerTensor(ia, M * K, oa + i * M * K * 4);
    registerTensor(ib, K * N, ob + i * K * N * 4);
    registerTensor(io, M * N, oo + i * M * N * 4);
    try {
      cwrapped(ia, sa, 3, ib, sb, 3, false, false, io);
    } finally {
      disposeData(ia);
      disposeData(ib);
      disposeData(io);
    }
  }
  return out;
}

let status: { problem: string | null } | null = null;

/** Whether the fast path is in use, and if not, why (checked once per process, on first use). */
export function fastPathStatus(): { active: boolean; reason: string } {
  if (!status) {
    const problem = fastPathProblem();
    if (!problem && tf.getKernel(SLICED_MATMUL, 'wasm') == null) {
      tf.registerKernel({
        kernelName: SLICED_MATMUL,
        backendName: 'wasm',
        kernelFunc: slicedKernel as unknown as tf.KernelFunc,
      });
    }
    // Not cached: the backend may change.
    if (tf.getBackend() !== 'wasm') return { active: false, reason: problem ?? 'not on wasm' };
    status = { problem };
  }
  return status.problem
    ? { active: false, reason: status.problem }
    : {
        active: true,
        reason: `batched products run per slice on XNNPACK (tfjs-backend-wasm ${WASM_INTERNALS_VERSION})`,
      };
}

/**
 * `a · b` for same-batch `a: [..., M, K]`, `b: [..., K, N]` (no transpose flags) on the fast path, or null
 * when it cannot run here (the caller then uses `tf.matMul`). No gradient of its own: src/engine/kernels.ts wraps it.
 */
export function fastBatchMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  if (tf.getBackend() !== 'wasm' || !fastPathStatus().active) return null;
  const M = a.shape[a.rank - 2],
    K = a.shape[a.rank - 1],
    N = b.shape[b.rank - 1];
  const batch = a.shape.slice(0, -2);
  const n = batch.reduce((x, y) => x * y, 1);
  return tf.tidy(() => {
    const out = tf
      .engine()
      .runKernel(SLICED_MATMUL, { a: tf.reshape(a, [n, M, K]), b: tf.reshape(b, [n, K, N]) }, {}) as tf.Tensor;
    return tf.reshape(out, [...batch, M, N]);
  });
}

/** For tests: forget the cached check (e.g. after changing HAI_WASM_FAST). */
export function resetFastPath(): void {
  status = null;
}

/**
 * Bytes of the wasm heap (its WebAssembly.Memory, which grows and never shrinks, so after a step this is the
 * step's high-water mark plus allocator slack), or null off wasm. The 4 GiB ceiling of tfjs-backend-wasm is
 * what a training step must stay under; `tf.memory()` counts live tensors only.
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.buffer.byteLength : null;
}
