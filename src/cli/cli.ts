/**
 * The `hai` command line. Each command is a thin layer over a library function, so what a notebook cell
 * does and what the CLI does cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { Command } from 'commander';
import { positiveInt } from './args';
import { addToolCommands } from './tools';
import { addAssignCommand, gradeClassOptions } from './assigncmd';
import { addTranslateCommands } from './translate';
import { addExportCommand } from './export';
import { addModelCommands } from './modelcmds';
import { addNotebookCommands } from './notebookcmds';
import { BACKENDS } from '../engine/backend';
import { addBookCommand } from './bookcmd';
import { formatGradeSummary, writeGradeReport } from '../grade/gradereport';
import { gradeSubmissions } from '../grade/grade';
import { addSandboxOptions, sandboxFromOptions } from './sandboxopts';

export function buildProgram(): Command {
  const { version } = require('../../package.json') as { version: string };
  const program = new Command('hai')
    .description('HAI Dialect Lab: fine-tune Korean language models to tell standard Korean from three dialects.')
    .version(version)
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nEnvironment:\n  HAI_BACKEND   auto (default) | ${BACKENDS.join(' | ')}: ` +
        'force a compute backend; fails if it cannot run' +
        '\n  HAI_SMOKE=1   small subsets and short runs (notebooks, train)' +
        '\n  HAI_STANDIN=1 offline stand-in models for hub ids that are not cached (always bannered)',
    );

  addToolCommands(program);
  addExportCommand(program);
  addBookCommand(program);

  addModelCommands(program);
  addNotebookCommands(program);

  addSandboxOptions(program.command('grade'))
    .description(
      're-run submitted notebooks in temporary folders (sandboxed where bubblewrap works), ' +
        "run the instructor's hidden checks, and report",
    )
    .argument('<inputs...>', 'submission notebooks and/or folders of them')
    .option('--report <file.json>', 'write report.json here')
    .option('--html <file.html>', 'write the class summary page here')
    .option('--checks <checks.json>', "the instructor's hidden checks and points")
    .option(
      '--timeout-cell <s>',
      "seconds per cell (default: the checks file's limit, else 600)",
      positiveInt('--timeout-cell'),
    )
    .option(
      '--timeout-total <s>',
      "seconds per notebook (default: the checks file's limit, else 3600)",
      positiveInt('--timeout-total'),
    )
    .option('--smoke', 'run submissions in smoke mode (HAI_SMOKE=1)')
    .option('--out <dir>', 'keep the executed notebooks (with the check cells) here')
    .action(
      async (
        inputs: string[],
        o: {
          report?: string;
          html?: string;
          checks?: string;
          timeoutCell?: number;
          timeoutTotal?: number;
          smoke?: boolean;
          out?: string;
          jobs?: number;
          shard?: string;
          merge?: boolean;
        } & Parameters<typeof sandboxFromOptions>[0],
      ) => {
        // Exit 0 whenever grading ran, even if submissions failed; only a grader failure throws.
        const report = o.merge
          ? gradeClassOptions.merge(inputs)
          : await gradeSubmissions(inputs, {
              checks: o.checks,
              cellTimeoutS: o.timeoutCell,
              totalTimeoutS: o.timeoutTotal,
              smoke: Boolean(o.smoke),
              outDir: o.out,
              log: (l: string) => console.error(l),
              sandbox: sandboxFromOptions(o),
              ...gradeClassOptions.config(o),
            });
        writeGradeReport(report, { json: o.report, html: o.html });
        console.log(formatGradeSummary(report));
      },
    );

  gradeClassOptions.add(program.commands.find((x) => x.name() === 'grade')!);
  addAssignCommand(program);

  addTranslateCommands(program);
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
