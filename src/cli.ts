/**
 * The `hai` command line. Each command is a thin layer over a library function, so what a notebook cell
 * does and what the CLI does cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, BackendName } from './backend';
import { benchDefaults, benchWorker, formatBenchTable, runBench } from './bench';
import { doctor, formatDoctor } from './doctor';

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
    .addHelpText('after', `\nEnvironment:\n  HAI_BACKEND   auto (default) | ${BACKENDS.join(' | ')}: force a compute backend; fails if it cannot run`);

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
    .addOption(new Option('--tasks <list>', 'comma-separated: train, forward').default(d.tasks.join(','))
      .argParser((v) => v.split(',').map((s) => {
        if (s !== 'train' && s !== 'forward') throw new InvalidArgumentError(`unknown task '${s}': use train, forward`);
        return s;
      })))
    .option('--batch <n>', 'examples per step', positiveInt('--batch'), d.batch)
    .option('--seqs <list>', 'comma-separated sequence lengths', intList('--seqs'), d.seqs)
    .option('--layers <n>', 'transformer layers (KoELECTRA-small has 12)', positiveInt('--layers'), d.layers)
    .option('--warmup <n>', 'untimed steps first', (v) => { const n = Number(v); if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--warmup must be >= 0'); return n; }, d.warmup)
    .option('--steps <n>', 'timed steps (the median is reported)', positiveInt('--steps'), d.steps)
    .option('--timeout <s>', 'seconds allowed per measurement', positiveInt('--timeout'), d.timeoutS)
    .option('--json', 'print a JSON array of measurements instead of the table')
    .addOption(new Option('--worker <spec>').hideHelp())
    .action(async (o) => {
      if (o.worker) return benchWorker(JSON.parse(o.worker));
      const tasks = typeof o.tasks === 'string' ? o.tasks.split(',') : o.tasks;
      const cfg = benchDefaults({ backends: o.backends ?? null, tasks, batch: o.batch, seqs: o.seqs, layers: o.layers, warmup: o.warmup, steps: o.steps, timeoutS: o.timeout });
      if (!o.json) console.error(`hai bench: ${cfg.layers} layers, batch ${cfg.batch}, seq ${cfg.seqs.join('/')}, ${cfg.warmup} warm-up + ${cfg.steps} timed steps per row, each row in a fresh process`);
      const rows = await runBench(cfg, (r) => { if (!o.json) console.error(`  ${r.backend} ${r.task} seq ${r.seq}: ${r.status}${r.ms_per_step !== null ? ` ${r.ms_per_step} ms/step` : ''}`); });
      console.log(o.json ? JSON.stringify(rows, null, 2) : formatBenchTable(rows));
    });

  return program;
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
