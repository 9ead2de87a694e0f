/**
 * What `hai bench` is asked (`BenchConfig`, with its defaults) and what it reports (`BenchRow`), shared by the
 * step rows (bench.ts) and the end-to-end rows (benchpipe.ts) without either importing the other.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import type { BackendName } from '../engine/backend';

/** `train`/`forward`: one step at fixed shapes; `epoch`/`predict`: end to end through the library (benchpipe.ts). */
export type BenchTask = 'train' | 'forward' | 'tokenize' | 'epoch' | 'predict' | 'data';
export const BENCH_TASKS: BenchTask[] = ['train', 'forward', 'tokenize', 'epoch', 'predict', 'data'];
export interface BenchConfig {
  /** Tokenizer folders to time (`name=dir`); a WordPiece vocab trained on the bundled corpus is always added. */
  tokenizers: { name: string; dir: string }[];
  backends: BackendName[] | null; // null: every available backend except the pure-JS cpu one when a faster one runs
  tasks: BenchTask[];
  batch: number;
  seqs: number[];
  layers: number;
  warmup: number;
  steps: number;
  timeoutS: number;
  /** Activation checkpointing in the training rows (recompute layers in the backward pass). */
  checkpoint: boolean;
  /** Also time PyTorch on the same shapes (bench/torch_step.py with /usr/bin/python3), when torch is there. */
  torch: boolean;
  /** `epoch`/`predict` rows: at most this many rows of course_train.csv / course_valid.csv (null: all). */
  maxExamples: number | null;
  /** `data` rows (src/bench/data.ts): table sizes to read, tokenize, encode and batch. */
  rows: number[];
  /** Whole rounds of the bench (ours, then PyTorch's, each round): rows give the median and range (repeat.ts). */
  repeat: number;
}

export function benchDefaults(overrides: Partial<BenchConfig> = {}): BenchConfig {
  return {
    tokenizers: [],
    backends: null,
    tasks: ['train', 'forward', 'tokenize'],
    batch: 32,
    seqs: [64, 128],
    layers: 12,
    warmup: 1,
    steps: 3,
    timeoutS: 900,
    checkpoint: false,
    torch: false,
    maxExamples: null,
    rows: [100_000, 1_000_000, 2_000_000],
    repeat: 1,
    ...overrides,
  };
}

export interface BenchRow {
  backend: BackendName;
  task: BenchTask;
  batch: number;
  seq: number;
  ms_per_step: number | null;
  examples_per_s: number | null;
  layers: number;
  steps: number;
  status: 'ok' | 'error' | 'timeout' | 'unavailable' | 'skipped';
  note?: string;
  /** Tokenizer rows: which tokenizer was timed. */
  tokenizer?: string;
  /** `epoch`/`predict` rows: which pipeline, its total seconds, rows, and the mean length rows were padded to. */
  variant?: string;
  seconds?: number;
  examples?: number;
  mean_len?: number;
  /** Seconds of torch's original pipeline on the same rows / this row's seconds (benchpipe.ts addTorchRatios). */
  torch_ratio?: number;
  /** `train`/`forward` rows on wasm: the wasm heap after the steps (its high-water mark; it never shrinks). */
  heap_mib?: number;
  /** `train`/`forward` rows: this row's ms/step over torch's on the same task and shape (lower is better). */
  vs_torch?: number;
  /** `train`/`forward` rows: batch × seq tokens per second. */
  tokens_per_s?: number;
  /** `train`/`forward` rows on webgpu: the most GPU memory tfjs's buffer manager held (tensors and free pool). */
  gpu_mib?: number;
  /** `data` rows: the child process's peak RSS. */
  rss_mib?: number;
  /** `--repeat`: the rounds this row's medians are over, and the ranges (min, max) of its figures. */
  rounds?: number;
  ms_range?: [number, number];
  seconds_range?: [number, number];
  vs_torch_range?: [number, number];
  torch_ratio_range?: [number, number];
}

/** A train/forward row of `backend` at `seq` before it is measured: its shape from the config, no timings yet. */
export const stepRowBase = (cfg: BenchConfig, backend: BackendName, task: BenchTask, seq: number) => ({
  backend,
  task,
  batch: cfg.batch,
  seq,
  layers: cfg.layers,
  steps: cfg.steps,
  ms_per_step: null,
  examples_per_s: null,
});
