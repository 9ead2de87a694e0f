/**
 * The model commands of `hai`: `train` (a course config, presets and `--key value` overrides), `eval` and
 * `predict` (src/infer/), `step` (one optimiser step, for the PyTorch comparison) and `forward`.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { positiveInt } from './args';
import { RUNTIMES, Runtime } from '../infer/runtime';
import { evalCsvWith, predictTextsWith } from '../infer/classify';
import { describeBackend, initBackend } from '../engine/backend';
import {
  CourseConfig,
  PRESETS,
  checkCourseConfig,
  courseDefaults,
  smokeConfig,
  smokeRequested,
} from '../course/config';
import { runCourse } from '../course/course';
import { stepOnce } from '../course/step';
import { forwardFile } from '../models/forward';
import { progressCallback } from '../train/callbacks';
import { formatEpochLine } from '../train/callbacks';
import { LABELS } from '../data/rows';
import { isStringSetting } from '../course/configcheck';

/** `--runtime` of eval and predict (src/infer/runtime.ts): auto takes the fastest that can run. */
const runtimeOption = () =>
  new Option(
    '--runtime <r>',
    "tfjs, onnx (the folder's onnx/model.onnx: hai export --onnx), graph (the weights as an in-memory ONNX " +
      'graph), or auto (onnx when exported, else graph where onnxruntime-node loads, else tfjs)',
  )
    .choices(RUNTIMES)
    .default('auto');

