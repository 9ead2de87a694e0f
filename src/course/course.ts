/**
 * The course's training runs as configs: the original notebook's `args` object (train/valid paths, batch,
 * maxlen, lr, eps, epochs, model checkpoint) plus what later sessions vary (sampler, loss, freezing, seed).
 * `runCourse` loads the model and tokenizer (from the hub, the cache, a folder, or an explicit offline
 * stand-in), encodes the CSVs as the original did, trains with the generic Trainer, and writes a checkpoint
 * per epoch and `metrics.json`.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AutoModelForSequenceClassification, PreTrainedClassifier } from '../models/automodel';
import { LABELS, Row } from '../data/rows';
import { writeFileAtomic } from '../util/files';
import { FreezeSpec, freeze } from '../models/freeze';
import { envTrue } from '../util/env';
import { LossConfig, balancedClassWeights, lossDefaults } from '../train/losses';
import { Encoded, SamplerKind } from '../train/batching';
import { AutoTokenizer } from '../models/autotokenizer';
import { PreTrainedTokenizer, courseEncode } from '../text/pretrainedtokenizer';
import {
  Callbacks,
  EpochInfo,
  PredictOptions,
  Trainer,
  TrainerConfig,
  currentSeed,
  evaluate,
  predict,
} from '../train/trainer';
import { RunPlan, formatPlan, planTraining } from '../train/plan';
import { encodeRagged } from '../text/ragged';
import { encodeCourseData, encodeCsv, encodingCacheDir } from './encodecache';
import { checkRowsCsv } from '../data/csvcolumns';
import { fusesActivation } from '../engine/fusedlayer';
import { repoPath } from '../util/paths';
import { checkConfigTypes } from './configcheck';

const DATA = repoPath('data', 'rows');

export interface CourseConfig {
  train_path: string;
  valid_path: string;
  batch: number;
  maxlen: number;
  lr: number;
  eps: number;
  epochs: number;
  model_ckpt: string;
  sampler: SamplerKind;
  /** Loss settings; `class_weights: 'balanced'` computes sklearn-style weights from the training labels. */
  loss: Omit<Partial<LossConfig>, 'class_weights'> & { class_weights?: number[] | 'balanced' | null };
  freeze: FreezeSpec | null;
  seed: number;
  /** Output folder: `epoch-N/` checkpoints, `final/`, `metrics.json`; null writes nothing. */
  out: string | null;
  /** `course`: "[CLS] text [SEP]", pad 0, mask id>0, as the original; `hf`: the tokenizer's own call. */
  encoding: 'course' | 'hf';
  adamw: 'torch' | 'hf';
  weight_decay: number;
  warmup_steps: number;
  max_grad_norm: number;
  /**
   * Pad each batch to its longest row, not to `maxlen` (trainer.ts). With `group_by_length`, batches hold rows
   * of similar length (HF Trainer's option). Both default to on for every config except the original presets:
   * the course's utterances are a few tokens long, and padding them all to the tuned run's maxlen 256 spends
   * almost all of the compute on padding. Dynamic padding changes no number in eval mode; grouping changes the
   * order of the examples, so the two 2022 runs (`PRESETS.baseline`, `.tuned`) keep both off.
   */
  dynamic_padding: boolean;
  group_by_length: boolean;
  /** Micro-batch size for gradient accumulation; null: 32 on the wasm/cpu backends (their heap), else none. */
  micro_batch: number | null;
  /**
   * Recompute layers in the backward pass; null: on for models of 6+ layers on the wasm/cpu backends (the 4 GB
   * wasm heap), for the micro-batches big enough to need it (see `courseTrainerConfig`).
   */
  activation_checkpointing: boolean | null;
  /**
   * Learning-rate multiplier applied when the model is an offline stand-in: stand-ins are randomly
   * initialised, and at a pre-trained model's rate (1e-4) they learn only the label prior within a short
   * run. The run prints the rate it uses. 1 keeps the preset's rate.
   */
  standin_lr_scale: number;
  /**
   * Fields that replace the config's when the loaded model is an offline stand-in (printed; saved in
   * training_args.json): a random init needs many more, smaller steps than a pre-trained model. The rate stays
   * `standin_lr_scale`'s. `{}` keeps the config's; `smokeConfig` caps these like the others.
   */
  standin_recipe: StandinRecipe;
  /** Offline stand-in for a hub id that is neither cached nor reachable (default: $HAI_STANDIN). */
  standin?: boolean;
  /**
   * The tokenizer class, over the one AutoTokenizer resolves as transformers does (src/text/tokenizerclass.ts):
   * null gives what the course got (DistilKoBERT → WordPiece over KoBERT's ▁ vocabulary, half [UNK]);
   * 'KoBertTokenizer' gives what DistilKoBERT's README asks for.
   */
  tokenizer_class: string | null;
  /** Keep at most this many rows (evenly spaced, so a sorted table stays sorted); null keeps all. */
  max_train: number | null;
  max_valid: number | null;
  /** Tokenize, batch and time a few steps, print the plan and its estimate, and stop (src/train/plan.ts). */
  dry_run: boolean;
  /** Cache encodings in $HAI_ENCODING_CACHE (default ~/.cache/hai/encodings), keyed by tokenizer, file and settings. */
  encoding_cache: boolean;
}

