/**
 * The error an unsolved exercise throws in a student notebook (`throw hai.todo('04.maxlen', 'chooseMaxlen')`, the
 * stub `hai assign` writes): one line that says which exercise and what to do. tslab prints a failed cell's error
 * with `console.error`, which would show the stack down into tslab's own code; this error has no stack frames and
 * prints as its one line, `TodoError: TODO(<id>): …`. The grader reads `TODO(<id>)` in it as "not implemented".
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import { inspect } from 'node:util';

export class TodoError extends Error {
  constructor(
    readonly exercise: string,
    message: string,
  ) {
    super(message);
    this.name = 'TodoError';
    // No frames: the student needs the exercise, not the path through tslab that called it.
    this.stack = `${this.name}: ${message}`;
  }
  /** What tslab prints: the one line, even after vm has prefixed the stack with the source line that threw. */
  [inspect.custom](): string {
    return `${this.name}: ${this.message}`;
  }
}

/**
 * The error of exercise `id` not written yet; `what` names the function to complete. Thrown where the exercise's
 * function is called, so a later cell that needs the exercise says which one.
 */
export function todo(id: string, what = 'the function'): TodoError {
  return new TodoError(
    id,
    `TODO(${id}): 연습 ${id}: ${what}의 본문을 먼저 채우세요 / exercise ${id}: write the body of ${what} first`,
  );
}
