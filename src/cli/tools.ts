/**
 * The `hai` commands that inspect and measure rather than train: `doctor`, `bench`, `data …` and `tokenize`
 * (the rest are in src/cli/cli.ts). Each is a thin layer over a library function, so a notebook cell and the
 * command line cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb (doctor, bench) and notebooks/01_data.ipynb (data).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, BackendName } from '../engine/backend';
import { BENCH_TASKS, BenchTask, benchDefaults } from '../bench/benchconfig';
import { formatBenchTable, runBench } from '../bench/bench';
import { benchWorker } from '../bench/worker';
import { doctor, formatDoctor } from './doctor';
import { buildCorpus, prepareData, splitFiles } from '../data/bundledcorpus';
import { AutoTokenizer } from '../models/autotokenizer';
import { tokenizeJsonl } from '../text/pretrainedtokenizer';
import { LABELS } from '../data/rows';
import { Mode, convertDefaults } from '../data/aihub';
import { convertFilesToCsv } from '../data/convertstream';

export const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got '${v}'`);
  return n;
};
export const intList = (what: string) => (v: string) => v.split(',').map((s) => positiveInt(what)(s.trim()));

/** Registers doctor, bench, data and tokenize on `program`. */
export function addToolCommands(program: Command): void {
  program
    .command('doctor')
    .description('show the compute backend this machine uses and why, the GPU, threads and package versions')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor();
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
      if (!report.self_test.ok) process.exitCode = 1;
    });

  const d = benchDefaults();
  program
    .command('bench')
    .description('measure fine-tuning and forward throughput of a KoELECTRA-small-shaped classifier on each backend')
    .addOption(
      new Option(
        '--backends <list>',
        `comma-separated, from ${BACKENDS.join(',')} (default: every available one; cpu only when nothing ` +
          'faster runs, webgpu only on a hardware adapter: name it to time a software one such as SwiftShader)',
      ).argParser((v) =>
        v.split(',').map((s) => {
          const b = s.trim() as BackendName;
          if (!BACKENDS.includes(b))
            throw new InvalidArgumentError(`unknown backend '${s}': use ${BACKENDS.join(', ')}`);
          return b;
        }),
      ),
    )
    .addOption(
      new Option(
        '--tasks <list>',
        `comma-separated: ${BENCH_TASKS.join(', ')} (epoch, predict: end to end on the bundled corpus)`,
      )
        .default(d.tasks.join(','))
        .argParser((v) =>
          v.split(',').map((s) => {
            if (!BENCH_TASKS.includes(s as BenchTask))
              throw new InvalidArgumentError(`unknown task '${s}': use ${BENCH_TASKS.join(', ')}`);
            return s;
          }),
        ),
    )
    .option(
      '--tokenizer <name=dir>',
      'also time this tokenizer folder (repeatable), e.g. kobert=path/to/kobert',
      (v, acc: { name: string; dir: string }[]) => {
        const i = v.indexOf('=');
        if (i < 1) throw new InvalidArgumentError(`--tokenizer takes name=dir, got '${v}'`);
        return [...acc, { name: v.slice(0, i), dir: v.slice(i + 1) }];
      },
      [],
    )
    .option('--batch <n>', 'examples per step', positiveInt('--batch'), d.batch)
    .option('--seqs <list>', 'comma-separated sequence lengths', intList('--seqs'), d.seqs)
    .option('--layers <n>', 'transformer layers (KoELECTRA-small has 12)', positiveInt('--layers'), d.layers)
    .option(
      '--warmup <n>',
      'untimed steps first',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--warmup must be >= 0');
        return n;
      },
      d.warmup,
    )
    .option('--steps <n>', 'timed steps (the median is reported)', positiveInt('--steps'), d.steps)
    .option('--timeout <s>', 'seconds allowed per measurement', positiveInt('--timeout'), d.timeoutS)
    .option('--checkpoint', 'activation checkpointing in the training rows (less memory, one more forward per layer)')
    .option(
      '--torch',
      'also time PyTorch on the same shapes (bench/torch_step.py, torch_epoch.py; needs python3-torch)',
    )
    .option(
      '--max-examples <n>',
      'epoch/predict rows: at most n rows of course_train.csv / course_valid.csv (default: all)',
      positiveInt('--max-examples'),
    )
    .option(
      '--rows <list>',
      'data rows: comma-separated table sizes to read, tokenize, encode and batch',
      intList('--rows'),
      d.rows,
    )
    .option('--json', 'print a JSON array of measurements instead of the table')
    .addOption(new Option('--worker <spec>').hideHelp())
    .action(async (o) => {
      if (o.worker) return benchWorker(JSON.parse(o.worker));
      const tasks = typeof o.tasks === 'string' ? o.tasks.split(',') : o.tasks;
      const cfg = benchDefaults({
        tokenizers: o.tokenizer,
        backends: o.backends ?? null,
        tasks,
        batch: o.batch,
        seqs: o.seqs,
        layers: o.layers,
        warmup: o.warmup,
        steps: o.steps,
        timeoutS: o.timeout,
        checkpoint: Boolean(o.checkpoint),
        torch: Boolean(o.torch),
        maxExamples: o.maxExamples ?? null,
        rows: o.rows,
      });
      if (!o.json)
        console.error(
          `hai bench: ${cfg.layers} layers, batch ${cfg.batch}, seq ${cfg.seqs.join('/')}, ` +
            `${cfg.warmup} warm-up + ${cfg.steps} timed steps per row` +
            (cfg.tasks.some((t) => t === 'epoch' || t === 'predict')
              ? `; epoch/predict: the tuned preset's batch 256 and maxlen 256, ${cfg.maxExamples ?? 'all'} rows per CSV`
              : '') +
            '; each row in a fresh process',
        );
      const rows = await runBench(cfg, (r) => {
        if (!o.json)
          console.error(
            `  ${r.backend} ${r.task}${r.variant ? `: ${r.variant}` : ''} seq ${r.seq}: ${r.status}` +
              (r.seconds !== undefined ? ` ${r.seconds} s` : r.ms_per_step !== null ? ` ${r.ms_per_step} ms/step` : ''),
          );
      });
      console.log(o.json ? JSON.stringify(rows, null, 2) : formatBenchTable(rows));
    });

  const data = program.command('data').description('turn AI Hub dialect JSON into labelled tables (session 1)');
  data
    .command('convert')
    .description('convert AI Hub JSON files or folders into a `contents,label` CSV, exactly as the course did')
    .argument('<inputs...>', 'JSON files and/or folders (searched recursively for *.json)')
    .requiredOption('--out <file.csv>', 'where to write the CSV (written atomically)')
    .addOption(
      new Option(
        '--mode <mode>',
        "course = the original notebook's rules; clean = those plus the clean rules of data/README.md",
      )
        .choices(['course', 'clean'])
        .default('course'),
    )
    .option('--label-map <list>', 'labels for other regions, e.g. 강원=4,충청=5', (v) =>
      Object.fromEntries(
        v.split(',').map((kv) => {
          const [k, n] = kv.split('=');
          if (!k || !/^\d+$/.test(n ?? ''))
            throw new InvalidArgumentError(`--label-map entries are region=label, got '${kv}'`);
          return [k.trim(), Number(n)];
        }),
      ),
    )
    .option(
      '--skip-bad',
      'write the rows of the good files even when some files are malformed (each is still reported)',
    )
    .action(
      (inputs: string[], o: { out: string; mode: Mode; labelMap?: Record<string, number>; skipBad?: boolean }) => {
        // Streams file by file (src/data/convertstream.ts): bounded memory for AI Hub's ~26k files, a progress bar.
        const res = convertFilesToCsv(inputs, o.out, convertDefaults({ mode: o.mode, labelMap: o.labelMap ?? {} }), {
          skipBad: o.skipBad,
        });
        const bad = res.files.filter((f) => f.error);
        for (const f of res.files) {
          if (f.error) console.error(`error: ${f.error}`);
          else if (f.skipped) console.error(`warning: ${f.file}: skipped: ${f.skipped}`);
        }
        if (!res.written) {
          throw new Error(
            `${bad.length} of ${res.files.length} files could not be read; nothing was written ` +
              "(fix them, or pass --skip-bad to write the other files' rows)",
          );
        }
        const byLabel = [...res.label_counts]
          .sort((a, b) => a[0] - b[0])
          .map(([l, n]) => `${l} ${LABELS[l] ?? ''}: ${n}`.replace(' :', ':'))
          .join(', ');
        console.log(`${o.out}: ${res.rows} rows from ${res.files.length - bad.length} files (${byLabel || 'no rows'})`);
        if (res.stats)
          console.log(
            `clean rules: ${Object.entries(res.stats)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
        if (bad.length) process.exitCode = 1;
      },
    );
  data
    .command('split')
    .description('convert, then split into train/valid CSVs: by rows (the course) or by conversation (no twin leaks)')
    .argument('<inputs...>', 'AI Hub JSON files and/or folders')
    .addOption(
      new Option('--by <how>', 'rows: random rows, as the course; conversation: whole conversations')
        .choices(['rows', 'conversation'])
        .default('rows'),
    )
    .addOption(
      new Option('--mode <mode>', 'course or clean preprocessing').choices(['course', 'clean']).default('course'),
    )
    .option(
      '--valid-fraction <f>',
      'share of rows (or conversations) in valid',
      (v) => {
        const f = Number(v);
        if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`--valid-fraction must be between 0 and 1, got '${v}'`);
        return f;
      },
      0.2,
    )
    .option('--seed <n>', 'seed of the split', (v) => Number(v), 42)
    .requiredOption('--train-out <file.csv>', 'train CSV')
    .requiredOption('--valid-out <file.csv>', 'valid CSV')
    .action(
      (
        inputs: string[],
        o: {
          by: 'rows' | 'conversation';
          mode: Mode;
          validFraction: number;
          seed: number;
          trainOut: string;
          validOut: string;
        },
      ) => {
        const s = splitFiles(inputs, o);
        console.log(
          `${o.trainOut}: ${s.train.length} rows; ${o.validOut}: ${s.valid.length} rows; ` +
            `split by ${o.by}: ${s.leakedTwins} valid rows have their twin in train`,
        );
      },
    );
  data
    .command('prepare')
    .description('rebuild everything in data/ from data/corpus-src: the AI Hub JSON and the course and clean splits')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'the data folder to write aihub/ and rows/ into', 'data')
    .action((o: { src: string; out: string }) => {
      for (const line of prepareData(o.src, o.out)) console.log(line);
    });
  data
    .command('build-corpus')
    .description('build the bundled corpus: data/corpus-src/<region>/*.txt → AI Hub JSON in data/aihub/<region>/')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'where the JSON files go', 'data/aihub')
    .action((o: { src: string; out: string }) => {
      const files = buildCorpus(o.src, o.out);
      console.log(`${files.length} files written under ${o.out}`);
    });

  program
    .command('tokenize')
    .description(
      'tokenize JSON lines {"text", "text_pair"?} from stdin, one JSON line out per input, as Hugging Face does',
    )
    .requiredOption(
      '--tokenizer <dir|id>',
      'a tokenizer folder or hub id; its class is resolved as transformers does ' +
        '(tokenizer_config.json, config.json, model_type)',
    )
    .option('--max-length <n>', 'pad to and truncate at n tokens', positiveInt('--max-length'))
    .option(
      '--tokenizer-class <name>',
      'override the class transformers would resolve (tokenizer_config.json, config.json, model_type), ' +
        'e.g. KoBertTokenizer',
    )
    .action(async (o: { tokenizer: string; maxLength?: number; tokenizerClass?: string }) => {
      const tok = await AutoTokenizer.from_pretrained(
        o.tokenizer,
        o.tokenizerClass ? { tokenizer_class: o.tokenizerClass } : {},
      );
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      process.stdout.write(tokenizeJsonl(tok, Buffer.concat(chunks).toString('utf8'), o.maxLength));
    });
}
