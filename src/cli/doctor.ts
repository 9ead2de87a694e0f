/**
 * `hai doctor`: what this machine will train on, and why. The first cell of every notebook prints the
 * one-line form; graders paste the `--json` form into bug reports.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fastPathStatus } from '../engine/wasmfast';
import { nativeMatMulStatus } from '../engine/nativematmul';
import { StepPart, stepLayout } from '../engine/steplayout';
import { GRAPH_EVAL_MIN_ROWS } from '../train/trainer';
import { BackendInfo, initBackend } from '../engine/backend';
import { WebGpuProbe, describeAdapter, probeWebGpu } from '../engine/webgpu';
import { SandboxStatus, sandboxStatus } from '../grade/sandbox';

/** The packages whose versions matter when a notebook behaves differently on two machines. */
export const KEY_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgpu',
  'webgpu',
  'tfjs-node',
  'tfjs-node-gpu',
  '@xenova/transformers',
  'onnxruntime-node',
  'danfojs-node',
  'plotly.js-dist',
  'tslab',
  'zeromq',
];

/**
 * Version of an installed package, or null. Walks up from the resolved entry, since some packages' `exports`
 * hide package.json.
 */
export function packageVersion(name: string): string | null {
  let file: string;
  try {
    file = require.resolve(`${name}/package.json`);
  } catch {
    try {
      file = require.resolve(name);
    } catch {
      return null;
    }
  }
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      const j = JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string; version?: string };
      if (j.version && (j.name === name || dir.endsWith(path.join('node_modules', name)))) return j.version;
    }
  }
  return null;
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpus: number;
  memory_gib: number;
  backend: BackendInfo;
  /** A gather + matmul forward and backward on the chosen backend, checked against plain arithmetic. */
  self_test: { ok: boolean; detail: string };
  packages: Record<string, string | null>;
  gpu_requirements: string;
  /** The WebGPU adapter (whatever backend was chosen), or why there is none and the fix. */
  webgpu: WebGpuProbe;
  /** wasm only: whether batched products take the sliced XNNPACK path (src/engine/wasmfast.ts), and why not. */
  fast_matmul: { active: boolean; reason: string } | null;
  /** Whether `hai grade` can sandbox kernels with bubblewrap here ($HAI_BWRAP names another binary), and if not
   * why and how. */
  grade_sandbox: SandboxStatus;
  /** wasm only: whether products and fused layers run on onnxruntime-node (on by default, HAI_NATIVE=0 turns it
   * off; src/engine/nativematmul.ts), and why not. */
  native_matmul?: { active: boolean; reason: string } | null;
  /** Where each part of a training step runs (src/engine/steplayout.ts), and how validation inside training runs. */
  training_step?: StepPart[];
}

/**
 * Runs a tiny forward/backward through the ops every model uses; returns what went wrong, if anything. Reads
 * with `await data()`, which every backend supports (webgpu under Node has no synchronous read).
 */
export async function selfTest(): Promise<{ ok: boolean; detail: string }> {
  try {
    const E = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      true,
      'doctor_E',
    );
    const { value, grads } = tf.tidy(() => {
      const ids = tf.tensor1d([2, 0, 2], 'int32');
      const W = tf.eye(2);
      return tf.variableGrads(() => tf.sum(tf.matMul(tf.gather(E, ids), W)) as tf.Scalar, [E]);
    });
    const got = [(await value.data())[0], ...(await grads['doctor_E'].data())];
    tf.dispose([E, value, grads['doctor_E']]);
    const want = [5 + 6 + 1 + 2 + 5 + 6, 1, 1, 0, 0, 2, 2];
    const ok = got.every((v, i) => Math.abs(v - want[i]) < 1e-5);
    return {
      ok,
      detail: ok
        ? 'gather, matMul and their gradients agree with hand-computed values'
        : `expected [${want}] got [${got}]`,
    };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

export async function doctor(): Promise<DoctorReport> {
  const backend = await initBackend();
  const packages: Record<string, string | null> = {};
  for (const p of KEY_PACKAGES)
    packages[p === 'tfjs-node' || p === 'tfjs-node-gpu' ? `@tensorflow/${p}` : p] = packageVersion(p);
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.availableParallelism(),
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    backend,
    self_test: await selfTest(),
    packages,
    fast_matmul: backend.name === 'wasm' ? fastPathStatus() : null,
    grade_sandbox: sandboxStatus(),
    native_matmul: backend.name === 'wasm' ? nativeMatMulStatus() : null,
    training_step: [
      ...stepLayout(),
      {
        part: 'validation inside training',
        where: ['wasm', 'cpu'].includes(backend.name)
          ? `the weights as an in-memory ONNX graph from ${GRAPH_EVAL_MIN_ROWS} rows up (where it exports), else tfjs`
          : `tfjs ${backend.name} kernels`,
      },
    ],
    gpu_requirements:
      'webgpu: a GPU driver (Vulkan on Linux, Metal on macOS, D3D12 on Windows); cuda: @tensorflow/tfjs-node-gpu ' +
      '4.22 bundles libtensorflow 2.9.1: Linux x64, NVIDIA driver, CUDA 11.2 and cuDNN 8.1 libraries on the path',
    webgpu: await probeWebGpu(),
  };
}

