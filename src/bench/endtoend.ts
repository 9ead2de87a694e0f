/**
 * `hai bench --tasks epoch,predict`: the user's view of speed, end to end through the library's own paths.
 *
 * - `epoch`: one epoch of the tuned run's training (the Trainer, AdamW, linear schedule, clip 1.0, batch 256,
 *   micro-batches and activation checkpointing as `runCourse` picks them on this backend) on the bundled
 *   course_train.csv, with a KoELECTRA-small-shaped model (12 layers, hidden 256, vocab 35000; random init, as
 *   only the time counts), two ways: the `original pipeline` (`PRESETS.tuned`: every row padded to maxlen 256)
 *   and the `fast pipeline` (`PRESETS.fast`: dynamic padding and length-grouped batches).
 * - `predict`: `hai eval`'s path (`evalCsv`: load a saved model, tokenize, classify) on course_valid.csv, with
 *   static padding to the eval maxlen, dynamic padding, and dynamic padding over length-sorted batches.
 *
 * Tokens come from a WordPiece vocabulary trained on the corpus and the course encoding, computed once here and
 * written to JSON, so bench/torch_epoch.py (torch.ts) (the 2022 notebook's loop in PyTorch) sees the very same ids.
 * Every measurement runs in its own process, as the other bench rows (bench.ts).
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BackendName } from '../engine/backend';
import type { BenchConfig, BenchRow, BenchTask } from './benchconfig';
import { readRowsCsv, toCsv } from '../data/rows';
import { writeFileAtomic } from '../util/files';
import { Encoded, batches, rowLengths } from '../infer/batches';
import { repoPath } from '../util/paths';
import { describeMicroBatches } from '../train/batching';

const ROWS = repoPath('data', 'rows');
export type EpochVariant = 'original pipeline' | 'fast pipeline';
export type PredictVariant = 'static padding' | 'dynamic padding' | 'dynamic padding, sorted';
export const EPOCH_VARIANTS: EpochVariant[] = ['original pipeline', 'fast pipeline'];
export const PREDICT_VARIANTS: PredictVariant[] = ['static padding', 'dynamic padding', 'dynamic padding, sorted'];
const PREDICT_OPTIONS: Record<PredictVariant, { dynamic_padding: boolean; sort_by_length: boolean }> = {
  'static padding': { dynamic_padding: false, sort_by_length: false },
  'dynamic padding': { dynamic_padding: true, sort_by_length: false },
  'dynamic padding, sorted': { dynamic_padding: true, sort_by_length: true },
};
/** hai eval's batch (evalCsv's default). */
const EVAL_BATCH = 64;

/** What the parent prepares once: the tokenizer, both sides' token ids, the validation CSV, and row counts. */
export interface PipelineData {
  dir: string;
  tokenizer: string;
  trainIds: string;
  validIds: string;
  validCsv: string;
  train: number;
  trainTotal: number;
  valid: number;
  validTotal: number;
  maxlen: number;
  batch: number;
  meanTokens: number;
}

/**
 * Rows, tokenizer and ids for the epoch/predict rows (the tuned preset's maxlen, batch and course encoding);
 * pure JS.
 */
export async function preparePipelineData(maxExamples: number | null): Promise<PipelineData> {
  const { PRESETS } = await import('../course/config');
  const { encodeRows } = await import('../infer/load');
  const { evenSubset } = await import('../course/course');
  const { trainWordPieceTokenizer } = await import('../text/wordpiece');
  const { AutoTokenizer } = await import('../models/autotokenizer');
  const maxlen = PRESETS.tuned.maxlen!,
    batch = PRESETS.tuned.batch!;
  const allTrain = readRowsCsv(path.join(ROWS, 'course_train.csv')),
    allValid = readRowsCsv(path.join(ROWS, 'course_valid.csv'));
  // Evenly spaced rows keep every label and the length distribution of the whole table.
  const train = evenSubset(allTrain, maxExamples),
    valid = evenSubset(allValid, maxExamples);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-bench-epoch-'));
  const tokenizer = path.join(dir, 'tokenizer');
  trainWordPieceTokenizer(
    tokenizer,
    allTrain.map((r) => r.contents),
    { vocab_size: 8000 },
  );
  const tok = await AutoTokenizer.from_pretrained(tokenizer);
  const write = (file: string, enc: Encoded) => {
    writeFileAtomic(file, JSON.stringify({ maxlen, ...enc }));
    return file;
  };
  const trainEnc = encodeRows(tok, train, maxlen, 'course');
  const validCsv = path.join(dir, 'valid.csv');
  writeFileAtomic(validCsv, toCsv(valid));
  return {
    dir,
    tokenizer,
    trainIds: write(path.join(dir, 'train.json'), trainEnc),
    validIds: write(path.join(dir, 'valid.json'), encodeRows(tok, valid, maxlen, 'course')),
    validCsv,
    train: train.length,
    trainTotal: allTrain.length,
    valid: valid.length,
    validTotal: allValid.length,
    maxlen,
    batch,
    meanTokens: rowLengths(trainEnc).reduce((a, b) => a + b, 0) / train.length,
  };
}

export interface PipelineSpec {
  task: 'epoch' | 'predict';
  variant: string;
  layers: number;
  data: PipelineData;
}
export interface PipelineResult {
  seconds: number;
  steps: number;
  examples: number;
  mean_len: number;
  detail: string;
}

/** A KoELECTRA-small-shaped classifier (random init), `layers` deep. */
async function smallModel(layers: number) {
  const { electraSmallConfig, initElectraParams } = await import('../models/modeling');
  const { PreTrainedClassifier } = await import('../models/automodel');
  const config = electraSmallConfig({ num_hidden_layers: layers });
  return new PreTrainedClassifier(config, initElectraParams(config, 1));
}

