/**
 * Native CPU kernels from onnxruntime-node (MLAS) for the wasm backend, ON BY DEFAULT where onnxruntime-node
 * 1.14.0 loads (`HAI_NATIVE=0` turns it off): `product` (src/engine/kernels.ts: every matMul and linear2d,
 * forward and backward) hands float32 products to a one-node ONNX `MatMul` session, and whole fused encoder
 * layers run as two ONNX graphs (src/engine/nativelayer.ts); results come back as tfjs tensors. `hai doctor`
 * shows whether it is on and why not; `hai bench` measures it beside the plain wasm path and PyTorch.
 *
 * The one file that reaches into onnxruntime-node's internals: its N-API binding's synchronous
 * `InferenceSession.run` (the public `run()` only wraps it in a promise, and tfjs kernels must be synchronous),
 * checked against the version it was written for (1.14.0: `loadModel(buffer, offset, length, options)` and
 * `run(feeds, fetches, options)` with `{ type, data, dims }` tensors). Any other version, or a binding that does not
 * load, leaves the wasm path in place with the reason printed.
 *
 * Inputs are read with `dataSync()`, a copy off the wasm heap: the 1.14 binding rejects typed arrays on a
 * SharedArrayBuffer (the threaded wasm heap is one), and the copy is a plain ArrayBuffer. The result is copied
 * back in by `tf.tensor`. One session per rank (symbolic dims), cached; `HAI_NATIVE_THREADS` sets ORT's intra-op
 * threads (default 1: wasm's pthreads are the kit's pool, and two pools on the same cores fight).
 *
 * Introduced in notebooks/00_setup.ipynb ("네이티브 CPU 커널": status, and the same step with it on and off).
 */
import * as tf from '@tensorflow/tfjs';
import { ONNX_DTYPE, OnnxGraph } from '../util/onnxproto';

/** The onnxruntime-node version whose binding internals this file was written and tested against. */
export const NATIVE_ORT_VERSION = '1.14.0';

type OrtTensor = { type: string; data: Float32Array; dims: number[] };
interface SessionHandle {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: Record<string, unknown>): void;
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, null>,
    options: Record<string, unknown>,
  ): Record<string, OrtTensor>;
}
interface Binding {
  InferenceSession: new () => SessionHandle;
}

let override: boolean | null = null;
/** Turns the native path on or off in this process (`null`: back to `HAI_NATIVE`); for tests and notebooks. */
export function setNativeMatMul(on: boolean | null): void {
  override = on;
}
const requested = () => override ?? process.env.HAI_NATIVE !== '0';

let binding: Binding | null = null,
  bindingProblem: string | null = null,
  loaded = false,
  cachedVersion: string | undefined;

function installedVersion(): string {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

function loadBinding(): string | null {
  if (loaded) return bindingProblem;
  loaded = true;
  try {
    const b = (require('onnxruntime-node/dist/binding') as { binding?: Binding }).binding;
    if (typeof b?.InferenceSession !== 'function')
      return (bindingProblem = "onnxruntime-node's binding has no InferenceSession");
    const s = new b.InferenceSession();
    if (typeof s.loadModel !== 'function' || typeof s.run !== 'function')
      return (bindingProblem = "onnxruntime-node's InferenceSession lacks loadModel/run");
    binding = b;
  } catch (e) {
    bindingProblem = `onnxruntime-node's binding cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  return bindingProblem;
}

/** Why products do not run on onnxruntime-node now (null: they do). `version` is injectable for tests. */
export function nativeMatMulProblem(version = installedVersion()): string | null {
  if (!requested())
    return override === false ? 'turned off in this process (setNativeMatMul(false))' : 'turned off by HAI_NATIVE=0';
  if (tf.getBackend() !== 'wasm')
    return `the active backend is ${tf.getBackend()}; the native matmul serves the wasm backend only`;
  if (version !== NATIVE_ORT_VERSION)
    return `onnxruntime-node ${version} is installed; the native matmul was written for ${NATIVE_ORT_VERSION}`;
  return loadBinding();
}

export function nativeMatMulStatus(): { active: boolean; reason: string } {
  const p = nativeMatMulProblem();
  return p
    ? { active: false, reason: p }
    : {
        active: true,
        reason:
          `products and fused layers on onnxruntime-node ${NATIVE_ORT_VERSION}, ${threads()} intra-op thread(s) ` +
          '(HAI_NATIVE=0 turns it off)',
      };
}

/** Whether native kernels serve this call (cheap: the version is read once). */
export const nativeActive = (): boolean => nativeMatMulProblem((cachedVersion ??= installedVersion())) === null;

/** A float32 feed or fetch of a native session. */
export interface NativeTensor {
  data: Float32Array;
  dims: number[];
}
/** An ONNX graph loaded into onnxruntime-node, run synchronously (only while `nativeActive()`). */
export interface NativeSession {
  run(feeds: Record<string, NativeTensor>, fetches: string[]): Record<string, NativeTensor>;
}

/** Loads a serialised ONNX model (float32 inputs and outputs) as a synchronous session. */
export function nativeSession(bytes: Uint8Array): NativeSession {
  if (loadBinding() !== null) throw new Error(`native session: ${bindingProblem}`);
  const s = new binding!.InferenceSession();
  s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: threads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return {
    run(feeds, fetches) {
      const f: Record<string, OrtTensor> = {};
      for (const [k, t] of Object.entries(feeds)) f[k] = { type: 'float32', data: t.data, dims: t.dims };
      const out = s.run(f, Object.fromEntries(fetches.map((k) => [k, null])), {});
      calls++;
      return out;
    },
  };
}

const threads = () => {
  const n = Number(process.env.HAI_NATIVE_THREADS ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
};

const sessions = new Map<number, NativeSession>();
/** A `MatMul` session for inputs of this rank: `[..., m, k] · [..., k, n]`, dims symbolic. */
function session(rank: number): NativeSession {
  let s = sessions.get(rank);
  if (s) return s;
  const g = new OnnxGraph();
  const batch = Array.from({ length: rank - 2 }, (_, i) => `b${i}`);
  g.input('a', ONNX_DTYPE.FLOAT, [...batch, 'm', 'k']);
  g.input('b', ONNX_DTYPE.FLOAT, [...batch, 'k', 'n']);
  g.output(g.op('MatMul', ['a', 'b'], {}, 'y'), ONNX_DTYPE.FLOAT, [...batch, 'm', 'n']);
  s = nativeSession(
    Buffer.concat(
      g.encode({ name: `hai_matmul_rank${rank}`, opset: 13, producer: 'hai-dialect-lab', version: NATIVE_ORT_VERSION }),
    ),
  );
  sessions.set(rank, s);
  return s;
}

/**
 * `a · b` (no transpose flags, same batch dims) on onnxruntime-node, or null when the native path is off or does
 * not apply (callers then use the wasm path). The result is a new tfjs tensor.
 */
export function nativeProduct(a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  if (!nativeActive()) return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.rank !== b.rank || a.rank < 2) return null;
  const r = a.rank;
  if (a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join() || a.shape[r - 1] !== b.shape[r - 2]) return null;
  if (a.size === 0 || b.size === 0) return null;
  const out = session(r).run(
    {
      a: { data: a.dataSync() as Float32Array, dims: [...a.shape] },
      b: { data: b.dataSync() as Float32Array, dims: [...b.shape] },
    },
    ['y'],
  ).y;
  return tf.tensor(out.data, out.dims, 'float32');
}

let calls = 0;
/** How many native sessions ran in this process (products and layer graphs; tests check the path really ran). */
export const nativeMatMulCalls = () => calls;
