/**
 * `hai bench`: fine-tuning and forward throughput of a KoELECTRA-small-shaped classifier on each backend.
 *
 * Every measurement runs in its own child process: a backend is chosen once per process (two native
 * TensorFlow bindings cannot share one), and an out-of-memory abort inside wasm kills the module for good,
 * so isolation is the only way to report it as a row and carry on. Timings are the median of `steps`
 * steps after `warmup` steps, each read back to the host so that asynchronous backends are really done.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { nativeMatMulStatus } from '../engine/nativematmul';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, BackendName, initBackend } from '../engine/backend';
import { crossEntropy } from '../train/losses';
import { AdamW } from '../train/optim';
import { electraForward, electraSmallConfig, initElectraParams } from '../models/modeling';
import { wasmHeapBytes } from '../engine/wasmfast';
import {
  PipelineSpec,
  addTorchRatios,
  pipelineMeasure,
  pipelineRow,
  pipelineRows,
  preparePipelineData,
  torchPipelineRows,
} from './endtoend';
import type { BenchConfig, BenchRow, BenchTask } from './benchconfig';
import { repoPath } from '../util/paths';

const STEP_TASKS: BenchTask[] = ['train', 'forward'];

/** Puts ours/torch time ratios on the step rows, the figure the performance targets are stated in. */
export function addStepRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    if (
      !STEP_TASKS.includes(r.task) ||
      r.backend === ('torch' as BackendName) ||
      r.status !== 'ok' ||
      r.ms_per_step === null
    )
      continue;
    const t = rows.find(
      (x) =>
        x.backend === ('torch' as BackendName) &&
        x.task === r.task &&
        x.seq === r.seq &&
        x.batch === r.batch &&
        x.layers === r.layers &&
        x.status === 'ok',
    );
    if (!t?.ms_per_step) continue;
    r.vs_torch = Math.round((r.ms_per_step / t.ms_per_step) * 100) / 100;
    r.note = `${r.note ? `${r.note}; ` : ''}${r.vs_torch.toFixed(2)}x torch's time`;
  }
}

/**
 * Tokenizer throughput (sentences/s, warm caches, `call` with padding to `seq`), on the bundled corpus's
 * rows: the original notebook tokenized 1.9 M rows, so this is the data pipeline's cost per example.
 */
export async function benchTokenizers(
  texts: string[],
  tokenizers: { name: string; dir: string }[],
  seq: number,
  batch: number,
): Promise<BenchRow[]> {
  const { AutoTokenizer } = await import('../models/autotokenizer');
  const rows: BenchRow[] = [];
  for (const t of tokenizers) {
    const tok = await AutoTokenizer.from_pretrained(t.dir);
    tok.encodeBatch(texts, { max_length: seq, padding: 'max_length', truncation: true }); // warm the word caches
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let s = 0; s < texts.length; s += batch)
        tok.encodeBatch(texts.slice(s, s + batch), { max_length: seq, padding: 'max_length', truncation: true });
      times.push(performance.now() - t0);
    }
    const ms = median(times) / Math.ceil(texts.length / batch);
    rows.push({
      backend: 'js' as BackendName,
      task: 'tokenize',
      tokenizer: t.name,
      batch,
      seq,
      layers: 0,
      steps: 3,
      status: 'ok',
      ms_per_step: Math.round(ms * 1000) / 1000,
      examples_per_s: Math.round((batch / ms) * 1000),
      note: `${texts.length} sentences, ${t.dir}`,
    });
  }
  return rows;
}

const median = (xs: number[]) => {
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
): Promise<{ times: number[]; heap_mib: number | null }> {
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
    // Progress on stderr, so a parent that sees this process die knows how far it got.
    process.stderr.write(
      `bench-progress step ${i + 1}/${warmup + steps} ${ms.toFixed(0)} ms, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB in tensors\n`,
    );
  }
  opt.dispose();
  tf.dispose([ids, mask, labels, ...vars]);
  const heap = wasmHeapBytes();
  return { times, heap_mib: heap === null ? null : Math.round(heap / 2 ** 20) };
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
  try {
    backend = (await initBackend()).name;
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
  const { times, heap_mib } = await measure(
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
      rss_mib: rss(),
      native: backend === 'wasm' && native.active,
      native_why: native.reason,
    }) + '\n',
  );
}