export function addModelCommands(program: Command): void {
  program
    .command('train')
    .description(
      'fine-tune a classifier as the course did: hai train --preset baseline|tuned, or --config file.json; ' +
        '--key value overrides',
    )
    .addOption(new Option('--preset <name>', "the course's runs").choices(Object.keys(PRESETS)))
    .option(
      '--config <file.json>',
      'a JSON object with CourseConfig fields (train_path, valid_path, batch, maxlen, lr, eps, epochs, ' +
        'model_ckpt, sampler, loss, freeze, seed, …)',
    )
    .option('--out <dir>', 'where epoch-N/, final/ and metrics.json go', 'runs/train')
    .option('--smoke', 'small subset and short run (also HAI_SMOKE=1)')
    .option(
      '--standin',
      'use an offline stand-in when the hub model is not cached (also HAI_STANDIN=1); it prints a banner',
    )
    .option(
      '--dry-run',
      'tokenize and batch everything, time a few steps, print the plan and the estimated time, and stop',
    )
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(
      async (
        o: {
          preset?: keyof typeof PRESETS;
          config?: string;
          out: string;
          smoke?: boolean;
          standin?: boolean;
          dryRun?: boolean;
        },
        cmd: Command,
      ) => {
        const overrides = parseOverrides(cmd.args);
        let fileCfg: Partial<CourseConfig> = {};
        if (o.config) {
          try {
            fileCfg = JSON.parse(fs.readFileSync(o.config, 'utf8'));
          } catch (e) {
            throw new Error(`${o.config}: ${(e as Error).message}`);
          }
          checkCourseConfig(fileCfg, o.config);
        }
        let cfg = courseDefaults({
          ...(o.preset ? PRESETS[o.preset] : {}),
          ...fileCfg,
          ...overrides,
          out: o.out,
          ...(o.standin ? { standin: true } : {}),
          ...(o.dryRun ? { dry_run: true } : {}),
        });
        if (o.smoke || smokeRequested()) cfg = smokeConfig(cfg);
        console.error(describeBackend(await initBackend()));
        const run = await runCourse(cfg, {
          onStepEnd: progressCallback({ write: (t) => process.stderr.write(t) }),
          onEpochEnd: (e) => console.log(formatEpochLine(e)),
        });
        if (!run.plan) console.log(`final checkpoint: ${run.finalDir}; metrics: ${path.join(o.out, 'metrics.json')}`);
      },
    );

  program
    .command('eval')
    .description('accuracy, macro-F1 and the confusion matrix of a saved model on a contents,label CSV')
    .requiredOption('--model <dir|id>', 'a checkpoint folder (e.g. runs/train/final)')
    .requiredOption('--data <csv>', 'contents,label CSV')
    .option('--maxlen <n>', 'tokens per row (default: the maxlen the model was trained with)', positiveInt('--maxlen'))
    .option('--json', 'one JSON object {n, accuracy, macro_f1, confusion}')
    .addOption(runtimeOption())
    .action(async (o: { model: string; data: string; maxlen?: number; json?: boolean; runtime: Runtime }) => {
      await initBackend();
      const r = await evalCsvWith(o.model, o.data, { maxlen: o.maxlen, runtime: o.runtime });
      if (o.json) {
        console.log(
          JSON.stringify({
            n: r.n,
            accuracy: r.accuracy,
            macro_f1: r.macro_f1,
            confusion: r.confusion,
            mean_batch_accuracy: r.mean_batch_accuracy,
            per_class: r.per_class,
          }),
        );
        return;
      }
      console.log(
        `n ${r.n}  accuracy ${r.accuracy.toFixed(4)}  macro-F1 ${r.macro_f1.toFixed(4)}\nconfusion[true][pred]:`,
      );
      r.confusion.forEach((row, i) =>
        console.log(`  ${i} ${(LABELS[i] ?? '').padEnd(4)} ${row.map((v) => String(v).padStart(6)).join('')}`),
      );
    });

  program
    .command('predict')
    .description('label name and probabilities for each text')
    .requiredOption('--model <dir|id>', 'a checkpoint folder')
    .argument('<texts...>', 'sentences to classify')
    .option('--json', 'JSON lines')
    .addOption(runtimeOption())
    .action(async (texts: string[], o: { model: string; json?: boolean; runtime: Runtime }) => {
      await initBackend();
      for (const p of await predictTextsWith(o.model, texts, { runtime: o.runtime })) {
        console.log(
          o.json
            ? JSON.stringify(p)
            : `${p.name} (${p.label})  ${p.probs.map((q, i) => `${LABELS[i] ?? i} ${q.toFixed(3)}`).join('  ')}  ` +
                p.text,
        );
      }
    });

  program
    .command('step')
    .description('exactly one optimiser step on one batch; prints {"loss","grad_norm"} and saves the updated model')
    .requiredOption('--model <dir|id>', 'a checkpoint folder')
    .requiredOption('--input <batch.json>', '{"input_ids","attention_mask","token_type_ids"?,"labels"}')
    .requiredOption('--out <dir>', 'where the updated model is saved')
    .option('--lr <x>', 'learning rate', Number, 5e-5)
    .option('--weight-decay <x>', 'decoupled weight decay', Number, 0)
    .option('--eps <x>', 'AdamW eps', Number, 1e-8)
    .option('--max-grad-norm <x>', 'clip the global gradient norm to this', Number, 1.0)
    .addOption(
      new Option('--adamw <variant>', 'torch.optim.AdamW or the old transformers.AdamW')
        .choices(['torch', 'hf'])
        .default('torch'),
    )
    .option('--no-dropout', 'run the forward pass without dropout (deterministic)')
    .action(
      async (o: {
        model: string;
        input: string;
        out: string;
        lr: number;
        weightDecay: number;
        eps: number;
        maxGradNorm: number;
        adamw: 'torch' | 'hf';
        dropout: boolean;
      }) => {
        await initBackend();
        let batch;
        try {
          batch = JSON.parse(fs.readFileSync(o.input, 'utf8'));
        } catch (e) {
          throw new Error(`${o.input}: ${(e as Error).message}`);
        }
        const r = await stepOnce(o.model, batch, o.out, {
          lr: o.lr,
          weight_decay: o.weightDecay,
          eps: o.eps,
          max_grad_norm: o.maxGradNorm,
          adamw: o.adamw,
          dropout: o.dropout,
        });
        console.log(JSON.stringify(r));
      },
    );

  program
    .command('forward')
    .description('logits and last hidden state of a batch, in eval mode')
    .requiredOption('--model <dir|id>', 'a checkpoint folder or hub id')
    .requiredOption('--input <batch.json>', '{"input_ids": [[…]], "attention_mask": [[…]], "token_type_ids"?: [[…]]}')
    .option('--output <file.json>', 'write here instead of stdout')
    .option('--num-labels <n>', 'head size when loading a hub model without one', positiveInt('--num-labels'))
    .option('--standin', 'offline stand-in for an uncached hub id (prints a banner)')
    .action(async (o: { model: string; input: string; output?: string; numLabels?: number; standin?: boolean }) => {
      await initBackend();
      const text = await forwardFile({
        model: o.model,
        input: o.input,
        output: o.output,
        num_labels: o.numLabels,
        standin: o.standin,
      });
      if (!o.output) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    });
}

/**
 * `--lr 1e-4 --epochs 3 --loss.kind focal` style overrides of CourseConfig fields, values parsed as JSON when they
 * parse.
 */
export function parseOverrides(args: string[]): Partial<CourseConfig> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z_][a-z_0-9.]*)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument '${args[i]}': overrides are --key value`);
    const raw = m[2] ?? args[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    let v: unknown = raw;
    // Text settings keep the value as written; the others are JSON (1e-4, true, null, {"layers":[0]}).
    if (!isStringSetting(m[1], courseDefaults()))
      try {
        v = JSON.parse(raw);
      } catch {
        /* a plain string: checkCourseConfig names it if it should not be */
      }
    const keys = m[1].split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys[keys.length - 1]] = v;
  }
  checkCourseConfig(out, 'overrides');
  return out as Partial<CourseConfig>;
}
