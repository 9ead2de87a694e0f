/**
 * `runCourse`: one training run of the course from its config (src/course/config.ts). It loads the model and
 * tokenizer (from the hub, the cache, a folder, or an explicit offline stand-in), encodes the CSVs as the original
 * did (cached: src/infer/encodecache.ts), trains with the generic Trainer, and writes a checkpoint per epoch,
 * `final/` and `metrics.json`.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as path from 'node:path';
import { LABELS } from '../data/rows';
import { encodeCourseData } from '../infer/encodecache';
import { loadModelAndTokenizer } from '../infer/load';
import type { PreTrainedClassifier } from '../models/automodel';
import { freeze } from '../models/freeze';
import type { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { LossConfig, balancedClassWeights, lossDefaults } from '../train/losses';
import { memoryPolicy } from '../train/memory';
import { RunPlan, formatPlan, planTraining } from '../train/plan';
import { Callbacks, EpochInfo, Trainer, TrainerConfig } from '../train/trainer';
import { checkRowsCsv } from '../data/csvcolumns';
import { writeFileAtomic } from '../util/files';
import { CourseConfig, SHARED_TRAINER_FIELDS, checkCourseConfig, courseDefaults } from './config';

/** Every k-th row, so the subset keeps the table's order (and its label runs). */
export function evenSubset<T>(rows: T[], n: number | null): T[] {
  if (n === null || rows.length <= n) return rows;
  const step = rows.length / n;
  return Array.from({ length: n }, (_, i) => rows[Math.floor(i * step)]);
}

/**
 * The Trainer settings of a course config on this backend: its hyper-parameters, plus the wasm/cpu memory policy
 * (src/train/memory.ts). `hai bench --tasks epoch` trains with the same settings.
 */
export function courseTrainerConfig(
  c: CourseConfig,
  modelConfig: Record<string, unknown>,
  o: { lr?: number; loss?: LossConfig } = {},
): Partial<TrainerConfig> {
  const shared = Object.fromEntries(SHARED_TRAINER_FIELDS.map((k) => [k, c[k]])) as Pick<
    TrainerConfig,
    (typeof SHARED_TRAINER_FIELDS)[number]
  >;
  return {
    ...shared,
    batch_size: c.batch,
    lr: o.lr ?? c.lr,
    loss:
      o.loss ??
      lossDefaults({ ...c.loss, class_weights: Array.isArray(c.loss.class_weights) ? c.loss.class_weights : null }),
    ...memoryPolicy(c, modelConfig),
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
      `stand-in model: its recipe ${JSON.stringify(c.standin_recipe)} replaces the config's ` +
        '(standin_recipe: {} keeps them)',
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
      `stand-in model: randomly initialised, so lr ${c.lr} x ${c.standin_lr_scale} = ${lr} ` +
        `(standin_lr_scale: 1 keeps ${c.lr})`,
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