function runChild(
  backend: BackendName,
  spec: object,
  timeoutS: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const bin = repoPath('bin', 'hai.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'bench', '--worker', JSON.stringify(spec)], {
      env: { ...process.env, HAI_BACKEND: backend, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '',
      timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** Runs every measurement of `cfg`, each in a fresh process, calling `onRow` as rows arrive. */
export async function runBench(cfg: BenchConfig, onRow: (r: BenchRow) => void = () => {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const emit = (r: BenchRow) => {
    rows.push(r);
    onRow(r);
  };
  if (cfg.tasks.includes('tokenize')) {
    const { convertFiles } = await import('../data/aihub');
    const { trainWordPieceTokenizer } = await import('../text/wordpiece');
    const texts = convertFiles([repoPath('data', 'aihub')]).rows.map((r) => r.contents);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-bench-wp-'));
    trainWordPieceTokenizer(dir, texts, { vocab_size: 8000 });
    for (const seq of cfg.seqs) {
      for (const r of await benchTokenizers(
        texts,
        [{ name: 'wordpiece (8k vocab trained on the corpus)', dir }, ...cfg.tokenizers],
        seq,
        cfg.batch,
      ))
        emit(r);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (cfg.tasks.includes('data'))
    for (const r of await (
      await import('./data')
    ).benchData(cfg.rows, cfg.timeoutS, (spec, t) => runChild('wasm', spec, t)))
      emit(r);
  const pipeline = cfg.tasks.some((t) => t === 'epoch' || t === 'predict')
    ? await preparePipelineData(cfg.maxExamples)
    : null;
  const explicit = cfg.backends !== null;
  const unavailable = new Set<BackendName>();
  for (const backend of cfg.backends ?? BACKENDS) {
    const fasterRuns = rows.some((r) => r.status === 'ok');
    const skip = !explicit && backend === 'cpu' && fasterRuns;
    const skipped = {
      status: 'skipped' as const,
      note: 'pure-JS backend, minutes per step at this size; pass --backends cpu to measure it',
    };
    for (const task of cfg.tasks.filter((t) => STEP_TASKS.includes(t)))
      for (const seq of cfg.seqs)
        for (const v of stepVariants(backend, task)) {
          const base = {
            backend: v.label,
            task,
            batch: cfg.batch,
            seq,
            layers: cfg.layers,
            steps: cfg.steps,
            ms_per_step: null,
            examples_per_s: null,
          };
          if (unavailable.has(backend)) continue;
          if (skip) {
            emit({ ...base, ...skipped });
            continue;
          }
          const spec = {
            task,
            batch: cfg.batch,
            seq,
            layers: cfg.layers,
            warmup: cfg.warmup,
            steps: cfg.steps,
            checkpoint: cfg.checkpoint,
            graph: v.graph,
          };
          const row = childRow(base, await runChild(backend, spec, cfg.timeoutS, v.env), cfg.timeoutS, (p) => {
            const ms = median(p.times as number[]);
            const native =
              v.env.HAI_NATIVE === '1'
                ? p.native
                  ? 'products and fused layers on onnxruntime-node'
                  : `native kernels off: ${p.native_why}`
                : undefined;
            return {
              ms_per_step: Math.round(ms * 10) / 10,
              examples_per_s: Math.round((cfg.batch / ms) * 1000 * 100) / 100,
              heap_mib: (p.heap_mib as number | null) ?? undefined,
              rss_mib: p.rss_mib as number,
              ...(native ? { note: native } : v.graph ? { note: 'the exported ONNX graph on onnxruntime-node' } : {}),
            };
          });
          if (row.status === 'unavailable') unavailable.add(backend);
          emit(row);
        }
    if (pipeline && !unavailable.has(backend)) {
      await pipelineRows(cfg, backend, pipeline, async (spec, base) => {
        const row = skip
          ? { ...base, ...skipped }
          : childRow(base, await runChild(backend, spec, cfg.timeoutS), cfg.timeoutS, (p) =>
              pipelineRow(base, p.result as never, pipeline),
            );
        emit(row);
        return row;
      });
    }
  }
  if (cfg.torch) for (const r of benchTorch(cfg)) emit(r);
  if (cfg.torch && pipeline) for (const r of torchPipelineRows(cfg, pipeline)) emit(r);
  addTorchRatios(rows);
  addStepRatios(rows);
  if (pipeline) fs.rmSync(pipeline.dir, { recursive: true, force: true });
  return rows;
}

/**
 * On wasm each step row is measured twice: on tfjs-backend-wasm's own kernels (`wasm`, HAI_NATIVE=0) and with the
 * native kernels of src/engine/nativematmul.ts (`wasm+ort`, the default where onnxruntime-node loads); forward rows
 * also on the exported graph run by onnxruntime-node alone (`ort`).
 */
function stepVariants(
  backend: BackendName,
  task: BenchTask,
): { label: BackendName; env: NodeJS.ProcessEnv; graph?: boolean }[] {
  if (backend !== 'wasm') return [{ label: backend, env: {} }];
  const out: { label: BackendName; env: NodeJS.ProcessEnv; graph?: boolean }[] = [
    { label: 'wasm', env: { HAI_NATIVE: '0' } },
    { label: 'wasm+ort' as BackendName, env: { HAI_NATIVE: '1' } },
  ];
  if (task === 'forward') out.push({ label: 'ort' as BackendName, env: {}, graph: true });
  return out;
}

/** The row of one child process: its result, or why there is none (timeout, backend unavailable, crash). */
function childRow(
  base: Omit<BenchRow, 'status'>,
  res: Awaited<ReturnType<typeof runChild>>,
  timeoutS: number,
  ok: (parsed: Record<string, unknown>) => Partial<BenchRow>,
): BenchRow {
  const last = res.stdout.trim().split('\n').pop() ?? '';
  let parsed: { status?: string; note?: string } & Record<string, unknown> = {};
  try {
    parsed = JSON.parse(last);
  } catch {
    /* the child died before printing: reported below */
  }
  if (res.timedOut) return { ...base, status: 'timeout', note: `no result within ${timeoutS} s (--timeout)` };
  if (parsed.status === 'unavailable') return { ...base, status: 'unavailable', note: parsed.note };
  if (parsed.status === 'ok') return { ...base, status: 'ok', ...ok(parsed) };
  const lines = res.stderr.split('\n').map((s) => s.trim());
  const why = lines.filter((s) => /error|abort|memory|RangeError/i.test(s)).pop() ?? lines.filter(Boolean).pop() ?? '';
  const progress = lines
    .filter((s) => s.startsWith('bench-progress '))
    .pop()
    ?.slice('bench-progress '.length);
  // Emscripten reports an exhausted heap (4 GiB in tfjs-backend-wasm) as an abort or an out-of-bounds access.
  const heap =
    res.code !== null && /Aborted|memory access out of bounds|Cannot enlarge memory/i.test(why)
      ? ' (wasm heap exhausted?)'
      : '';
  return {
    ...base,
    status: 'error',
    note: `${why.slice(0, 200)}${heap}; ${progress ? `last completed: ${progress}` : 'no step completed'}`,
  };
}

/**
 * The PyTorch reference on the same shapes (bench/torch_step.py): one intra-op thread and
 * OPENBLAS_NUM_THREADS = cores, the fastest arrangement measured on 2 cores (both at 2 oversubscribe).
 * Needs Debian's python3-torch, and libopenblas0-pthread for a fast BLAS; otherwise the rows say why not.
 */
export function benchTorch(cfg: BenchConfig): BenchRow[] {
  const py = process.env.HAI_PYTHON ?? '/usr/bin/python3';
  const script = repoPath('bench', 'torch_step.py');
  const rows: BenchRow[] = [];
  for (const task of cfg.tasks.filter((t) => STEP_TASKS.includes(t)))
    for (const seq of cfg.seqs) {
      const base = {
        backend: 'torch' as BackendName,
        task,
        batch: cfg.batch,
        seq,
        layers: cfg.layers,
        steps: cfg.steps,
        ms_per_step: null,
        examples_per_s: null,
      };
      const r = spawnSync(
        py,
        [
          script,
          '--task',
          task,
          '--layers',
          String(cfg.layers),
          '--batch',
          String(cfg.batch),
          '--seq',
          String(seq),
          '--warmup',
          String(cfg.warmup),
          '--steps',
          String(cfg.steps),
        ],
        {
          encoding: 'utf8',
          timeout: cfg.timeoutS * 1000,
          env: { ...process.env, OPENBLAS_NUM_THREADS: String(os.availableParallelism()) },
        },
      );
      const out = (r.stdout ?? '').trim().split('\n').pop() ?? '';
      if (r.error || r.status !== 0 || !out.startsWith('{')) {
        const why = r.error
          ? `${py}: ${r.error.message}`
          : /No module named 'torch'/.test(r.stderr ?? '')
            ? 'torch is not installed (apt-get install python3-torch libopenblas0-pthread)'
            : (r.stderr ?? '').trim().split('\n').pop();
        rows.push({ ...base, status: 'unavailable', note: why });
        break;
      }
      const ms = JSON.parse(out).ms as number;
      rows.push({
        ...base,
        status: 'ok',
        ms_per_step: Math.round(ms * 10) / 10,
        examples_per_s: Math.round((cfg.batch / ms) * 1000 * 100) / 100,
        note: `torch ${JSON.parse(out).torch}`,
      });
    }
  return rows;
}

export function formatBenchTable(rows: BenchRow[]): string {
  rows = rows.map((r) =>
    r.tokenizer
      ? { ...r, task: `tokenize: ${r.tokenizer}` as BenchTask, note: undefined }
      : r.variant
        ? { ...r, task: `${r.task}: ${r.variant}` as BenchTask }
        : r,
  );
  const head = ['backend', 'task', 'batch', 'seq', 'layers', 'ms/step', 'examples/s', 'heap MiB', 'RSS MiB', 'status'];
  const body = rows.map((r) => [
    r.backend,
    r.task,
    String(r.batch),
    String(r.seq),
    String(r.layers),
    r.ms_per_step === null ? '-' : r.ms_per_step.toFixed(1),
    r.examples_per_s === null ? '-' : r.examples_per_s.toFixed(2),
    r.heap_mib === undefined ? '-' : String(r.heap_mib),
    r.rss_mib === undefined ? '-' : String(r.rss_mib),
    r.status + (r.note ? `: ${r.note}` : ''),
  ]);
  const last = head.length - 1;
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => (i === last ? 0 : b[i].length))));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === last ? c : c.padEnd(width[i]))).join('  ');
  return [fmt(head), ...body.map(fmt)].join('\n');
}
