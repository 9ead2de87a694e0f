/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on Dawn (the npm package `webgpu`, a prebuilt
 * `dawn.node`), so a GPU trains from `npm install` alone: Vulkan on Linux, Metal on macOS, D3D12 on Windows.
 *
 * Wiring that Node needs and a browser does not: Dawn's `globals` (GPUBufferUsage, ...) on `globalThis`, and a
 * `navigator.gpu` before the backend registers. The backend is registered here, not by the package, so the
 * device is requested with the adapter's own storage-buffer limit instead of WebGPU's default of 8; two kernels
 * of tfjs-backend-webgpu 4.22 are wrapped (src/engine/webgpukernels.ts).
 *
 * A software adapter (SwiftShader, Chromium's CPU Vulkan driver) is used only when `HAI_BACKEND=webgpu` forces
 * it, and is labelled "software" wherever the adapter is printed. Synchronous reads (`dataSync`, `arraySync`)
 * cannot work on this backend under Node (tfjs reads through an `OffscreenCanvas`): they fail with an error
 * that says to use `await t.data()` (see `readTensor`).
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { patchWebGpuKernels } from './webgpukernels';
import { isInstalled } from '../util/paths';

export const WEBGPU_MODULES = { dawn: 'webgpu', tfjs: '@tensorflow/tfjs-backend-webgpu' } as const;
/** Chromium's bundled Vulkan loader and SwiftShader driver (Debian's `chromium` package). */
export const CHROMIUM_LIB = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;

/** The adapter limits that bound what fits on the device (batch × sequence × hidden per buffer). */
export interface AdapterLimits {
  maxStorageBuffersPerShaderStage: number;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU implementation (SwiftShader): correct, and far slower than the CPU backends. */
  software: boolean;
  limits: AdapterLimits;
}
/** Either an adapter, or why there is none and what to do about it. */
export interface WebGpuProbe {
  adapter: AdapterReport | null;
  why: string;
  fix: string;
}

type Gpu = { requestAdapter(o?: object): Promise<GpuAdapter | null> };
type GpuAdapter = {
  info: Record<string, unknown>;
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(d: object): Promise<unknown>;
};
type Dawn = { create(flags: string[]): Gpu; globals: Record<string, unknown> };

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split('\n')[0];

/** `LD_LIBRARY_PATH` and `VK_ICD_FILENAMES` that give SwiftShader, or null without Debian's chromium. */
export function swiftShaderEnv(): Record<string, string> | null {
  if (process.platform !== 'linux' || !fs.existsSync(SWIFTSHADER_ICD)) return null;
  const lib = process.env.LD_LIBRARY_PATH;
  return { LD_LIBRARY_PATH: lib ? `${CHROMIUM_LIB}:${lib}` : CHROMIUM_LIB, VK_ICD_FILENAMES: SWIFTSHADER_ICD };
}

/** Linux only: where the Vulkan loader `libvulkan.so.1` would be found, or null when it would not. */
export function findVulkanLoader(): string | null {
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (fs.existsSync(path.join(dir, 'libvulkan.so.1'))) return path.join(dir, 'libvulkan.so.1');
  }
  const ld = spawnSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8', timeout: 5000 });
  const m = /libvulkan\.so\.1 .*=> (\S+)/.exec(ld.stdout ?? '');
  return m ? m[1] : null;
}

let dawn: Dawn | null = null;
let gpu: Gpu | null = null;

/** Loads Dawn once. `webgpu` is ESM-only: `require` of it needs Node ≥ 20.19 (or ≥ 22.12). */
function loadDawn(): Dawn {
  // Literal module names, so that a bundler (bench/gpu-check.sh) sees them.
  if (!dawn) dawn = require('webgpu') as Dawn;
  return dawn;
}