/** What `standin_recipe` may set (configcheck.ts checks each as the field itself). */
export const STANDIN_RECIPE_FIELDS = ['batch', 'epochs', 'warmup_steps', 'sampler', 'loss'] as const;
export type StandinRecipe = Partial<Pick<CourseConfig, (typeof STANDIN_RECIPE_FIELDS)[number]>>;

export function courseDefaults(o: Partial<CourseConfig> = {}): CourseConfig {
  return {
    train_path: path.join(DATA, 'course_train.csv'),
    valid_path: path.join(DATA, 'course_valid.csv'),
    batch: 32,
    maxlen: 128,
    lr: 5e-5,
    eps: 1e-8,
    epochs: 1,
    model_ckpt: 'monologg/koelectra-small-v3-discriminator',
    sampler: 'random',
    loss: {},
    freeze: null,
    seed: currentSeed(),
    out: null,
    encoding: 'course',
    adamw: 'hf',
    weight_decay: 0,
    warmup_steps: 0,
    max_grad_norm: 1.0,
    dynamic_padding: true,
    group_by_length: true,
    micro_batch: null,
    activation_checkpointing: null,
    standin_lr_scale: 10,
    standin_recipe: {},
    tokenizer_class: null,
    max_train: null,
    max_valid: null,
    dry_run: false,
    encoding_cache: true,
    ...o,
  };
}

/** Throws naming every unknown or mistyped field of `o` (overrides, a config file), before any work is done. */
export const checkCourseConfig = (o: object, where: string): void => checkConfigTypes(o, where, courseDefaults());

/**
 * The two runs of the course (ORIGINAL.md): the baseline that scored near chance, and the tuned one. They keep
 * the 2022 pipeline exactly (every row padded to maxlen, the course's sampler), so they re-run the notebooks.
 * `fast` is the tuned run on this kit's pipeline: dynamic padding and length-grouped random batches (the
 * defaults of any other config), the same model and hyper-parameters; `hai bench --tasks epoch` times both.
 */
export const PRESETS: Record<'baseline' | 'tuned' | 'fast', Partial<CourseConfig>> = {
  baseline: {
    model_ckpt: 'monologg/distilkobert',
    sampler: 'sequential',
    batch: 256,
    maxlen: 16,
    lr: 2e-5,
    eps: 1e-8,
    epochs: 1,
    dynamic_padding: false,
    group_by_length: false,
  },
  tuned: {
    model_ckpt: 'monologg/koelectra-small-v3-discriminator',
    sampler: 'random',
    batch: 256,
    maxlen: 256,
    lr: 1e-4,
    eps: 1e-8,
    epochs: 5,
    dynamic_padding: false,
    group_by_length: false,
  },
  fast: {
    model_ckpt: 'monologg/koelectra-small-v3-discriminator',
    sampler: 'random',
    batch: 256,
    maxlen: 256,
    lr: 1e-4,
    eps: 1e-8,
    epochs: 5,
    dynamic_padding: true,
    group_by_length: true,
    standin_recipe: { batch: 32, epochs: 15, loss: { class_weights: 'balanced' } },
  },
};

