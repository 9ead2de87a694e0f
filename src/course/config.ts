/**
 * The course's training runs as configs: the original notebook's `args` object (train/valid paths, batch,
 * maxlen, lr, eps, epochs, model checkpoint) plus what later sessions vary (sampler, loss, freezing, seed), with
 * one place for their defaults (`courseDefaults`), their check (`checkCourseConfig`), the 2022 presets and the
 * smoke-mode caps.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as path from 'node:path';
import type { FreezeSpec } from '../models/freeze';
import type { LossConfig } from '../train/losses';
import type { TrainerConfig } from '../train/trainer';
import { currentSeed } from '../train/seed';
import { envTrue } from '../util/env';
import { repoPath } from '../util/paths';
import { checkConfigTypes } from './configcheck';

const DATA = repoPath('data', 'rows');

/**
 * The trainer's settings a course config carries under the trainer's own names and types (train/trainer.ts
 * documents each): one definition, copied across by `courseTrainerConfig` without renaming. The others differ on
 * purpose: `batch` is the original notebook's name, `loss` may say `class_weights: 'balanced'`, and the memory
 * fields may be null (the backend decides).
 */
export const SHARED_TRAINER_FIELDS = [
  'epochs',
  'lr',
  'eps',
  'weight_decay',
  'adamw',
  'warmup_steps',
  'max_grad_norm',
  'sampler',
  'seed',
  'dynamic_padding',
  'group_by_length',
] as const satisfies readonly (keyof TrainerConfig)[];
type SharedTrainerFields = Pick<TrainerConfig, (typeof SHARED_TRAINER_FIELDS)[number]>;

/**
 * A run of the course: the original notebook's `args` (train/valid paths, batch, maxlen, lr, eps, epochs, model
 * checkpoint) and what later sessions vary, flat, as the notebook had it: notebooks change one field with a spread
 * (`{ ...PRESETS.tuned, epochs: 3 }`), which a nested `trainer: {…}` would silently reset to the defaults.
 */
export interface CourseConfig extends SharedTrainerFields {
  train_path: string;
  valid_path: string;
  batch: number;
  maxlen: number;
  model_ckpt: string;
  /** Loss settings; `class_weights: 'balanced'` computes sklearn-style weights from the training labels. */
  loss: Omit<Partial<LossConfig>, 'class_weights'> & { class_weights?: number[] | 'balanced' | null };
  freeze: FreezeSpec | null;
  /** Output folder: `epoch-N/` checkpoints, `final/`, `metrics.json`; null writes nothing. */
  out: string | null;
  /** `course`: "[CLS] text [SEP]", pad 0, mask id>0, as the original; `hf`: the tokenizer's own call. */
  encoding: 'course' | 'hf';
  /**
   * Micro-batch rows for gradient accumulation; null: on wasm/cpu micro-batches within the activation budget
   * (train/memory.ts; 4,096 tokens for KoELECTRA-small), cut where it costs least, elsewhere none.
   */
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

/**
 * Every field's default, overridden by `o`. `dynamic_padding` and `group_by_length` are on here, unlike the
 * trainer's defaults and the two 2022 presets (`PRESETS.baseline`, `.tuned`): the course's utterances are a few
 * tokens long, and padding them all to the tuned run's maxlen 256 spends almost all of the compute on padding.
 * Dynamic padding changes no number in eval mode; grouping changes the order of the examples, so the 2022 runs keep
 * both off.
 */
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

/**
 * `HAI_SMOKE=1`: 1,600 training rows, at most 5 epochs, maxlen 64 and batch 32, so every session runs in about a
 * minute.
 */
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
