/**
 * `hai assign`: the student handout (notebooks with the solutions stubbed, data, the kit, package.json and lock,
 * README) and the grading files apart from it. (`hai grade`'s options are in src/cli/gradecmd.ts.)
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { readCourse } from '../grade/assign';
import { formatIssue, lintCourse } from '../grade/exercises';
import { writeHandout } from '../grade/handout';
import { formatFinding, lintHandout } from '../grade/handoutlint';

interface AssignOptions {
  src: string;
  out: string;
  grading: string;
  kitVersion?: string;
  lint?: boolean | string;
}

/** `--lint [dir]`: the markers, then the handout folder (`dir`, else --out where it exists) file by file. */
function lint(o: AssignOptions, list: string[] | null): void {
  const course = readCourse(o.src, list);
  const issues = lintCourse(course.map((x) => x.parsed));
  if (issues.length) throw new Error(`${issues.length} marker problem(s):\n${issues.map(formatIssue).join('\n')}`);
  const n = course.reduce((a, x) => a + x.parsed.exercises.length, 0);
  console.log(`markers lint clean: ${n} exercises in ${course.length} notebooks`);
  const dir = typeof o.lint === 'string' ? o.lint : o.out;
  if (typeof o.lint !== 'string' && !fs.existsSync(dir)) {
    console.log(`no handout folder at ${dir}: give it as --lint <dir> to scan one`);
    return;
  }
  const found = lintHandout(dir, o.src, list);
  if (found.length)
    throw new Error(
      `${dir}: ${found.length} leak(s) of solutions or hidden tests:\n${found.map(formatFinding).join('\n')}`,
    );
  console.log(`${dir}: no solution, hidden test or grading file in any file (the kit's tarball included)`);
}

export function addAssignCommand(program: Command): void {
  program
    .command('assign')
    .description(
      'write the student handout (notebooks with solutions stubbed and hidden tests removed, data, the kit, ' +
        'package.json, README) and, apart from it, the grading files for `hai grade --checks`',
    )
    .argument('[notebooks...]', 'notebook files in --src (default: every NN_*.ipynb)')
    .option('--src <dir>', "the instructor's notebooks", 'notebooks')
    .option('--out <dir>', 'the handout folder (new or empty)', 'handout')
    .option('--grading <dir>', 'where the grading files go (keep it away from students; never inside --out)', 'grading')
    .option('--kit-version <v>', 'depend on this published version of the kit instead of packing it into the handout')
    .option('--lint [dir]', 'only check: the markers, and the handout folder (default --out) for leaks; write nothing')
    .action((names: string[], o: AssignOptions) => {
      const list = names.length ? names.map((n) => path.basename(n)) : null;
      if (o.lint) return lint(o, list);
      const r = writeHandout({ src: o.src, out: o.out, grading: o.grading, notebooks: list, kitVersion: o.kitVersion });
      for (const e of r.exercises)
        console.log(
          `${e.notebook.padEnd(20)} ${e.id.padEnd(18)} ${String(e.points).padStart(2)} points, ` +
            `${e.tests - e.hidden} public + ${e.hidden} hidden test cells`,
        );
      const points = r.exercises.reduce((a, e) => a + e.points, 0);
      console.log(
        `handout → ${o.out}/ (${r.student.length} notebooks, ${r.files} files, ` +
          `kit ${r.tarball ? path.basename(r.tarball) : o.kitVersion}); ` +
          `${r.grading.length} grading files → ${o.grading}/ (${r.exercises.length} exercises, ${points} points)\n` +
          `students: cd ${o.out} && npm ci && npx hai kernel install`,
      );
    });
}