/** `HAI_SMOKE=1`: 1,600 training rows, at most 5 epochs, maxlen 64 and batch 32, so every session runs in about a minute. */
export const smokeRequested = () => envTrue(process.env.HAI_SMOKE);
export function smokeConfig(c: CourseConfig): CourseConfig {
  // Dynamic padding changes no number (padding is masked), only the time.
  return {
    ...c,
    max_train: Math.min(c.max_train ?? Infinity, 1600),
    max_valid: Math.min(c.max_valid ?? Infinity, 400),
    epochs: Math.min(c.epochs, 5),
    maxlen: Math.min(c.maxlen, 64),
    batch: Math.min(c.batch, 32),
    dynamic_padding: true,
    standin_recipe: {
      ...c.standin_recipe,
      ...(c.standin_recipe.epochs ? { epochs: Math.min(c.standin_recipe.epochs, 5) } : {}),
      ...(c.standin_recipe.batch ? { batch: Math.min(c.standin_recipe.batch, 32) } : {}),
    },
  };
}

/** Every k-th row, so the subset keeps the table's order (and its label runs). */
export function evenSubset<T>(rows: T[], n: number | null): T[] {
  if (n === null || rows.length <= n) return rows;
  const step = rows.length / n;
  return Array.from({ length: n }, (_, i) => rows[Math.floor(i * step)]);
}

export function encodeRows(
  tok: PreTrainedTokenizer,
  rows: Row[],
  maxlen: number,
  encoding: 'course' | 'hf' = 'course',
): Encoded {
  const texts = rows.map((r) => r.contents);
  const e =
    encoding === 'course'
      ? courseEncode(tok, texts, maxlen)
      : tok.encodeBatch(texts, { max_length: maxlen, padding: 'max_length', truncation: true });
  return { input_ids: e.input_ids, attention_mask: e.attention_mask, labels: rows.map((r) => r.label) };
}

/**
 * Tokens × layers × hidden size of a micro-batch that trains with stored activations on wasm. Op-by-op layers:
 * KoELECTRA-small (12 layers, hidden 256) trained at 32 rows × 128 tokens without checkpointing; half that, for a
 * 2x margin. Fused layers (src/engine/fusedlayer.ts, every GELU model) keep ~40 MB per layer at 32 × 64: 32 × 128 takes
 * a 2.0 GiB heap (`hai bench --seqs 128`), 32 × 256 all of its 4 GiB, so the budget is 32 × 128.
 */
const STORED_ACTIVATION_BUDGET = 32 * 64 * 12 * 256;
const FUSED_ACTIVATION_BUDGET = 32 * 128 * 12 * 256;

/**
 * The Trainer settings of a course config on this backend: its hyper-parameters, plus what the wasm/cpu heap
 * needs (micro-batches of 32 rows; activation checkpointing for models of 6+ layers, when not set, for the
 * micro-batches above STORED_ACTIVATION_BUDGET: with dynamic padding most are far below it, and skip the
 * recomputation). `hai bench --tasks epoch` trains with the same settings.
 */
export function courseTrainerConfig(
  c: CourseConfig,
  modelConfig: Record<string, unknown>,
  o: { lr?: number; loss?: LossConfig } = {},
): Partial<TrainerConfig> {
  const small = ['wasm', 'cpu'].includes(tf.getBackend());
  const micro = c.micro_batch ?? (small ? 32 : 0);
  const layers = Number(modelConfig.num_hidden_layers ?? modelConfig.n_layers ?? 0);
  const hidden = Number(modelConfig.hidden_size ?? modelConfig.dim ?? 768);
  const fused = fusesActivation(modelConfig.hidden_act ?? modelConfig.activation ?? 'gelu');
  const budget = fused ? FUSED_ACTIVATION_BUDGET : STORED_ACTIVATION_BUDGET;
  return {
    epochs: c.epochs,
    batch_size: c.batch,
    lr: o.lr ?? c.lr,
    eps: c.eps,
    weight_decay: c.weight_decay,
    adamw: c.adamw,
    warmup_steps: c.warmup_steps,
    max_grad_norm: c.max_grad_norm,
    sampler: c.sampler,
    seed: c.seed,
    loss:
      o.loss ??
      lossDefaults({ ...c.loss, class_weights: Array.isArray(c.loss.class_weights) ? c.loss.class_weights : null }),
    dynamic_padding: c.dynamic_padding,
    group_by_length: c.group_by_length,
    micro_batch_size: micro,
    activation_checkpointing: c.activation_checkpointing ?? (small && layers >= 6),
    checkpoint_min_tokens:
      c.activation_checkpointing === null && small ? Math.floor(budget / (Math.max(1, layers) * hidden)) : 0,
  };
}