function report(a: GpuAdapter): AdapterReport {
  const i = a.info;
  const s = (k: string) => String(i[k] ?? '');
  const desc = s('description');
  return {
    vendor: s('vendor'),
    architecture: s('architecture'),
    device: s('device'),
    description: desc,
    software: i.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${desc} ${s('device')}`),
    limits: {
      maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage,
      maxBufferSize: a.limits.maxBufferSize,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    },
  };
}

const NO_ADAPTER_FIX: Record<string, string> = {
  linux:
    'install the GPU driver with its Vulkan ICD (NVIDIA: the driver ships nvidia_icd.json; AMD/Intel: ' +
    'mesa-vulkan-drivers); in a container, run with NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics; ' +
    'for a software GPU (tests only): ' +
    `install chromium and set LD_LIBRARY_PATH=${CHROMIUM_LIB} VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`,
  darwin: 'macOS 13 or later with Metal (every Apple silicon and recent Intel Mac)',
  win32: 'Windows 10/11 with a DirectX 12 driver for the GPU',
};

async function requestAdapter(): Promise<{ adapter: GpuAdapter | null; why: string; fix: string }> {
  const fix = NO_ADAPTER_FIX[process.platform] ?? 'a platform that Dawn supports (linux, darwin, win32)';
  try {
    gpu ??= loadDawn().create([]);
  } catch (e) {
    const old = /ERR_REQUIRE_ESM|require\(\) of ES Module/.test(String(e));
    return {
      adapter: null,
      why: `the webgpu package failed to load: ${firstLine(e)}`,
      fix: old ? 'Node >= 20.19 (require of an ES module)' : 'npm install webgpu (an optional dependency)',
    };
  }
  // Without a loader Dawn only prints a warning to stderr: say it here instead, with the fix.
  if (process.platform === 'linux' && !findVulkanLoader()) {
    return {
      adapter: null,
      why: 'no Vulkan loader (libvulkan.so.1 is not on the library path)',
      fix: `apt-get install libvulkan1, then a driver: ${fix}`,
    };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter) return { adapter, why: 'adapter found', fix: '' };
  const icd = process.env.VK_ICD_FILENAMES;
  return {
    adapter: null,
    why: icd ? `no adapter from the Vulkan driver named by VK_ICD_FILENAMES=${icd}` : 'no GPU driver gave an adapter',
    fix,
  };
}

let probed: WebGpuProbe | null = null;

/** Looks for a WebGPU adapter without creating a device (what `hai doctor` prints). Cached. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  if (probed) return probed;
  if (!isInstalled(WEBGPU_MODULES.tfjs) || !isInstalled(WEBGPU_MODULES.dawn)) {
    probed = { adapter: null, why: 'webgpu or @tensorflow/tfjs-backend-webgpu is not installed', fix: 'npm install' };
    return probed;
  }
  const r = await requestAdapter();
  probed = { adapter: r.adapter ? report(r.adapter) : null, why: r.why, fix: r.fix };
  return probed;
}

/** One line: `NVIDIA ... (nvidia/ampere, hardware)` or `SwiftShader driver 5.0.0 (google/swiftshader, software)`. */
export function describeAdapter(a: AdapterReport): string {
  const name = a.description || a.device || 'unnamed adapter';
  return `${name} (${a.vendor}/${a.architecture}, ${a.software ? 'software' : 'hardware'})`;
}

/** The tfjs backend factory, as the package's own, but with the adapter's storage-buffer limit. */
async function makeBackend(allowSoftware: boolean): Promise<tf.KernelBackend> {
  const r = await requestAdapter();
  if (!r.adapter) throw new Error(`${r.why}; fix: ${r.fix}`);
  const a = r.adapter;
  if (report(a).software && !allowSoftware) throw new Error(`software adapter: ${describeAdapter(report(a))}`);
  const L = a.limits;
  const keep = [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
    'maxStorageBuffersPerShaderStage',
  ];
  const requiredLimits = Object.fromEntries(keep.map((k) => [k, L[k]]));
  const requiredFeatures = ['timestamp-query'].filter((f) => a.features.has(f));
  const device = await a.requestDevice({ requiredLimits, requiredFeatures });
  const { WebGPUBackend } =
    require('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
  patchWebGpuKernels(L.maxStorageBuffersPerShaderStage - 1);
  const backend = new WebGPUBackend(device as never, a.info as never);
  // The package's own readSync reaches for OffscreenCanvas (browser only): say what to do instead.
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (id: object) => {
    try {
      return readSync(id);
    } catch (e) {
      if (!/OffscreenCanvas/.test(String(e))) throw e;
      throw new Error(
        "webgpu under Node cannot read a tensor synchronously (dataSync/arraySync): use 'await t.data()'",
      );
    }
  };
  return backend;
}

let exitHook = false;

/**
 * Makes `webgpu` the tfjs backend. Returns null on success, else why it cannot run. A software adapter is
 * taken only when `allowSoftware` (HAI_BACKEND=webgpu forced it); `auto` wants a real GPU.
 */
export async function activateWebGpu(allowSoftware: boolean): Promise<string | null> {
  const p = await probeWebGpu();
  if (!p.adapter) return `${p.why} (hai doctor says the fix)`;
  if (p.adapter.software && !allowSoftware) {
    return `only a software adapter: ${describeAdapter(p.adapter)}; HAI_BACKEND=webgpu uses it anyway`;
  }
  const d = loadDawn();
  Object.assign(globalThis, d.globals);
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(nav ?? {}), userAgent: 'Node.js', gpu },
    configurable: true,
    writable: true,
  });
  // Loads the kernels; registers the package's own factory too (navigator.gpu exists now), replaced below.
  require('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => makeBackend(allowSoftware), 3);
  if (!exitHook) {
    exitHook = true;
    // Dawn's instance keeps Node's event loop alive while `navigator.gpu` holds it: let go once the work is done.
    process.once('beforeExit', () => releaseWebGpu());
  }
  return (await tf.setBackend('webgpu')) ? null : "tf.setBackend('webgpu') failed to initialise";
}

/** Drops the GPU (the device, then the global), so Node can exit. Safe to call twice. */
export function releaseWebGpu(): void {
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  delete (globalThis as { navigator?: object }).navigator;
  gpu = null;
}

/** Reads a tensor on any backend without a synchronous GPU wait (webgpu cannot do one under Node). */
export async function readTensor(t: tf.Tensor): Promise<Float32Array | Int32Array | Uint8Array> {
  return (await t.data()) as Float32Array | Int32Array | Uint8Array;
}
