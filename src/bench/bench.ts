/**
 * `hai bench`: fine-tuning and forward throughput of a KoELECTRA-small-shaped classifier on each backend.
 *
 * Every measurement runs in its own child process: a backend is chosen once per process (two native
 * TensorFlow bindings cannot share one), and an out-of-memory abort inside wasm kills the module for good,
 * so isolation is the only way to report it as a row and carry on (child.ts; the child's side is worker.ts).
 * PyTorch's rows on the same shapes come from torch.ts.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BACKENDS, BackendName } from '../engine/backend';
import { probeWebGpu } from '../engine/webgpu';
import { pipelineRow, pipelineRows, preparePipelineData } from './endtoend';
import { BenchConfig, BenchRow, BenchTask, stepRowBase } from './benchconfig';
import { childRow, runChild } from './child';
import { median } from './worker';
import { STEP_TASKS, addStepRatios, addTorchRatios, benchTorch, torchPipelineRows } from './torch';
import { repoPath } from '../util/paths';

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
    // Unasked, neither the pure-JS backend nor a software GPU (SwiftShader: a CPU, slower than wasm) is timed.
    const software = !explicit && backend === 'webgpu' && (await probeWebGpu()).adapter?.software;
    const skip = (!explicit && backend === 'cpu' && fasterRuns) || Boolean(software);
    const skipped = {
      status: 'skipped' as const,
      note: software
        ? 'the only WebGPU adapter is a software one (SwiftShader); pass --backends webgpu to measure it'
        : 'pure-JS backend, minutes per step at this size; pass --backends cpu to measure it',
    };
    for (const task of cfg.tasks.filter((t) => STEP_TASKS.includes(t)))
      for (const seq of cfg.seqs)
        for (const v of stepVariants(backend, task)) {
          const base = stepRowBase(cfg, v.label, task, seq);
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
            const gpu = p.adapter
              ? `on ${p.adapter}${/software\)$/.test(String(p.adapter)) ? ': a software GPU, not a GPU figure' : ''}`
              : undefined;
            const note = native ?? gpu ?? (v.graph ? 'the exported ONNX graph on onnxruntime-node' : undefined);
            return {
              ms_per_step: Math.round(ms * 10) / 10,
              examples_per_s: Math.round((cfg.batch / ms) * 1000 * 100) / 100,
              tokens_per_s: Math.round((cfg.batch * seq * 1000) / ms),
              heap_mib: (p.heap_mib as number | null) ?? undefined,
              gpu_mib: (p.gpu_mib as number | null) ?? undefined,
              rss_mib: p.rss_mib as number,
              ...(note ? { note } : {}),
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

export function formatBenchTable(rows: BenchRow[]): string {
  rows = rows.map((r) =>
    r.tokenizer
      ? { ...r, task: `tokenize: ${r.tokenizer}` as BenchTask, note: undefined }
      : r.variant
        ? { ...r, task: `${r.task}: ${r.variant}` as BenchTask }
        : r,
  );
  const ranges = rows.some((r) => r.ms_range);
  const torch = rows.some((r) => r.vs_torch !== undefined);
  const head = ['backend', 'task', 'batch', 'seq', 'layers', 'ms/step']
    .concat(ranges ? ['ms range'] : [])
    .concat(['examples/s', 'tokens/s', 'heap MiB'])
    .concat(rows.some((r) => r.gpu_mib !== undefined) ? ['GPU MiB'] : [])
    .concat(['RSS MiB'])
    .concat(torch ? ["x torch's time"] : [])
    .concat(['status']);
  const span = (x?: [number, number]) => (x ? `${x[0]}–${x[1]}` : '-');
  const body = rows.map((r) => [
    r.backend,
    r.task,
    String(r.batch),
    String(r.seq),
    String(r.layers),
    r.ms_per_step === null ? '-' : r.ms_per_step.toFixed(1),
    ...(ranges ? [span(r.ms_range)] : []),
    r.examples_per_s === null ? '-' : r.examples_per_s.toFixed(2),
    r.tokens_per_s === undefined ? '-' : String(r.tokens_per_s),
    r.heap_mib === undefined ? '-' : String(r.heap_mib),
    ...(head.includes('GPU MiB') ? [r.gpu_mib === undefined ? '-' : String(r.gpu_mib)] : []),
    r.rss_mib === undefined ? '-' : String(r.rss_mib),
    ...(torch
      ? [r.vs_torch === undefined ? '-' : `${r.vs_torch}${r.vs_torch_range ? ` (${span(r.vs_torch_range)})` : ''}`]
      : []),
    r.status + (r.rounds !== undefined ? ` (${r.rounds} rounds)` : '') + (r.note ? `: ${r.note}` : ''),
  ]);
  const last = head.length - 1;
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => (i === last ? 0 : b[i].length))));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === last ? c : c.padEnd(width[i]))).join('  ');
  return [fmt(head), ...body.map(fmt)].join('\n');
}