export interface CourseRun {
  model: PreTrainedClassifier;
  tokenizer: PreTrainedTokenizer;
  history: EpochInfo[];
  config: CourseConfig;
  finalDir: string | null;
  plan?: RunPlan;
}

/** Loads a model and the tokenizer that came with it (same folder). */
export async function loadModelAndTokenizer(
  ckpt: string,
  o: { standin?: boolean; seed?: number; tokenizer_class?: string | null } = {},
) {
  const model = await AutoModelForSequenceClassification.from_pretrained(ckpt, {
    num_labels: LABELS.length,
    standin: o.standin,
    seed: o.seed,
  });
  const tokenizer = await AutoTokenizer.from_pretrained(
    model.report?.dir ?? ckpt,
    o.tokenizer_class ? { tokenizer_class: o.tokenizer_class } : {},
  );
  return { model, tokenizer };
}

/** Reads the training settings a checkpoint was saved with (maxlen, encoding), if any. */
export function trainingArgs(dir: string): Partial<CourseConfig> {
  const f = path.join(dir, 'training_args.json');
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
}

export async function runCourse(cfg: Partial<CourseConfig>, callbacks: Callbacks = {}): Promise<CourseRun> {
  let c = courseDefaults(cfg);
  checkCourseConfig(c, 'config');
  // Every row of both files is checked (file and row named) before the model loads.
  for (const f of [c.train_path, c.valid_path]) checkRowsCsv(f, LABELS.length);
  const { model, tokenizer } = await loadModelAndTokenizer(c.model_ckpt, {
    standin: c.standin,
    seed: c.seed,
    tokenizer_class: c.tokenizer_class,
  });
  if (model.is_standin && Object.keys(c.standin_recipe).length) {
    c = { ...c, ...c.standin_recipe };
    console.log(
      `stand-in model: its recipe ${JSON.stringify(c.standin_recipe)} replaces the config's (standin_recipe: {} keeps them)`,
    );
  }
  if (c.freeze) freeze(model, c.freeze);
  // Ragged typed-array encodings, tokenized once per (tokenizer, file, settings): src/course/encodecache.ts.
  const { train: trainEnc, valid: validEnc } = encodeCourseData(tokenizer, c, LABELS.length);
  const loss: LossConfig = lossDefaults({
    ...c.loss,
    class_weights:
      c.loss.class_weights === 'balanced'
        ? balancedClassWeights(trainEnc.labels, LABELS.length)
        : (c.loss.class_weights ?? null),
  });
  let lr = c.lr;
  if (model.is_standin && c.standin_lr_scale !== 1) {
    lr = c.lr * c.standin_lr_scale;
    console.log(
      `stand-in model: randomly initialised, so lr ${c.lr} x ${c.standin_lr_scale} = ${lr} (standin_lr_scale: 1 keeps ${c.lr})`,
    );
  }
  const tcfg = courseTrainerConfig(c, model.config, { lr, loss });
  if (c.dry_run) {
    const plan = await planTraining(model, trainEnc, validEnc, tcfg);
    formatPlan(plan).forEach((l) => console.log(l));
    return { model, tokenizer, history: [], config: c, finalDir: null, plan };
  }
  const save = (dir: string) => {
    model.save_pretrained(dir, { tokenizer });
    writeFileAtomic(path.join(dir, 'training_args.json'), JSON.stringify(c, null, 1) + '\n');
  };
  const trainer = new Trainer(
    model,
    trainEnc,
    validEnc,
    tcfg,
    {
      onStepEnd: callbacks.onStepEnd,
      onEpochEnd: async (e) => {
        if (c.out) {
          save(path.join(c.out, `epoch-${e.epoch}`));
          writeFileAtomic(
            path.join(c.out, 'metrics.json'),
            JSON.stringify({ config: c, epochs: trainer.history }, null, 1) + '\n',
          );
        }
        await callbacks.onEpochEnd?.(e);
      },
    },
    LABELS.length,
  );
  const history = await trainer.fit();
  let finalDir: string | null = null;
  if (c.out) {
    finalDir = path.join(c.out, 'final');
    save(finalDir);
  }
  return { model, tokenizer, history, config: c, finalDir };
}