/** The WebGPU lines: the adapter and the limits that bound batch size, or why there is none and the fix. */
export function formatWebGpu(w: WebGpuProbe): string[] {
  if (!w.adapter) return [`webgpu     no adapter: ${w.why}`, `  fix      ${w.fix}`];
  const L = w.adapter.limits;
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return [
    `webgpu     ${describeAdapter(w.adapter)}${w.adapter.software ? ' (a CPU emulating a GPU: tests only)' : ''}`,
    `  limits   ${L.maxStorageBuffersPerShaderStage} storage buffers per shader stage, buffers up to ` +
      `${mib(L.maxBufferSize)}, bindings up to ${mib(L.maxStorageBufferBindingSize)}`,
  ];
}

export function formatDoctor(r: DoctorReport): string {
  const b = r.backend;
  const simd = b.simd === null ? '' : b.simd ? ', SIMD' : ', no SIMD';
  const sb = r.grade_sandbox;
  const state = (c: BackendInfo['candidates'][number]) =>
    c.available === true ? 'chosen' : c.available === false ? 'unavailable' : 'not tried';
  const lines = [
    `node       ${r.node} (${r.platform}), ${r.cpus} cores, ${r.memory_gib} GiB`,
    `backend    ${b.name}${b.requested === 'auto' ? '' : ' (forced)'}  [tfjs backend '${b.tfBackend}'${simd}]`,
    `why        ${b.reason}`,
    `threads    ${b.threads}: ${b.threadsNote}`,
    `gpu        ${b.gpu.seen ? `seen: ${b.gpu.devices.join('; ')}` : `none seen (${b.gpu.how})`}`,
    ...formatWebGpu(r.webgpu),
    `self-test  ${r.self_test.ok ? 'ok' : 'FAILED'}: ${r.self_test.detail}`,
    'candidates',
    ...b.candidates.map((c) => `  ${c.name.padEnd(6)} ${state(c).padEnd(12)} ${c.available === true ? '' : c.why}`),
    b.extraKernels.length ? `kernels    added by hai for ${b.tfBackend}: ${b.extraKernels.join(', ')}` : null,
    r.fast_matmul
      ? `matmul     ${r.fast_matmul.active ? 'fast' : 'stock (slow for attention)'}: ${r.fast_matmul.reason}`
      : null,
    r.native_matmul ? `native     ${r.native_matmul.active ? 'on' : 'off'}: ${r.native_matmul.reason}` : null,
    ...(r.training_step ? ['training step', ...r.training_step.map((p) => `  ${p.part.padEnd(72)} ${p.where}`)] : []),
    'packages',
    ...Object.entries(r.packages).map(([k, v]) => `  ${k.padEnd(32)} ${v ?? 'not installed'}`),
    `gpu needs  ${r.gpu_requirements}`,
    `sandbox    hai grade ${
      sb.available
        ? `runs kernels sandboxed: ${sb.reason}`
        : `CANNOT sandbox kernels: ${sb.reason}; to get it: ${sb.how}`
    }`,
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}