/** The measurement itself, in a child process whose backend is initialised (bench.ts benchWorker). */
export async function pipelineMeasure(spec: PipelineSpec): Promise<PipelineResult> {
  const { PRESETS, courseDefaults } = await import('../course/config');
  const { courseTrainerConfig } = await import('../course/course');
  const { evalCsv } = await import('../infer/classify');
  const { Trainer } = await import('../train/trainer');
  const d = spec.data;
  const model = await smallModel(spec.layers);
  if (spec.task === 'epoch') {
    const enc = JSON.parse(fs.readFileSync(d.trainIds, 'utf8')) as Encoded;
    const c = courseDefaults({ ...(spec.variant === 'fast pipeline' ? PRESETS.fast : PRESETS.tuned), epochs: 1 });
    const tcfg = courseTrainerConfig(c, model.config);
    const t0 = performance.now();
    const trainer = new Trainer(model, enc, null, tcfg, {
      onStepEnd: (s) => {
        process.stderr.write(
          `bench-progress step ${s.step + 1}/${s.epochSteps} ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
        );
      },
    });
    const [e] = await trainer.fit();
    const seconds = (performance.now() - t0) / 1000;
    model.dispose();
    const micro = describeMicroBatches(tcfg.micro_batch_size ?? 0, tcfg.micro_batch_tokens ?? 0) ?? 'no micro-batches';
    const ck = tcfg.activation_checkpointing
      ? `, checkpointing${tcfg.checkpoint_min_tokens ? ` micro-batches ≥ ${tcfg.checkpoint_min_tokens} tokens` : ''}`
      : '';
    return {
      seconds,
      steps: Math.ceil(enc.labels.length / c.batch),
      examples: enc.labels.length,
      mean_len: e.mean_padded_length ?? d.maxlen,
      detail: `${micro}${ck}`,
    };
  }
  // predict: hai eval's whole path (load, tokenize, classify) on a model saved as a user's would be.
  const { savePretrained } = await import('../models/savepretrained');
  const modelDir = path.join(d.dir, `model-${process.pid}`);
  savePretrained(model, modelDir, { tokenizer: d.tokenizer });
  writeFileAtomic(path.join(modelDir, 'training_args.json'), JSON.stringify({ maxlen: d.maxlen, encoding: 'course' }));
  model.dispose();
  const o = PREDICT_OPTIONS[spec.variant as PredictVariant];
  const t0 = performance.now();
  const r = await evalCsv(modelDir, d.validCsv, { batch: EVAL_BATCH, ...o });
  const seconds = (performance.now() - t0) / 1000;
  fs.rmSync(modelDir, { recursive: true, force: true });
  const enc = JSON.parse(fs.readFileSync(d.validIds, 'utf8')) as Encoded;
  const len = rowLengths(enc),
    order = enc.labels.map((_, i) => i);
  if (o.sort_by_length) order.sort((a, b) => len[b] - len[a]);
  let padded = 0;
  for (const b of batches(enc, order, EVAL_BATCH, o.dynamic_padding)) padded += b.labels.length * b.input_ids[0].length;
  return {
    seconds,
    steps: Math.ceil(r.n / EVAL_BATCH),
    examples: r.n,
    mean_len: padded / r.n,
    detail: 'load + tokenize + classify',
  };
}

/** A row from a finished measurement. */
export function pipelineRow(base: Omit<BenchRow, 'status'>, r: PipelineResult, d: PipelineData): BenchRow {
  const rows =
    base.task === 'epoch'
      ? `${r.examples}/${d.trainTotal} rows of course_train.csv`
      : `${r.examples}/${d.validTotal} rows of course_valid.csv`;
  const what = base.task === 'epoch' ? `1 epoch of ${rows}` : rows;
  const unit = base.task === 'epoch' ? 'step' : 'batch';
  return {
    ...base,
    status: 'ok',
    seconds: round(r.seconds, 3),
    examples: r.examples,
    mean_len: round(r.mean_len, 1),
    steps: r.steps,
    ms_per_step: round((r.seconds * 1000) / r.steps, 1),
    examples_per_s: round(r.examples / r.seconds, 2),
    note:
      `${what}, ${r.steps} ${unit}${r.steps === 1 ? '' : base.task === 'epoch' ? 's' : 'es'}, ` +
      `${round(r.seconds, 1)} s, mean padded length ${round(r.mean_len, 1)}; ${r.detail}`,
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The measurements of one backend: `measure` runs a spec in a child process and turns its answer into a row. */
export async function pipelineRows(
  cfg: BenchConfig,
  backend: BackendName,
  d: PipelineData,
  measure: (spec: PipelineSpec, base: Omit<BenchRow, 'status'>) => Promise<BenchRow>,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const task of cfg.tasks.filter((t): t is 'epoch' | 'predict' => t === 'epoch' || t === 'predict')) {
    for (const variant of task === 'epoch' ? EPOCH_VARIANTS : PREDICT_VARIANTS) {
      const base = pipelineBase(backend, task, variant, cfg, d);
      const row = await measure({ task, variant, layers: cfg.layers, data: d }, base);
      rows.push(row);
      if (row.status === 'unavailable') return rows;
    }
  }
  return rows;
}

export function pipelineBase(
  backend: BackendName,
  task: BenchTask,
  variant: string,
  cfg: BenchConfig,
  d: PipelineData,
): Omit<BenchRow, 'status'> {
  return {
    backend,
    task,
    variant,
    batch: task === 'epoch' ? d.batch : EVAL_BATCH,
    seq: d.maxlen,
    layers: cfg.layers,
    steps: 0,
    ms_per_step: null,
    examples_per_s: null,
  };
}
