/**
 * `hai grade`: every option in one place (limits, checks, the class-scale `--jobs`/`--shard`/`--merge`, the sandbox's
 * from src/cli/sandboxopts.ts, feedback pages and exports) and the command's action.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { positiveInt } from './args';
import { addSandboxOptions, sandboxFromOptions } from './sandboxopts';
import { mergeReports, parseShard } from '../grade/classrun';
import { gradeSubmissions } from '../grade/grade';
import { formatGradeSummary, writeGradeReport } from '../grade/gradereport';
import { writeFeedback } from '../grade/feedback';
import { canvasCsv, gradescopeResults, gradesCsv, prairielearnResults } from '../grade/exports';
import { writeFileAtomic } from '../util/files';
import type { GradeReport } from '../grade/reporttypes';

interface GradeOptions {
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
  feedback?: string;
  export?: string;
  exportCanvas?: string;
  idPattern?: string;
  assignment?: string;
  resultsFormat?: 'gradescope' | 'prairielearn';
  results?: string;
}

/** The files a run writes besides report.json and the class page; returns what it wrote. */
export function writeExports(report: GradeReport, o: GradeOptions): string[] {
  const out: string[] = [];
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileAtomic(file, text);
    out.push(file);
  };
  if (o.export) write(o.export, gradesCsv(report));
  if (o.exportCanvas) write(o.exportCanvas, canvasCsv(report, { idPattern: o.idPattern, assignment: o.assignment }));
  if (o.resultsFormat) {
    if (!o.results) throw new Error('--results-format needs --results <file> (e.g. /autograder/results/results.json)');
    const r = o.resultsFormat === 'gradescope' ? gradescopeResults(report) : prairielearnResults(report);
    write(o.results, JSON.stringify(r, null, 2) + '\n');
  }
  if (o.feedback) out.push(...writeFeedback(report, o.feedback));
  return out;
}

export function addGradeCommand(program: Command): void {
  addSandboxOptions(program.command('grade'))
    .description(
      're-run submitted notebooks in temporary folders (sandboxed where bubblewrap works), ' +
        "grade each exercise where the student's code cannot reach the tests, run the instructor's hidden checks, " +
        'and report',
    )
    .argument('<inputs...>', 'submission notebooks and/or folders of them')
    .option('--report <file.json>', 'write report.json here')
    .option('--html <file.html>', 'write the class summary page here (instructor-only)')
    .option('--checks <checks.json>', "the instructor's hidden checks and points, or a folder of grading files")
    .option(
      '--timeout-cell <s>',
      "seconds per cell (default: the checks file's limit, else 600; exercise cells: their exercise's limit)",
      positiveInt('--timeout-cell'),
    )
    .option(
      '--timeout-total <s>',
      "seconds per notebook (default: the checks file's limit, else 3600)",
      positiveInt('--timeout-total'),
    )
    .option('--smoke', 'run submissions in smoke mode (HAI_SMOKE=1)')
    .option('--out <dir>', 'keep the executed notebooks here (INSTRUCTOR-ONLY: they hold the hidden checks)')
    .option('--jobs <n>', 'grade n submissions at once (each in its own kernel and folder)', positiveInt('--jobs'))
    .option('--shard <k/n>', 'grade only every n-th submission starting at the k-th (for a Slurm array or a CI matrix)')
    .option('--merge', 'the inputs are shard reports (report-*.json): merge them into the class report')
    .option('--feedback <dir>', 'one page per submission for the student (hidden tests by name and pass/fail only)')
    .option('--export <grades.csv>', 'one row per submission: points per exercise and check, total, status')
    .option('--export-canvas <file.csv>', "Canvas's gradebook import (Student, ID, SIS User ID, Section, assignment)")
    .option('--id-pattern <regex>', 'ids from file names for --export-canvas: groups id, and name, sis, section')
    .option('--assignment <name>', "the assignment's column in --export-canvas (default: the checks' title)")
    .addOption(
      new Option('--results-format <platform>', 'write an autograder results file (one submission)').choices([
        'gradescope',
        'prairielearn',
      ]),
    )
    .option('--results <file.json>', 'where --results-format writes (Gradescope: /autograder/results/results.json)')
    .action(async (inputs: string[], o: GradeOptions & Parameters<typeof sandboxFromOptions>[0]) => {
      if (o.resultsFormat && !o.results) throw new Error('--results-format needs --results <file>');
      // Exit 0 whenever grading ran, even if submissions failed; only a grader failure throws.
      const report = o.merge
        ? mergeReports(inputs)
        : await gradeSubmissions(inputs, {
            checks: o.checks,
            cellTimeoutS: o.timeoutCell,
            totalTimeoutS: o.timeoutTotal,
            smoke: Boolean(o.smoke),
            outDir: o.out,
            log: (l: string) => console.error(l),
            sandbox: sandboxFromOptions(o),
            jobs: o.jobs,
            shard: o.shard ? parseShard(o.shard) : undefined,
          });
      writeGradeReport(report, { json: o.report, html: o.html });
      for (const f of writeExports(report, o)) console.error(`wrote ${f}`);
      if (o.out)
        console.error(`${o.out}: executed notebooks are INSTRUCTOR-ONLY (hidden checks); hand back --feedback`);
      console.log(formatGradeSummary(report));
    });
}
