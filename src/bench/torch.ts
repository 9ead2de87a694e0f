/**
 * PyTorch on the same shapes and the same ids, for the ratios the performance targets are stated in:
 * bench/torch_step.py (train/forward steps) and bench/torch_epoch.py (epoch/predict end to end).
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import type { BackendName } from '../engine/backend';
import { BenchConfig, BenchRow, BenchTask, stepRowBase } from './benchconfig';
import { PipelineData, pipelineBase, pipelineRow } from './endtoend';
import { repoPath } from '../util/paths';

export const STEP_TASKS: BenchTask[] = ['train', 'forward'];
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

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
 * Runs one of bench/'s PyTorch scripts with the thread setting below; its last stdout line is its JSON result, or
 * `why` says what stopped it (no python, no torch, its own last error line) and whether it ran out of time.
 */
function runTorchScript(
  script: string,
  args: string[],
  timeoutS: number,
): { json: Record<string, unknown> | null; why?: string; timedOut?: boolean } {
  const py = process.env.HAI_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(py, [script, ...args], {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(os.availableParallelism()) },
  });
  const out = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (!r.error && r.status === 0 && out.startsWith('{')) return { json: JSON.parse(out) as Record<string, unknown> };
  const why = r.error
    ? `${py}: ${r.error.message}`
    : /No module named 'torch'/.test(r.stderr ?? '')
      ? 'torch is not installed (apt-get install python3-torch libopenblas0-pthread)'
      : (r.stderr ?? '').trim().split('\n').pop();
  return { json: null, why, timedOut: Boolean(r.error && /ETIMEDOUT/.test(r.error.message)) };
}

/**
 * The PyTorch reference on the same shapes (bench/torch_step.py): one intra-op thread and
 * OPENBLAS_NUM_THREADS = cores, the fastest arrangement measured on 2 cores (both at 2 oversubscribe).
 * Needs Debian's python3-torch, and libopenblas0-pthread for a fast BLAS; otherwise the rows say why not.
 */
export function benchTorch(cfg: BenchConfig): BenchRow[] {
  const script = repoPath('bench', 'torch_step.py');
  const rows: BenchRow[] = [];
  for (const task of cfg.tasks.filter((t) => STEP_TASKS.includes(t)))
    for (const seq of cfg.seqs) {
      const base = stepRowBase(cfg, 'torch' as BackendName, task, seq);
      const shape = ['--layers', String(cfg.layers), '--batch', String(cfg.batch), '--seq', String(seq)];
      const steps = ['--warmup', String(cfg.warmup), '--steps', String(cfg.steps)];
      const r = runTorchScript(script, ['--task', task, ...shape, ...steps], cfg.timeoutS);
      if (!r.json) {
        rows.push({ ...base, status: 'unavailable', note: r.why });
        break;
      }
      const ms = r.json.ms as number;
      rows.push({
        ...base,
        status: 'ok',
        ms_per_step: Math.round(ms * 10) / 10,
        examples_per_s: Math.round((cfg.batch / ms) * 1000 * 100) / 100,
        note: `torch ${r.json.torch}`,
      });
    }
  return rows;
}

/**
 * bench/torch_epoch.py on the same ids: the notebook's loop (static padding, RandomSampler, AdamW, linear
 * schedule, clip 1.0; batch 256 in micro-batches of 32) and, for comparison, the fast pipeline done in torch.
 */
export function torchPipelineRows(cfg: BenchConfig, d: PipelineData): BenchRow[] {
  const script = repoPath('bench', 'torch_epoch.py');
  const rows: BenchRow[] = [];
  const runs: [BenchTask, string, string[]][] = [];
  if (cfg.tasks.includes('epoch'))
    runs.push(['epoch', 'original pipeline', []], ['epoch', 'fast pipeline', ['--dynamic']]);
  if (cfg.tasks.includes('predict'))
    runs.push(['predict', 'static padding', []], ['predict', 'dynamic padding', ['--dynamic']]);
  for (const [task, variant, extra] of runs) {
    const base = pipelineBase('torch' as BackendName, task, variant, cfg, d);
    const file = task === 'epoch' ? d.trainIds : d.validIds;
    const args = ['--task', task, '--data', file, '--layers', String(cfg.layers), '--batch', String(base.batch)];
    const r = runTorchScript(script, [...args, ...extra], cfg.timeoutS);
    if (!r.json) {
      rows.push({ ...base, status: r.timedOut ? 'timeout' : 'unavailable', note: r.why });
      if (!r.timedOut) break;
      continue;
    }
    const j = r.json as { torch: string; seconds: number; steps: number; examples: number; mean_len: number };
    const micro = task === 'epoch' ? ', micro-batches of 32 rows' : '';
    const detail = `torch ${j.torch}${micro}${extra.length ? ", this kit's trick done in torch" : ', as the notebook'}`;
    rows.push(pipelineRow(base, { ...j, detail }, d));
  }
  return rows;
}

/**
 * Each of our epoch/predict rows gets `torch_ratio` = seconds of torch's original (static) pipeline on the same
 * rows / our seconds: above 1 we are faster than the notebook's PyTorch run.
 */
export function addTorchRatios(rows: BenchRow[]): void {
  for (const task of ['epoch', 'predict'] as const) {
    const ref = rows.find(
      (r) =>
        r.backend === ('torch' as BackendName) &&
        r.task === task &&
        r.status === 'ok' &&
        r.variant === (task === 'epoch' ? 'original pipeline' : 'static padding'),
    );
    if (!ref?.seconds) continue;
    for (const r of rows) {
      if (r.task !== task || r.status !== 'ok' || !r.seconds || r === ref) continue;
      r.torch_ratio = round(ref.seconds / r.seconds, 2);
      r.note = `${r.note}; torch ${task === 'epoch' ? 'original' : 'static'} / this = ${r.torch_ratio.toFixed(2)}x`;
    }
  }
}
