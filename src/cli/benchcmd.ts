/**
 * `hai bench`: step rows (train, forward) per backend beside PyTorch, end-to-end rows (epoch, predict), the data
 * pipeline at course scale, and `--repeat N` for medians and ranges over alternating rounds.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, BackendName } from '../engine/backend';
import { BENCH_TASKS, BenchTask, benchDefaults } from '../bench/benchconfig';
import { formatBenchTable, runBench } from '../bench/bench';
import type { BenchRow } from '../bench/benchconfig';
import { repeatBench } from '../bench/repeat';
import { benchWorker } from '../bench/worker';

import { intList, positiveInt } from './args';

export function addBenchCommand(program: Command): void {
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
    .option(
      '--repeat <n>',
      'whole rounds (ours, then PyTorch with --torch, each round); rows give the median and the range',
      positiveInt('--repeat'),
      d.repeat,
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
        repeat: o.repeat,
      });
      if (!o.json)
        console.error(
          `hai bench: ${cfg.layers} layers, batch ${cfg.batch}, seq ${cfg.seqs.join('/')}, ` +
            `${cfg.warmup} warm-up + ${cfg.steps} timed steps per row` +
            (cfg.tasks.some((t) => t === 'epoch' || t === 'predict')
              ? `; epoch/predict: the tuned preset's batch 256 and maxlen 256, ${cfg.maxExamples ?? 'all'} rows per CSV`
              : '') +
            '; each row in a fresh process' +
            (cfg.repeat > 1 ? `; ${cfg.repeat} rounds, medians and ranges` : ''),
        );
      let round = 0;
      const onRow = (r: BenchRow) => {
        if (!o.json)
          console.error(
            `  ${cfg.repeat > 1 ? `round ${round + 1}: ` : ''}` +
              `${r.backend} ${r.task}${r.variant ? `: ${r.variant}` : ''} seq ${r.seq}: ${r.status}` +
              (r.seconds !== undefined ? ` ${r.seconds} s` : r.ms_per_step !== null ? ` ${r.ms_per_step} ms/step` : ''),
          );
      };
      const rows = await repeatBench(
        cfg,
        (c) => runBench(c, onRow),
        () => round++,
      );
      console.log(o.json ? JSON.stringify(rows, null, 2) : formatBenchTable(rows));
    });
}
