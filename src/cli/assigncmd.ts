/**
 * `hai assign` (student notebooks and grading files from the instructor's notebooks).
 * (`hai grade`'s class-scale options moved to src/cli/gradecmd.ts.)
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { assignCourse, readCourse } from '../grade/assign';
import { formatIssue, lintCourse } from '../grade/exercises';

export function addAssignCommand(program: Command): void {
  program
    .command('assign')
    .description(
      'write the student notebooks (solutions stubbed, hidden tests removed, outputs cleared) and the grading files for `hai grade --checks`',
    )
    .argument('[notebooks...]', 'notebook files in --src (default: every NN_*.ipynb)')
    .option('--src <dir>', "the instructor's notebooks", 'notebooks')
    .option('--out <dir>', 'where the student notebooks go', 'student')
    .option('--grading <dir>', 'where the grading files go (keep it away from students)', 'grading')
    .option('--lint', 'only check the exercise markers; write nothing')
    .action((names: string[], o: { src: string; out: string; grading: string; lint?: boolean }) => {
      const list = names.length ? names.map((n) => path.basename(n)) : null;
      if (o.lint) {
        const course = readCourse(o.src, list);
        const issues = lintCourse(course.map((x) => x.parsed));
        if (issues.length)
          throw new Error(`${issues.length} marker problem(s):\n${issues.map(formatIssue).join('\n')}`);
        const n = course.reduce((a, x) => a + x.parsed.exercises.length, 0);
        console.log(`markers lint clean: ${n} exercises in ${course.length} notebooks`);
        return;
      }
      const r = assignCourse({ src: o.src, out: o.out, grading: o.grading, notebooks: list });
      for (const e of r.exercises)
        console.log(
          `${e.notebook.padEnd(20)} ${e.id.padEnd(18)} ${String(e.points).padStart(2)} points, ${e.tests - e.hidden} public + ${e.hidden} hidden test cells`,
        );
      console.log(
        `${r.student.length} student notebooks → ${o.out}/, ${r.grading.length} grading files → ${o.grading}/ (${r.exercises.length} exercises, ${r.exercises.reduce((a, e) => a + e.points, 0)} points)`,
      );
    });
}
