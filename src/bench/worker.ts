/**
 * The child process of `hai bench`: one measurement on the backend this process runs (`HAI_BACKEND`, set by
 * the parent in bench.ts), printed as one JSON line. Timings are the median of `steps` steps after `warmup`
 * steps, each read back to the host with `await data()`, so that asynchronous backends (webgpu) are really done.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { nativeMatMulStatus } from '../engine/nativematmul';
import { BackendName, initBackend } from '../engine/backend';
import { describeAdapter } from '../engine/webgpu';
import { wasmHeapBytes } from '../engine/wasmfast';
import { crossEntropy } from '../train/losses';
import { AdamW } from '../train/optim';
import { electraForward, electraSmallConfig, initElectraParams } from '../models/modeling';
import { PipelineSpec, pipelineMeasure } from './endtoend';
import type { BenchTask } from './benchconfig';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Forward steps of the same model exported as one ONNX graph (src/models/onnxexport.ts) and run by
 * onnxruntime-node: the inference path of `hai eval --runtime onnx`, the web app and transformers.js.
 */
async function measureOnnxGraph(
  batch: number,
  seq: number,
  layers: number,
  warmup: number,
  steps: number,
): Promise<number[]> {
  const { exportOnnx } = await import('../models/onnxexport');
  const { OnnxClassifier } = await import('../models/onnxruntime');
  const config = electraSmallConfig({ num_hidden_layers: layers });
  const params = initElectraParams(config, 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-bench-onnx-'));
  try {
    exportOnnx({ config, params }, dir, { log: () => {} });
    tf.dispose([...params.values()]);
    const model = await OnnxClassifier.load(dir, { threads: Number(process.env.HAI_NATIVE_THREADS ?? 0) || undefined });
    const ids = Array.from({ length: batch }, (_, b) =>
      Array.from({ length: seq }, (_, t) => (b * 7919 + t * 104729) % config.vocab_size),
    );
    const batchIn = { input_ids: ids, attention_mask: ids.map((r) => r.map(() => 1)) };
    const times: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      await model.logits(batchIn);
      if (i >= warmup) times.push(performance.now() - t0);
    }
    return times;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One measurement on the backend this process already runs. */
export async function measure(
  task: BenchTask,
  batch: number,
  seq: number,
  layers: number,
  warmup: number,
  steps: number,
  checkpoint = false,
): Promise<{ times: number[]; heap_mib: number | null; gpu_mib: number | null }> {
  const config = electraSmallConfig({ num_hidden_layers: layers });
  const params = initElectraParams(config, 1);
  const ids = tf.randomUniform([batch, seq], 0, config.vocab_size, 'int32', 2) as tf.Tensor2D;
  const mask = tf.ones([batch, seq], 'int32') as tf.Tensor2D;
  const labels = tf.randomUniform([batch], 0, config.num_labels, 'int32', 3) as tf.Tensor1D;
  // The kit's AdamW (torch's semantics, one tidy per parameter), as bench/torch_step.py uses torch.optim.AdamW.
  const opt = new AdamW(params, { lr: 5e-5 });
  const vars = [...params.values()];
  const names = new Map([...params].map(([k, v]) => [v.name, k]));
  const times: number[] = [];
  let gpuBytes: number | null = null;
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    if (task === 'train') {
      const { value, grads } = tf.variableGrads(
        () =>
          crossEntropy(
            electraForward(params, config, ids, mask, { training: true, seed: i, checkpoint }),
            labels,
          ) as tf.Scalar,
        vars,
      );
      opt.step(Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k)!, g])));
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    } else {
      const logits = tf.tidy(() => electraForward(params, config, ids, mask));
      await logits.data();
      logits.dispose();
    }
    const ms = performance.now() - t0;
    if (i >= warmup) times.push(ms);
    // webgpu: the bytes its buffer manager holds on the GPU (tensors and the pool of free buffers).
    const onGpu = (tf.memory() as { numBytesAllocatedInGPU?: number }).numBytesAllocatedInGPU;
    if (onGpu !== undefined) gpuBytes = Math.max(gpuBytes ?? 0, onGpu);
    // Progress on stderr, so a parent that sees this process die knows how far it got.
    const mib = (tf.memory().numBytes / 2 ** 20).toFixed(0);
    process.stderr.write(`bench-progress step ${i + 1}/${warmup + steps} ${ms.toFixed(0)} ms, ${mib} MiB in tensors\n`);
  }
  opt.dispose();
  tf.dispose([ids, mask, labels, ...vars]);
  const heap = wasmHeapBytes();
  const mib = (b: number | null) => (b === null ? null : Math.round(b / 2 ** 20));
  return { times, heap_mib: mib(heap), gpu_mib: mib(gpuBytes) };
}

/** Entry point of a child process: `hai bench --worker '{"task":…}'`, with HAI_BACKEND set by the parent. */
export async function benchWorker(
  spec:
    | {
        task: BenchTask;
        batch: number;
        seq: number;
        layers: number;
        warmup: number;
        steps: number;
        checkpoint?: boolean;
        graph?: boolean;
      }
    | PipelineSpec
    | import('./data').DataSpec,
): Promise<void> {
  let backend: BackendName;
  let adapter: string | undefined;
  try {
    const info = await initBackend();
    backend = info.name;
    adapter = info.adapter ? describeAdapter(info.adapter) : undefined;
  } catch (e) {
    const why = (e as Error).message.replace(/^.*? backend is not available: /, '');
    process.stdout.write(JSON.stringify({ status: 'unavailable', note: why }) + '\n');
    return;
  }
  if ('task' in spec && spec.task === 'data') {
    const { dataMeasure } = await import('./data');
    process.stdout.write(JSON.stringify({ status: 'ok', backend, result: await dataMeasure(spec as never) }) + '\n');
    return;
  }
  if ('variant' in spec) {
    process.stdout.write(JSON.stringify({ status: 'ok', backend, result: await pipelineMeasure(spec) }) + '\n');
    return;
  }
  const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);
  if (spec.graph) {
    process.stdout.write(
      JSON.stringify({
        status: 'ok',
        backend,
        times: await measureOnnxGraph(spec.batch, spec.seq, spec.layers, spec.warmup, spec.steps),
        rss_mib: rss(),
      }) + '\n',
    );
    return;
  }
  const { times, heap_mib, gpu_mib } = await measure(
    spec.task,
    spec.batch,
    spec.seq,
    spec.layers,
    spec.warmup,
    spec.steps,
    Boolean(spec.checkpoint),
  );
  const native = nativeMatMulStatus();
  process.stdout.write(
    JSON.stringify({
      status: 'ok',
      backend,
      times,
      heap_mib,
      gpu_mib,
      adapter,
      rss_mib: rss(),
      native: backend === 'wasm' && native.active,
      native_why: native.reason,
    }) + '\n',
  );
}
