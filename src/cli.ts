/**
 * The `hai` command line. Each command is a thin layer over a library function, so what a notebook cell
 * does and what the CLI does cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, BackendName, describeBackend, initBackend } from './backend';
import { BENCH_TASKS, BenchTask, benchDefaults, benchWorker, formatBenchTable, runBench } from './bench';
import { doctor, formatDoctor } from './doctor';
import { buildCorpus, prepareData, splitFiles } from './corpus';
import { installKernelSpec } from './kernelspec';
import { AutoTokenizer, tokenizeJsonl } from './tokenizer';
import { CourseConfig, PRESETS, courseDefaults, evalCsv, predictTexts, runCourse, smokeConfig, smokeRequested, stepOnce } from './course';
import { forwardFile } from './forward';
import { courseReport } from './report';
import { formatGradeSummary, gradeSubmissions, writeGradeReport } from './grade';
import { progressCallback } from './progress';
import { formatEpochLine } from './trainer';
import { describeFailure, executedPath, runNotebook, writeNotebook } from './nbrun';
import { LABELS, Mode, convertDefaults, convertFiles, toCsv, writeFileAtomic } from './data';

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
  return n;
};
const intList = (what: string) => (v: string) => v.split(',').map((s) => positiveInt(what)(s.trim()));

export function buildProgram(): Command {
  const { version } = require('../package.json') as { version: string };
  const program = new Command('hai')
    .description('HAI Dialect Lab: fine-tune Korean language models to tell standard Korean from three dialects.')
    .version(version)
    .showHelpAfterError()
    .addHelpText('after', `\nEnvironment:\n  HAI_BACKEND   auto (default) | ${BACKENDS.join(' | ')}: force a compute backend; fails if it cannot run`
      + '\n  HAI_SMOKE=1   small subsets and short runs (notebooks, train)\n  HAI_STANDIN=1 offline stand-in models for hub ids that are not cached (always bannered)');

  program.command('doctor')
    .description('show the compute backend this machine uses and why, the GPU, threads and package versions')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor();
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
      if (!report.self_test.ok) process.exitCode = 1;
    });

  const d = benchDefaults();
  program.command('bench')
    .description('measure fine-tuning and forward throughput of a KoELECTRA-small-shaped classifier on each backend')
    .addOption(new Option('--backends <list>', `comma-separated, from ${BACKENDS.join(',')} (default: every available one; cpu only when nothing faster runs)`)
      .argParser((v) => v.split(',').map((s) => {
        const b = s.trim() as BackendName;
        if (!BACKENDS.includes(b)) throw new InvalidArgumentError(`unknown backend '${s}': use ${BACKENDS.join(', ')}`);
        return b;
      })))
    .addOption(new Option('--tasks <list>', `comma-separated: ${BENCH_TASKS.join(', ')} (epoch, predict: end to end on the bundled corpus)`).default(d.tasks.join(','))
      .argParser((v) => v.split(',').map((s) => {
        if (!BENCH_TASKS.includes(s as BenchTask)) throw new InvalidArgumentError(`unknown task '${s}': use ${BENCH_TASKS.join(', ')}`);
        return s;
      })))
    .option('--tokenizer <name=dir>', 'also time this tokenizer folder (repeatable), e.g. kobert=path/to/kobert', (v, acc: { name: string; dir: string }[]) => {
      const i = v.indexOf('=');
      if (i < 1) throw new InvalidArgumentError(`--tokenizer takes name=dir, got '${v}'`);
      return [...acc, { name: v.slice(0, i), dir: v.slice(i + 1) }];
    }, [])
    .option('--batch <n>', 'examples per step', positiveInt('--batch'), d.batch)
    .option('--seqs <list>', 'comma-separated sequence lengths', intList('--seqs'), d.seqs)
    .option('--layers <n>', 'transformer layers (KoELECTRA-small has 12)', positiveInt('--layers'), d.layers)
    .option('--warmup <n>', 'untimed steps first', (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--warmup must be >= 0'); return n; }, d.warmup)
    .option('--steps <n>', 'timed steps (the median is reported)', positiveInt('--steps'), d.steps)
    .option('--timeout <s>', 'seconds allowed per measurement', positiveInt('--timeout'), d.timeoutS)
    .option('--checkpoint', 'activation checkpointing in the training rows (less memory, one more forward per layer)')
    .option('--torch', 'also time PyTorch on the same shapes (bench/torch_step.py, torch_epoch.py; needs python3-torch)')
    .option('--max-examples <n>', 'epoch/predict rows: at most n rows of course_train.csv / course_valid.csv (default: all)', positiveInt('--max-examples'))
    .option('--json', 'print a JSON array of measurements instead of the table')
    .addOption(new Option('--worker <spec>').hideHelp())
    .action(async (o) => {
      if (o.worker) return benchWorker(JSON.parse(o.worker));
      const tasks = typeof o.tasks === 'string' ? o.tasks.split(',') : o.tasks;
      const cfg = benchDefaults({ tokenizers: o.tokenizer, backends: o.backends ?? null, tasks, batch: o.batch, seqs: o.seqs, layers: o.layers, warmup: o.warmup, steps: o.steps, timeoutS: o.timeout, checkpoint: Boolean(o.checkpoint), torch: Boolean(o.torch), maxExamples: o.maxExamples ?? null });
      if (!o.json) console.error(`hai bench: ${cfg.layers} layers, batch ${cfg.batch}, seq ${cfg.seqs.join('/')}, ${cfg.warmup} warm-up + ${cfg.steps} timed steps per row${cfg.tasks.some((t) => t === 'epoch' || t === 'predict') ? `; epoch/predict: the tuned preset's batch 256 and maxlen 256, ${cfg.maxExamples ?? 'all'} rows per CSV` : ''}; each row in a fresh process`);
      const rows = await runBench(cfg, (r) => { if (!o.json) console.error(`  ${r.backend} ${r.task}${r.variant ? `: ${r.variant}` : ''} seq ${r.seq}: ${r.status}${r.seconds !== undefined ? ` ${r.seconds} s` : r.ms_per_step !== null ? ` ${r.ms_per_step} ms/step` : ''}`); });
      console.log(o.json ? JSON.stringify(rows, null, 2) : formatBenchTable(rows));
    });

  const data = program.command('data').description('turn AI Hub dialect JSON into labelled tables (session 1)');
  data.command('convert')
    .description('convert AI Hub JSON files or folders into a `contents,label` CSV, exactly as the course did')
    .argument('<inputs...>', 'JSON files and/or folders (searched recursively for *.json)')
    .requiredOption('--out <file.csv>', 'where to write the CSV (written atomically)')
    .addOption(new Option('--mode <mode>', 'course = the original notebook\'s rules; clean = those plus the clean rules of data/README.md').choices(['course', 'clean']).default('course'))
    .option('--label-map <list>', 'labels for other regions, e.g. 강원=4,충청=5', (v) => Object.fromEntries(v.split(',').map((kv) => {
      const [k, n] = kv.split('=');
      if (!k || !/^\d+$/.test(n ?? '')) throw new InvalidArgumentError(`--label-map entries are region=label, got '${kv}'`);
      return [k.trim(), Number(n)];
    })))
    .option('--skip-bad', 'write the rows of the good files even when some files are malformed (each is still reported)')
    .action((inputs: string[], o: { out: string; mode: Mode; labelMap?: Record<string, number>; skipBad?: boolean }) => {
      const res = convertFiles(inputs, convertDefaults({ mode: o.mode, labelMap: o.labelMap ?? {} }));
      const bad = res.files.filter((f) => f.error);
      for (const f of res.files) {
        if (f.error) console.error(`error: ${f.error}`);
        else if (f.skipped) console.error(`warning: ${f.file}: skipped: ${f.skipped}`);
      }
      if (bad.length && !o.skipBad) {
        throw new Error(`${bad.length} of ${res.files.length} files could not be read; nothing was written (fix them, or pass --skip-bad to write the other files' rows)`);
      }
      writeFileAtomic(o.out, toCsv(res.rows));
      const counts = new Map<number, number>();
      for (const r of res.rows) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
      const byLabel = [...counts].sort((a, b) => a[0] - b[0]).map(([l, n]) => `${l} ${LABELS[l] ?? ''}: ${n}`.replace(' :', ':')).join(', ');
      console.log(`${o.out}: ${res.rows.length} rows from ${res.files.length - bad.length} files (${byLabel || 'no rows'})`);
      if (res.stats) console.log(`clean rules: ${Object.entries(res.stats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (bad.length) process.exitCode = 1;
    });
  data.command('split')
    .description('convert, then split into train/valid CSVs: by rows (the course) or by conversation (no twin leaks)')
    .argument('<inputs...>', 'AI Hub JSON files and/or folders')
    .addOption(new Option('--by <how>', 'rows: random rows, as the course; conversation: whole conversations').choices(['rows', 'conversation']).default('rows'))
    .addOption(new Option('--mode <mode>', 'course or clean preprocessing').choices(['course', 'clean']).default('course'))
    .option('--valid-fraction <f>', 'share of rows (or conversations) in valid', (v) => {
      const f = Number(v);
      if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`--valid-fraction must be between 0 and 1, got '${v}'`);
      return f;
    }, 0.2)
    .option('--seed <n>', 'seed of the split', (v) => Number(v), 42)
    .requiredOption('--train-out <file.csv>', 'train CSV')
    .requiredOption('--valid-out <file.csv>', 'valid CSV')
    .action((inputs: string[], o: { by: 'rows' | 'conversation'; mode: Mode; validFraction: number; seed: number; trainOut: string; validOut: string }) => {
      const s = splitFiles(inputs, o);
      console.log(`${o.trainOut}: ${s.train.length} rows; ${o.validOut}: ${s.valid.length} rows; split by ${o.by}: ${s.leakedTwins} valid rows have their twin in train`);
    });
  data.command('prepare')
    .description('rebuild everything in data/ from data/corpus-src: the AI Hub JSON and the course and clean splits')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'the data folder to write aihub/ and rows/ into', 'data')
    .action((o: { src: string; out: string }) => {
      for (const line of prepareData(o.src, o.out)) console.log(line);
    });
  data.command('build-corpus')
    .description('build the bundled corpus: data/corpus-src/<region>/*.txt → AI Hub JSON in data/aihub/<region>/')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'where the JSON files go', 'data/aihub')
    .action((o: { src: string; out: string }) => {
      const files = buildCorpus(o.src, o.out);
      console.log(`${files.length} files written under ${o.out}`);
    });

  program.command('tokenize')
    .description('tokenize JSON lines {"text", "text_pair"?} from stdin, one JSON line out per input, as Hugging Face does')
    .requiredOption('--tokenizer <dir|id>', 'a tokenizer folder (vocab.txt + tokenizer_config.json; KoBERT adds its .model file)')
    .option('--max-length <n>', 'pad to and truncate at n tokens', positiveInt('--max-length'))
    .action(async (o: { tokenizer: string; maxLength?: number }) => {
      const tok = await AutoTokenizer.from_pretrained(o.tokenizer);
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      process.stdout.write(tokenizeJsonl(tok, Buffer.concat(chunks).toString('utf8'), o.maxLength));
    });

  program.command('train')
    .description('fine-tune a classifier as the course did: hai train --preset baseline|tuned, or --config file.json; --key value overrides')
    .addOption(new Option('--preset <name>', 'the course\'s runs').choices(Object.keys(PRESETS)))
    .option('--config <file.json>', 'a JSON object with CourseConfig fields (train_path, valid_path, batch, maxlen, lr, eps, epochs, model_ckpt, sampler, loss, freeze, seed, …)')
    .option('--out <dir>', 'where epoch-N/, final/ and metrics.json go', 'runs/train')
    .option('--smoke', 'small subset and short run (also HAI_SMOKE=1)')
    .option('--standin', 'use an offline stand-in when the hub model is not cached (also HAI_STANDIN=1); it prints a banner')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (o: { preset?: keyof typeof PRESETS; config?: string; out: string; smoke?: boolean; standin?: boolean }, cmd: Command) => {
      const overrides = parseOverrides(cmd.args);
      let fileCfg: Partial<CourseConfig> = {};
      if (o.config) {
        try { fileCfg = JSON.parse(fs.readFileSync(o.config, 'utf8')); } catch (e) { throw new Error(`${o.config}: ${(e as Error).message}`); }
        checkKeys(fileCfg, o.config);
      }
      let cfg = courseDefaults({ ...(o.preset ? PRESETS[o.preset] : {}), ...fileCfg, ...overrides, out: o.out, ...(o.standin ? { standin: true } : {}) });
      if (o.smoke || smokeRequested()) cfg = smokeConfig(cfg);
      console.error(describeBackend(await initBackend()));
      const run = await runCourse(cfg, { onStepEnd: progressCallback({ write: (t) => process.stderr.write(t) }), onEpochEnd: (e) => console.log(formatEpochLine(e)) });
      console.log(`final checkpoint: ${run.finalDir}; metrics: ${path.join(o.out, 'metrics.json')}`);
    });

  program.command('eval')
    .description('accuracy, macro-F1 and the confusion matrix of a saved model on a contents,label CSV')
    .requiredOption('--model <dir|id>', 'a checkpoint folder (e.g. runs/train/final)')
    .requiredOption('--data <csv>', 'contents,label CSV')
    .option('--maxlen <n>', 'tokens per row (default: the maxlen the model was trained with)', positiveInt('--maxlen'))
    .option('--json', 'one JSON object {n, accuracy, macro_f1, confusion}')
    .action(async (o: { model: string; data: string; maxlen?: number; json?: boolean }) => {
      await initBackend();
      const r = await evalCsv(o.model, o.data, { maxlen: o.maxlen });
      if (o.json) { console.log(JSON.stringify({ n: r.n, accuracy: r.accuracy, macro_f1: r.macro_f1, confusion: r.confusion, mean_batch_accuracy: r.mean_batch_accuracy, per_class: r.per_class })); return; }
      console.log(`n ${r.n}  accuracy ${r.accuracy.toFixed(4)}  macro-F1 ${r.macro_f1.toFixed(4)}\nconfusion[true][pred]:`);
      r.confusion.forEach((row, i) => console.log(`  ${i} ${(LABELS[i] ?? '').padEnd(4)} ${row.map((v) => String(v).padStart(6)).join('')}`));
    });

  program.command('predict')
    .description('label name and probabilities for each text')
    .requiredOption('--model <dir|id>', 'a checkpoint folder')
    .argument('<texts...>', 'sentences to classify')
    .option('--json', 'JSON lines')
    .action(async (texts: string[], o: { model: string; json?: boolean }) => {
      await initBackend();
      for (const p of await predictTexts(o.model, texts)) {
        console.log(o.json ? JSON.stringify(p) : `${p.name} (${p.label})  ${p.probs.map((q, i) => `${LABELS[i] ?? i} ${q.toFixed(3)}`).join('  ')}  ${p.text}`);
      }
    });

  program.command('step')
    .description('exactly one optimiser step on one batch; prints {"loss","grad_norm"} and saves the updated model')
    .requiredOption('--model <dir|id>', 'a checkpoint folder')
    .requiredOption('--input <batch.json>', '{"input_ids","attention_mask","token_type_ids"?,"labels"}')
    .requiredOption('--out <dir>', 'where the updated model is saved')
    .option('--lr <x>', 'learning rate', Number, 5e-5)
    .option('--weight-decay <x>', 'decoupled weight decay', Number, 0)
    .option('--eps <x>', 'AdamW eps', Number, 1e-8)
    .option('--max-grad-norm <x>', 'clip the global gradient norm to this', Number, 1.0)
    .addOption(new Option('--adamw <variant>', 'torch.optim.AdamW or the old transformers.AdamW').choices(['torch', 'hf']).default('torch'))
    .option('--no-dropout', 'run the forward pass without dropout (deterministic)')
    .action(async (o: { model: string; input: string; out: string; lr: number; weightDecay: number; eps: number; maxGradNorm: number; adamw: 'torch' | 'hf'; dropout: boolean }) => {
      await initBackend();
      let batch;
      try { batch = JSON.parse(fs.readFileSync(o.input, 'utf8')); } catch (e) { throw new Error(`${o.input}: ${(e as Error).message}`); }
      const r = await stepOnce(o.model, batch, o.out, { lr: o.lr, weight_decay: o.weightDecay, eps: o.eps, max_grad_norm: o.maxGradNorm, adamw: o.adamw, dropout: o.dropout });
      console.log(JSON.stringify(r));
    });

  program.command('forward')
    .description('logits and last hidden state of a batch, in eval mode')
    .requiredOption('--model <dir|id>', 'a checkpoint folder or hub id')
    .requiredOption('--input <batch.json>', '{"input_ids": [[…]], "attention_mask": [[…]], "token_type_ids"?: [[…]]}')
    .option('--output <file.json>', 'write here instead of stdout')
    .option('--num-labels <n>', 'head size when loading a hub model without one', positiveInt('--num-labels'))
    .option('--standin', 'offline stand-in for an uncached hub id (prints a banner)')
    .action(async (o: { model: string; input: string; output?: string; numLabels?: number; standin?: boolean }) => {
      await initBackend();
      const text = await forwardFile({ model: o.model, input: o.input, output: o.output, num_labels: o.numLabels, standin: o.standin });
      if (!o.output) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    });

  program.command('course')
    .description('the main job (npm start): run every notebook in order, then write a results report (Markdown + HTML)')
    .option('--full', 'full runs with the real models (needs the hub or a cache; HAI_STANDIN=1 for stand-ins) instead of smoke mode')
    .option('--out <dir>', 'report folder', 'runs/course')
    .option('--timeout <s>', 'seconds per cell', positiveInt('--timeout'), 1800)
    .action(async (o: { full?: boolean; out: string; timeout: number }) => {
      const r = await courseReport({ full: Boolean(o.full), out: path.resolve(o.out), timeoutS: o.timeout });
      console.log(`report: ${r.files.join(', ')}`);
      if (r.failures.length) throw new Error(`${r.failures.length} notebook(s) failed:\n${r.failures.join('\n')}`);
    });

  program.command('grade')
    .description('re-run submitted notebooks in temporary folders, run the instructor\'s hidden checks, and report (not a security sandbox: see README)')
    .argument('<inputs...>', 'submission notebooks and/or folders of them')
    .option('--report <file.json>', 'write report.json here')
    .option('--html <file.html>', 'write the class summary page here')
    .option('--checks <checks.json>', 'the instructor\'s hidden checks and points')
    .option('--timeout-cell <s>', 'seconds per cell (default: the checks file\'s limit, else 600)', positiveInt('--timeout-cell'))
    .option('--timeout-total <s>', 'seconds per notebook (default: the checks file\'s limit, else 3600)', positiveInt('--timeout-total'))
    .option('--smoke', 'run submissions in smoke mode (HAI_SMOKE=1)')
    .option('--out <dir>', 'keep the executed notebooks (with the check cells) here')
    .action(async (inputs: string[], o: { report?: string; html?: string; checks?: string; timeoutCell?: number; timeoutTotal?: number; smoke?: boolean; out?: string }) => {
      // Exit 0 whenever grading ran, even if submissions failed; only a grader failure throws.
      const report = await gradeSubmissions(inputs, { checks: o.checks, cellTimeoutS: o.timeoutCell, totalTimeoutS: o.timeoutTotal,
        smoke: Boolean(o.smoke), outDir: o.out, log: (l: string) => console.error(l) });
      writeGradeReport(report, { json: o.report, html: o.html });
      console.log(formatGradeSummary(report));
    });

  const kernel = program.command('kernel').description('the tslab kernel for Jupyter and VS Code');
  kernel.command('install')
    .description('register this checkout\'s tslab as a Jupyter kernel (no Python needed)')
    .option('--name <name>', 'kernelspec name (the notebooks ask for "tslab")', 'tslab')
    .option('--prefix <dir>', 'install under <dir>/share/jupyter instead of the per-user folder')
    .option('--force', 'replace an existing kernelspec of that name')
    .action((o: { name: string; prefix?: string; force?: boolean }) => {
      const file = installKernelSpec({ name: o.name, prefix: o.prefix ?? null, force: Boolean(o.force) });
      console.log(`installed ${file}\nopen the notebooks with: jupyter lab notebooks/   (or VS Code: pick the kernel "TypeScript (HAI Dialect Lab)")`);
    });

  const nb = program.command('nb').description('notebooks');
  nb.command('run')
    .description('execute notebooks headlessly in fresh tslab kernels and write executed copies')
    .argument('[notebooks...]', 'notebook files (default: every notebooks/NN_*.ipynb)')
    .option('--smoke', 'smoke mode (HAI_SMOKE=1): small subsets, stand-in models, short runs')
    .option('--out <dir>', 'where executed copies go', 'runs/notebooks')
    .option('--inplace', 'write outputs into the input notebooks instead')
    .option('--timeout <s>', 'seconds per cell (0: none)', (v) => {
      const n = Number(v);
      if (!(n >= 0)) throw new InvalidArgumentError(`--timeout must be >= 0 seconds, got '${v}'`);
      return n;
    }, 600)
    .option('--allow-errors', 'keep going after a failing cell')
    .action(async (files: string[], o: { smoke?: boolean; out: string; inplace?: boolean; timeout: number; allowErrors?: boolean }) => {
      const list = files.length ? files : fs.readdirSync('notebooks').filter((f) => /^\d\d_.*\.ipynb$/.test(f)).sort().map((f) => path.join('notebooks', f));
      const failures: string[] = [];
      for (const file of list) {
        const target = o.inplace ? file : executedPath(file, o.out);
        const r = await runNotebook(file, { smoke: Boolean(o.smoke), timeoutS: o.timeout, allowErrors: Boolean(o.allowErrors) });
        writeNotebook(target, r.executed);
        const fail = describeFailure(r);
        console.log(`${fail ? 'FAILED' : 'ok    '} ${file} (${r.seconds.toFixed(1)} s) → ${target}${fail ? `\n       ${fail}` : ''}`);
        if (fail) failures.push(fail);
      }
      if (failures.length) throw new Error(`${failures.length} of ${list.length} notebooks failed:\n${failures.join('\n')}`);
    });

  return program;
}

/** `--lr 1e-4 --epochs 3 --loss.kind focal` style overrides of CourseConfig fields, values parsed as JSON when they parse. */
export function parseOverrides(args: string[]): Partial<CourseConfig> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z_][a-z_0-9.]*)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected argument '${args[i]}': overrides are --key value`);
    const raw = m[2] ?? args[++i];
    if (raw === undefined) throw new Error(`--${m[1]} needs a value`);
    let v: unknown = raw;
    try { v = JSON.parse(raw); } catch { /* a plain string, e.g. a path */ }
    const keys = m[1].split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys[keys.length - 1]] = v;
  }
  checkKeys(out, 'overrides');
  return out as Partial<CourseConfig>;
}

function checkKeys(o: object, where: string): void {
  const known = Object.keys(courseDefaults());
  const bad = Object.keys(o).filter((k) => !known.includes(k) && k !== 'standin');
  if (bad.length) throw new Error(`${where}: unknown setting${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; known: ${known.join(', ')}`);
}

/** Runs the CLI; errors print one line (`hai: error: …`) and exit 1 instead of a stack trace. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    console.error(`hai: error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.HAI_DEBUG && e instanceof Error) console.error(e.stack);
    process.exitCode = 1;
  }
}
