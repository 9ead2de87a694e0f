/**
 * Picks the compute backend, once, in one place, and says why.
 *
 * Order of preference: `cuda` (@tensorflow/tfjs-node-gpu, only when an NVIDIA GPU is seen), `webgpu`
 * (@tensorflow/tfjs-backend-webgpu on Dawn, a hardware adapter only; see src/engine/webgpu.ts), `node`
 * (@tensorflow/tfjs-node), `wasm` (@tensorflow/tfjs-backend-wasm), `cpu` (pure JS, far too slow for real
 * models but always there). `HAI_BACKEND=cuda|webgpu|node|wasm|cpu` forces one and fails loudly when it cannot
 * run (forced `webgpu` also takes a software adapter such as SwiftShader); `auto` (the default) takes the best
 * available. `HAI_WASM_THREADS=N` sets wasm's XNNPACK threads
 * (default: every core; 0 or 1 = one), which needs the pthread work-around in src/engine/wasmthreads.ts.
 *
 * The two native packages are optional dependencies installed under npm aliases (`tfjs-node`,
 * `tfjs-node-gpu`): their install scripts download libtensorflow, so `npm ci` skips them where there is no
 * internet. The alias matters because danfojs-node only installs with an override that turns its
 * `@tensorflow/tfjs-node` into plain `@tensorflow/tfjs`; never `require('@tensorflow/tfjs-node')` here.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
// The union package, not tfjs-core alone: its CommonJS bundle registers the gradients and chained ops
// (`x.sum()`) on the one shared tfjs-core instance, which tfjs-core's own CommonJS build does not.
import * as tf from '@tensorflow/tfjs';
import { EXTRA_KERNELS, registerExtraKernels } from './kernels';
import { activateWasm, planThreads, wasmThreadsNote } from './wasmthreads';
import { AdapterReport, activateWebGpu, describeAdapter, probeWebGpu } from './webgpu';
import { isInstalled } from '../util/paths';

export const BACKENDS = ['cuda', 'webgpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export const BACKEND_ENV = 'HAI_BACKEND';

/** The npm package (and the alias it is installed under) behind each backend. */
export const BACKEND_PACKAGES: Record<BackendName, { pkg: string; module: string; tfName: string }> = {
  cuda: { pkg: '@tensorflow/tfjs-node-gpu', module: 'tfjs-node-gpu', tfName: 'tensorflow' },
  webgpu: { pkg: '@tensorflow/tfjs-backend-webgpu', module: '@tensorflow/tfjs-backend-webgpu', tfName: 'webgpu' },
  node: { pkg: '@tensorflow/tfjs-node', module: 'tfjs-node', tfName: 'tensorflow' },
  wasm: { pkg: '@tensorflow/tfjs-backend-wasm', module: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { pkg: '@tensorflow/tfjs-backend-cpu', module: '@tensorflow/tfjs-backend-cpu', tfName: 'cpu' },
};

export interface GpuInfo {
  seen: boolean;
  devices: string[];
  how: string;
}
export interface Candidate {
  name: BackendName;
  installed: boolean;
  available: boolean | null;
  why: string;
}
export interface BackendInfo {
  name: BackendName;
  tfBackend: string;
  requested: string;
  /** One sentence: why this backend and not a better one. */
  reason: string;
  threads: number;
  threadsNote: string;
  simd: boolean | null;
  gpu: GpuInfo;
  candidates: Candidate[];
  extraKernels: string[];
  /** webgpu only: the adapter it runs on (`software: true` for SwiftShader). */
  adapter?: AdapterReport;
}

/** Reads the GPU list without loading any native library, so doctor works on any machine. */
export function detectGpu(): GpuInfo {
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
  if (!smi.error && smi.status === 0) {
    const devices = smi.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    return { seen: devices.length > 0, devices, how: 'nvidia-smi -L' };
  }
  const dir = '/proc/driver/nvidia/gpus';
  if (fs.existsSync(dir)) {
    const devices = fs.readdirSync(dir);
    return { seen: devices.length > 0, devices, how: dir };
  }
  return { seen: false, devices: [], how: 'no nvidia-smi and no NVIDIA driver (/proc/driver/nvidia)' };
}

export function parseRequested(value: string | undefined): BackendName | 'auto' {
  const v = (value ?? '').trim().toLowerCase() || 'auto';
  if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) return v as BackendName | 'auto';
  throw new Error(`${BACKEND_ENV}=${value} is not a backend: use one of auto, ${BACKENDS.join(', ')}`);
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

/** Tries to make `name` the active tfjs backend. Returns null on success, else the reason it cannot run. */
async function tryActivate(name: BackendName, gpu: GpuInfo, forced: boolean): Promise<string | null> {
  const { pkg, module, tfName } = BACKEND_PACKAGES[name];
  if (!isInstalled(module)) {
    return name === 'cuda' || name === 'node'
      ? `${pkg} is not installed (optional dependency; its install script downloads libtensorflow, ` +
          'so npm skips it without internet)'
      : `${pkg} is not installed`;
  }
  if (name === 'cuda' && !gpu.seen) return `no NVIDIA GPU seen (${gpu.how})`;
  // A software adapter (SwiftShader) only when forced: `auto` wants a GPU, and on a CPU wasm is faster.
  if (name === 'webgpu') return activateWebGpu(forced);
  try {
    require(module);
  } catch (e) {
    return `${pkg} failed to load: ${firstLine(e)}`;
  }
  if (name === 'wasm') registerExtraKernels();
  let ok = false;
  const before = { exc: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') };
  try {
    // wasm: threaded (pthreads on worker_threads) when it can start, else one thread; see src/engine/wasmthreads.ts.
    ok = name === 'wasm' ? await activateWasm() : await tf.setBackend(tfName);
  } catch (e) {
    return `tf.setBackend('${tfName}') threw: ${firstLine(e)}`;
  } finally {
    // The wasm module (Emscripten) installs handlers that rethrow every uncaught error from inside its
    // minified bundle, so Node prints 30 kB of it instead of the user's stack. Put Node's defaults back.
    for (const l of process.listeners('uncaughtException'))
      if (!before.exc.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!before.rej.includes(l)) process.removeListener('unhandledRejection', l);
  }
  return ok ? null : `tf.setBackend('${tfName}') failed to initialise`;
}

let current: BackendInfo | null = null;

/** The backend chosen by `initBackend`, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/**
 * Chooses and activates the backend. Idempotent: a second call returns the first result, since tfjs
 * cannot load two native TensorFlow bindings into one process.
 */
export async function initBackend(requested: string | undefined = process.env[BACKEND_ENV]): Promise<BackendInfo> {
  const want = parseRequested(requested);
  planThreads(); // a bad HAI_WASM_THREADS is an error too, not a silent fallback to another backend
  if (current) {
    if (want !== 'auto' && want !== current.name) {
      throw new Error(
        `backend already initialised as '${current.name}'; cannot switch to '${want}' in the same process`,
      );
    }
    return current;
  }
  const gpu = detectGpu();
  const order: BackendName[] = want === 'auto' ? [...BACKENDS] : [want];
  const candidates: Candidate[] = [];
  let chosen: BackendName | null = null;
  for (const name of order) {
    const why = await tryActivate(name, gpu, want !== 'auto');
    candidates.push({
      name,
      installed: isInstalled(BACKEND_PACKAGES[name].module),
      available: why === null,
      why: why ?? 'chosen',
    });
    if (why === null) {
      chosen = name;
      break;
    }
    if (want !== 'auto') {
      throw new Error(`${BACKEND_ENV}=${want} was requested but the '${want}' backend is not available: ${why}`);
    }
  }
  for (const name of BACKENDS) {
    if (!candidates.some((c) => c.name === name)) {
      candidates.push({
        name,
        installed: isInstalled(BACKEND_PACKAGES[name].module),
        available: null,
        why: `'${chosen}' comes first`,
      });
    }
  }
  if (chosen === null)
    throw new Error(`no tfjs backend could start: ${candidates.map((c) => `${c.name}: ${c.why}`).join('; ')}`);
  const skipped = candidates.filter(
    (c) => BACKENDS.indexOf(c.name) < BACKENDS.indexOf(chosen!) && c.available === false,
  );
  const reason =
    want !== 'auto'
      ? `forced by ${BACKEND_ENV}=${want}`
      : skipped.length === 0
        ? 'best backend available'
        : skipped.map((c) => `${c.name}: ${c.why}`).join('; ');
  let threads = 1;
  let threadsNote = 'one JavaScript thread';
  let simd: boolean | null = null;
  if (chosen === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    threads = wasm.getThreadsCount();
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    threadsNote = wasmThreadsNote();
  } else if (chosen === 'webgpu') {
    threadsNote = `GPU: ${describeAdapter((await probeWebGpu()).adapter!)}`;
  } else if (chosen === 'cuda' || chosen === 'node') {
    threads = os.availableParallelism();
    threadsNote = 'libtensorflow manages its own thread pools (inter/intra-op)';
  }
  const tfBackend = tf.getBackend();
  const extraKernels = EXTRA_KERNELS.filter((k) => k.backendName === tfBackend).map((k) => k.kernelName);
  current = {
    name: chosen,
    tfBackend,
    requested: want,
    reason,
    threads,
    threadsNote,
    simd,
    gpu,
    candidates,
    extraKernels,
    ...(chosen === 'webgpu' ? { adapter: (await probeWebGpu()).adapter! } : {}),
  };
  return current;
}

/** One line for logs and notebook cells, e.g. `backend: wasm (SIMD, 1 thread) — cuda: …; node: …`. */
export function describeBackend(info: BackendInfo): string {
  const extras = [
    info.simd === null ? null : info.simd ? 'SIMD' : 'no SIMD',
    `${info.threads} thread${info.threads === 1 ? '' : 's'}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (info.adapter) return `backend: webgpu on ${describeAdapter(info.adapter)} - ${info.reason}`;
  return `backend: ${info.name} (${extras}) - ${info.reason}`;
}
