/**
 * The notebook commands of `hai`: `course` (the main job, `npm start`), `kernel install` and `nb run`.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { positiveInt } from './args';
import { installKernelSpec } from '../notebook/kernelspec';
import { courseReport } from '../course/coursereport';
import { describeFailure, executedPath, runNotebook, writeNotebook } from '../notebook/nbrun';

export function addNotebookCommands(program: Command): void {
  program
    .command('course')
    .description('the main job (npm start): run every notebook in order, then write a results report (Markdown + HTML)')
    .option(
      '--full',
      'full runs with the real models (needs the hub or a cache; HAI_STANDIN=1 for stand-ins) instead of smoke mode',
    )
    .option('--out <dir>', 'report folder', 'runs/course')
    .option('--timeout <s>', 'seconds per cell', positiveInt('--timeout'), 1800)
    .action(async (o: { full?: boolean; out: string; timeout: number }) => {
      const r = await courseReport({ full: Boolean(o.full), out: path.resolve(o.out), timeoutS: o.timeout });
      console.log(`report: ${r.files.join(', ')}`);
      if (r.failures.length) throw new Error(`${r.failures.length} notebook(s) failed:\n${r.failures.join('\n')}`);
    });

  const kernel = program.command('kernel').description('the tslab kernel for Jupyter and VS Code');
  kernel
    .command('install')
    .description("register this checkout's tslab as a Jupyter kernel (no Python needed)")
    .option('--name <name>', 'kernelspec name (the notebooks ask for "tslab")', 'tslab')
    .option('--prefix <dir>', 'install under <dir>/share/jupyter instead of the per-user folder')
    .option('--force', 'replace an existing kernelspec of that name')
    .action((o: { name: string; prefix?: string; force?: boolean }) => {
      const file = installKernelSpec({ name: o.name, prefix: o.prefix ?? null, force: Boolean(o.force) });
      console.log(
        `installed ${file}\nopen the notebooks with: jupyter lab notebooks/   ` +
          '(or VS Code: pick the kernel "TypeScript (HAI Dialect Lab)")',
      );
    });

  const nb = program.command('nb').description('notebooks');
  nb.command('run')
    .description('execute notebooks headlessly in fresh tslab kernels and write executed copies')
    .argument('[notebooks...]', 'notebook files (default: every notebooks/NN_*.ipynb)')
    .option('--smoke', 'smoke mode (HAI_SMOKE=1): small subsets, stand-in models, short runs')
    .option('--out <dir>', 'where executed copies go', 'runs/notebooks')
    .option('--inplace', 'write outputs into the input notebooks instead')
    .option(
      '--timeout <s>',
      'seconds per cell (0: none)',
      (v) => {
        const n = Number(v);
        if (!(n >= 0)) throw new InvalidArgumentError(`--timeout must be >= 0 seconds, got '${v}'`);
        return n;
      },
      600,
    )
    .option('--allow-errors', 'keep going after a failing cell')
    .action(
      async (
        files: string[],
        o: { smoke?: boolean; out: string; inplace?: boolean; timeout: number; allowErrors?: boolean },
      ) => {
        const list = files.length
          ? files
          : fs
              .readdirSync('notebooks')
              .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
              .sort()
              .map((f) => path.join('notebooks', f));
        const failures: string[] = [];
        for (const file of list) {
          const target = o.inplace ? file : executedPath(file, o.out);
          const r = await runNotebook(file, {
            smoke: Boolean(o.smoke),
            timeoutS: o.timeout,
            allowErrors: Boolean(o.allowErrors),
          });
          writeNotebook(target, r.executed);
          const fail = describeFailure(r);
          console.log(
            `${fail ? 'FAILED' : 'ok    '} ${file} (${r.seconds.toFixed(1)} s) → ${target}` +
              (fail ? `\n       ${fail}` : ''),
          );
          if (fail) failures.push(fail);
        }
        if (failures.length)
          throw new Error(`${failures.length} of ${list.length} notebooks failed:\n${failures.join('\n')}`);
      },
    );
}
