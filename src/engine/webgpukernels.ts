/**
 * Two kernels of @tensorflow/tfjs-backend-webgpu 4.22 that fail on what training does, wrapped through tfjs's
 * public kernel registry (the one place this kit patches that package; src/engine/webgpu.ts calls it):
 *
 * - `AddN` binds every input as a storage buffer, and WebGPU allows 8 to 12 per shader stage: clipping a model's
 *   gradients sums ~40 squared norms ("AddNPackedProgram" invalid). Summed in chunks that fit.
 * - `Cast` int32/bool → float32 aliases the integer buffer, which `TransposeProgram` (reductions over a non-last
 *   axis, e.g. a masked mean) cannot compile on ("expected 'f32', got 'i32'"), giving NaN. Converted for real.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as tf from '@tensorflow/tfjs';

/** The tfjs-backend-webgpu these work-arounds were checked on (test/engine/webgpu.test.ts fails without them). */
export const WEBGPU_TFJS_VERSION = '4.22.0';

type Backend = {
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
  disposeData(id: object): void;
};

/** Wraps the kernels once; `maxInputs` is the adapter's storage buffers per stage minus the output's. */
export function patchWebGpuKernels(maxInputs: number): void {
  const { version_webgpu: version } = require('@tensorflow/tfjs-backend-webgpu') as { version_webgpu: string };
  if (version !== WEBGPU_TFJS_VERSION) {
    console.warn(
      `hai: @tensorflow/tfjs-backend-webgpu ${version} is not ${WEBGPU_TFJS_VERSION}, which src/engine/` +
        'webgpukernels.ts was checked on; its work-arounds still apply: run test/engine/webgpu.test.ts',
    );
  }
  chunkAddN(maxInputs);
  realFloatCast();
}

/** AddN over at most `limit - 1` inputs per shader (one binding is the output), summed again until one is left. */
function chunkAddN(maxInputs: number): void {
  const cfg = tf.getKernel('AddN', 'webgpu');
  if (!cfg || (cfg as { haiChunked?: boolean }).haiChunked) return;
  const inner = cfg.kernelFunc;
  const run = (args: Parameters<typeof inner>[0]): tf.TensorInfo => {
    const xs = args.inputs as unknown as tf.TensorInfo[];
    if (xs.length <= maxInputs) return inner(args) as tf.TensorInfo;
    const backend = args.backend as Backend;
    const parts: tf.TensorInfo[] = [];
    for (let i = 0; i < xs.length; i += maxInputs) {
      const slice = xs.slice(i, i + maxInputs);
      parts.push(slice.length === 1 ? slice[0] : run({ ...args, inputs: slice as unknown as tf.NamedTensorInfoMap }));
    }
    const out = run({ ...args, inputs: parts as unknown as tf.NamedTensorInfoMap });
    for (const p of parts) if (!xs.includes(p)) backend.disposeData(p.dataId);
    return out;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...cfg, kernelFunc: run as tf.KernelFunc, haiChunked: true } as tf.KernelConfig);
}

/**
 * Cast int32/bool → float32 into a float buffer. tfjs-backend-webgpu 4.22 makes that cast an alias of the integer
 * buffer, and its TransposeProgram (used by reductions over a non-last axis, e.g. a masked mean) then fails to
 * compile on it ("expected 'f32', got 'i32'") and yields NaN. A multiply by 1.0 converts in the shader.
 */
function realFloatCast(): void {
  const cfg = tf.getKernel('Cast', 'webgpu');
  const mul = tf.getKernel('Multiply', 'webgpu');
  if (!cfg || !mul || (cfg as { haiPatched?: boolean }).haiPatched) return;
  const inner = cfg.kernelFunc;
  const run = (args: Parameters<typeof inner>[0]): tf.TensorInfo => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const to = (args.attrs as { dtype: string }).dtype;
    if (to !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return inner(args) as tf.TensorInfo;
    const backend = args.backend as Backend;
    const alias = inner(args) as tf.TensorInfo;
    const one = backend.makeTensorInfo([], 'float32', new Float32Array([1]));
    const out = mul.kernelFunc({ inputs: { a: alias, b: one }, backend: args.backend, attrs: {} }) as tf.TensorInfo;
    backend.disposeData(alias.dataId);
    backend.disposeData(one.dataId);
    return out;
  };
  tf.unregisterKernel('Cast', 'webgpu');
  tf.registerKernel({ ...cfg, kernelFunc: run as tf.KernelFunc, haiPatched: true } as tf.KernelConfig);
}
