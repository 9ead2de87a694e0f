/**
 * The `hai` command line. Each command is a thin layer over a library function, so what a notebook cell
 * does and what the CLI does cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
import { Command } from 'commander';
import { addToolCommands } from './tools';
import { addAssignCommand } from './assigncmd';
import { addTranslateCommands } from './translate';
import { addExportCommand } from './export';
import { addModelCommands } from './modelcmds';
import { addNotebookCommands } from './notebookcmds';
import { BACKENDS } from '../engine/backend';
import { addBookCommand } from './bookcmd';
import { addGradeCommand } from './gradecmd';

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

  addGradeCommand(program);
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
