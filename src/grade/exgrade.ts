/**
 * The per-exercise step of a grading run: each exercise of the plan (src/grade/byexercise.ts) graded on its own, in
 * its own pair of processes (src/grade/isolate.ts), before the submission's kernel runs the notebook, so neither
 * what the notebook's other cells do nor one exercise's hang or crash changes another exercise's points.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChecksFile } from './gradecheck';
import { ExercisePlan, exerciseResult } from './byexercise';
import { GradingSandbox, submissionBox } from './gradebox';
import { declaredNames, runIsolated } from './isolate';
import { cellSource, parseExerciseMarker, parseTestMarker } from './exercises';
import { readNotebook } from '../notebook/nbrun';
import type { Notebook } from '../notebook/nbformat';
import type { ExerciseResult } from './reporttypes';

export interface ExerciseStepConfig {
  runDir: string;
  /** The notebook's copy in the working folder (the sandbox's folder is its folder). */
  notebook: string;
  libDir: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  heapMb: number;
  gs: GradingSandbox;
  spec: ChecksFile;
}

const STRINGS_AND_COMMENTS = /'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
const marker = (src: string) => {
  const first = src.split('\n').find((l) => l.trim() !== '') ?? '';
  try {
    return parseExerciseMarker(first)?.id ?? (parseTestMarker(first) ? 'tests' : null);
  } catch {
    return null;
  }
};

/**
 * The instructor's set-up cells an exercise's tests need (tests that use `report` or `utts` from earlier cells): the
 * code cells before the exercise in the instructor's notebook, less the exercise and test cells and every cell that
 * calls an exercise's function (a demonstration: that would run student code on the tests' side). None when the
 * tests use no name those cells declare.
 */
export function setupCells(nb: Notebook, id: string, tests: string[]): string[] {
  const code = nb.cells.filter((c) => c.cell_type === 'code').map(cellSource);
  const at = code.findIndex((s) => marker(s) === id);
  if (at < 0) return [];
  const exNames = code.filter((s) => marker(s) && marker(s) !== 'tests').flatMap(declaredNames);
  const calls = (s: string) => exNames.some((n) => new RegExp(`\\b${n}\\b`).test(s));
  const pre = code.slice(0, at).filter((s) => !marker(s) && !calls(s));
  const names = pre.flatMap(declaredNames);
  const used = tests.some((t) => {
    const own = new Set(declaredNames(t)); // what a test imports or declares itself it does not need
    const code = t.replace(STRINGS_AND_COMMENTS, ' '); // 'a run at the end' does not use `run`
    return names.some((n) => !own.has(n) && new RegExp(`(?<![.\\w$])${n}\\b`).test(code));
  });
  return used ? pre : [];
}

/** The instructor's notebook of the plan, from the kit's notebooks/ (null: not there, no set-up). */
function instructorNotebook(libDir: string, notebook: string): Notebook | null {
  const file = path.join(libDir, 'notebooks', path.basename(notebook));
  return fs.existsSync(file) ? readNotebook(file) : null;
}

/** Every exercise's result, in the grading file's order; the untouched stubs and missing cells are not run. */
export async function gradeExercises(plan: ExercisePlan, o: ExerciseStepConfig): Promise<ExerciseResult[]> {
  const out: ExerciseResult[] = [];
  const kit = { libDir: o.libDir, dataDir: o.dataDir };
  const inst = instructorNotebook(o.libDir, plan.notebook);
  for (const item of plan.items) {
    if (!item.found || item.stub) {
      out.push(exerciseResult(item, null));
      continue;
    }
    try {
      const tests = item.exercise.tests.map((t) => t.source);
      const setup = inst ? setupCells(inst, item.exercise.id, tests) : [];
      const run = await runIsolated(
        item.source,
        tests,
        {
          limitS: item.limitS,
          heapMb: o.heapMb,
          runDir: o.runDir,
          libDir: o.libDir,
          dataDir: o.dataDir,
          env: o.env,
          box: () => submissionBox(o.gs, o.runDir, o.notebook, kit, o.spec, o.env, false),
        },
        setup,
      );
      out.push(exerciseResult(item, run));
    } catch (e) {
      // The grader's own failure (no mkfifo, no dist/): the exercise is reported, never silently scored.
      const how = `the exercise could not be graded: ${(e as Error).message}`;
      const tests = item.exercise.tests.map(() => ({ pass: false, message: how, seconds: 0 }));
      out.push(exerciseResult(item, { outcome: 'crashed', how, tests, seconds: 0 }));
    }
  }
  return out;
}
