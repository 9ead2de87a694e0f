/**
 * The per-exercise step of a grading run: each exercise of the plan (src/grade/byexercise.ts) graded on its own, in
 * its own pair of processes (src/grade/isolate.ts), before the submission's kernel runs the notebook, so neither
 * what the notebook's other cells do nor one exercise's hang or crash changes another exercise's points.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import type { ChecksFile } from './gradecheck';
import { ExercisePlan, exerciseResult } from './byexercise';
import { GradingSandbox, submissionBox } from './gradebox';
import { runIsolated } from './isolate';
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

/** Every exercise's result, in the grading file's order; the untouched stubs and missing cells are not run. */
export async function gradeExercises(plan: ExercisePlan, o: ExerciseStepConfig): Promise<ExerciseResult[]> {
  const out: ExerciseResult[] = [];
  const kit = { libDir: o.libDir, dataDir: o.dataDir };
  for (const item of plan.items) {
    if (!item.found || item.stub) {
      out.push(exerciseResult(item, null));
      continue;
    }
    try {
      const run = await runIsolated(
        item.source,
        item.exercise.tests.map((t) => t.source),
        {
          limitS: item.limitS,
          heapMb: o.heapMb,
          runDir: o.runDir,
          libDir: o.libDir,
          dataDir: o.dataDir,
          env: o.env,
          box: () => submissionBox(o.gs, o.runDir, o.notebook, kit, o.spec, o.env, false),
        },
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