/** `hai eval`: accuracy, macro-F1 and the confusion matrix of a saved model on a CSV (`o` as `predict`'s options: no result depends on them). */
export async function evalCsv(
  modelDir: string,
  csv: string,
  o: { maxlen?: number; batch?: number } & Partial<PredictOptions> = {},
) {
  checkRowsCsv(csv, LABELS.length); // bad rows stop the run before the model loads
  const { model, tokenizer } = await loadModelAndTokenizer(modelDir);
  const args = trainingArgs(modelDir);
  const { enc } = encodeCsv(tokenizer, csv, {
    maxlen: o.maxlen ?? args.maxlen ?? 256,
    encoding: args.encoding ?? 'course',
    num_labels: LABELS.length,
    cache: encodingCacheDir(),
  });
  const r = evaluate(model, enc, LABELS.length, o.batch ?? 64, o);
  model.dispose();
  return r;
}

/** `hai predict`: label name and probabilities per text (label i is LABELS[i]: no off-by-one). */
export async function predictTexts(
  modelDir: string,
  texts: string[],
  o: { maxlen?: number; batch?: number } & Partial<PredictOptions> = {},
) {
  const { model, tokenizer } = await loadModelAndTokenizer(modelDir);
  const args = trainingArgs(modelDir);
  const enc = encodeRagged(
    tokenizer,
    texts,
    texts.map(() => 0),
    { maxlen: o.maxlen ?? args.maxlen ?? 256, encoding: args.encoding ?? 'course' },
  );
  const { preds, probs } = predict(model, enc, o.batch ?? 64, o);
  model.dispose();
  const names = (model.config.id2label ?? {}) as Record<string, string>;
  return texts.map((text, i) => ({
    text,
    label: preds[i],
    name: names[String(preds[i])] ?? LABELS[preds[i]] ?? String(preds[i]),
    probs: probs[i],
  }));
}

export interface StepConfig {
  lr: number;
  weight_decay: number;
  eps: number;
  max_grad_norm: number;
  dropout: boolean;
  adamw: 'torch' | 'hf';
  seed: number;
}
export const stepDefaults = (o: Partial<StepConfig> = {}): StepConfig => ({
  lr: 5e-5,
  weight_decay: 0,
  eps: 1e-8,
  max_grad_norm: 1.0,
  dropout: true,
  adamw: 'torch',
  seed: 0,
  ...o,
});
export interface StepBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  labels: number[];
}

/**
 * `hai step`: exactly one optimiser step on one batch (cross-entropy, clip, AdamW), then save. Returns the
 * loss and the gradient norm before clipping, the two numbers torch prints for the same step.
 */
export async function stepOnce(
  modelDir: string,
  batch: StepBatch,
  out: string,
  cfg: Partial<StepConfig> = {},
): Promise<{ loss: number; grad_norm: number }> {
  const c = stepDefaults(cfg);
  const rows = batch.input_ids?.length;
  if (!rows || !Array.isArray(batch.labels) || batch.labels.length !== rows)
    throw new Error(`batch: input_ids and labels must be non-empty and of equal length`);
  const { model, tokenizer } = await loadModelAndTokenizer(modelDir);
  const { AdamW, clipGradNorm } = await import('../train/optim');
  const { classificationLoss } = await import('../train/losses');
  const opt = new AdamW(model.params, { lr: c.lr, eps: c.eps, weight_decay: c.weight_decay, variant: c.adamw });
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const result = tf.tidy(() => {
    const ids = tf.tensor2d(batch.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(batch.attention_mask ?? batch.input_ids.map((r) => r.map(() => 1)), undefined, 'int32');
    const tt = batch.token_type_ids ? tf.tensor2d(batch.token_type_ids, undefined, 'int32') : undefined;
    const { value, grads } = tf.variableGrads(
      () =>
        classificationLoss(
          model.forward(ids, mask, { training: c.dropout, seed: c.seed, tokenTypeIds: tt }),
          tf.tensor1d(batch.labels, 'int32'),
        ),
      [...model.params.values()].filter((v) => v.trainable),
    );
    const byName: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) byName[names.get(k)!] = g;
    const { grads: clipped, norm } = clipGradNorm(byName, c.max_grad_norm);
    opt.step(clipped, c.lr);
    return { loss: value.dataSync()[0], grad_norm: norm.dataSync()[0] };
  });
  opt.dispose();
  model.save_pretrained(out, { tokenizer });
  model.dispose();
  return result;
}
