/**
 * Partial credit past failures (src/grade/gradeone.ts, src/grade/isolate.ts): a first exercise that hangs, at the top
 * of its cell or inside its function, costs that exercise's limit (30 s by default) and its points only; the two
 * solved exercises keep theirs, the submission is graded within a minute, and its status says why (never `ok 0/5`).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assignCourse } from '../../src/grade/assign';
import { gradeSubmissions } from '../../src/grade/grade';
import { submissionStatus } from '../../src/grade/gradeone';
import { readNotebook } from '../../src/notebook/nbrun';
import type { ExerciseResult, GradeCell, GradeReport } from '../../src/grade/reporttypes';
import { ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-partial-test-'));
const inst = readNotebook(path.join(ROOT, 'notebooks', '02_inspect.ipynb'));
const text = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const solution = (id: string) => text(inst.cells.find((c) => text(c).startsWith(`// @exercise ${id} `))!);
const cell = (source: string) => ({ cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source });
const sub = (first: string) => ({
  metadata: { hai: { notebook: '02_inspect' } },
  nbformat: 4,
  nbformat_minor: 5,
  cells: [cell(first), cell(solution('02.duplicates')), cell(solution('02.twins'))],
});
let report: GradeReport;
const by = (n: string) => report.submissions.find((s) => path.basename(s.file) === n)!;

before(async () => {
  const grading = path.join(tmp, 'grading'),
    subs = path.join(tmp, 'subs');
  assignCourse({ out: path.join(tmp, 'student'), grading, notebooks: ['02_inspect.ipynb'] });
  fs.mkdirSync(subs);
  const head = '// @exercise 02.labelrun points=1\n';
  fs.writeFileSync(path.join(subs, 'hang_cell.ipynb'), JSON.stringify(sub(`${head}while (true) {}\n`)));
  fs.writeFileSync(
    path.join(subs, 'hang_call.ipynb'),
    JSON.stringify(sub(`${head}function longestRun(labels: number[]): any {\n  while (true) {}\n}\n`)),
  );
  report = await gradeSubmissions([subs], { checks: grading, smoke: true, jobs: 2, sandbox: { mode: 'off' } });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

for (const name of ['hang_cell.ipynb', 'hang_call.ipynb'])
  test(`${name}: the hung exercise scores 0, the two solved ones 4 points, within a minute`, () => {
    const s = by(name);
    const ex = Object.fromEntries(s.exercises!.map((e) => [e.id, e]));
    assert.equal(ex['02.labelrun'].status, 'timeout', ex['02.labelrun'].error);
    assert.match(ex['02.labelrun'].error!, /no verdict within 30 s/);
    assert.deepEqual([ex['02.duplicates'].status, ex['02.twins'].status], ['passed', 'passed']);
    assert.deepEqual([s.points, s.max_points], [4, 5]);
    assert.equal(s.status, 'timeout');
    assert.ok(s.error, 'a status with its reason');
    assert.ok(s.seconds < 60, `${s.seconds.toFixed(1)} s`);
  });

test('the status comes from the cells, then the exercises: never ok with an exercise that did not pass', () => {
  const ok: GradeCell[] = [{ index: 0, status: 'ok', seconds: 0 }];
  const ex = (status: ExerciseResult['status'], error?: string): ExerciseResult => ({
    id: '02.x',
    status,
    points: 0,
    max_points: 1,
    tests: { passed: 0, total: 1 },
    ...(error ? { error } : {}),
  });
  assert.deepEqual(submissionStatus(ok, [ex('timeout', 'no verdict within 30 s')]), {
    status: 'timeout',
    error: 'exercise 02.x timeout: no verdict within 30 s',
  });
  assert.equal(submissionStatus(ok, [ex('crashed', 'ran out of memory')]).status, 'crashed');
  assert.deepEqual(submissionStatus(ok, [ex('failed', 'AssertionError: 1 !== 2')]), {
    status: 'error',
    error: 'exercise 02.x failed: AssertionError: 1 !== 2',
  });
  assert.deepEqual(submissionStatus(ok, [{ ...ex('passed'), points: 1 }]), { status: 'ok' });
  const hung: GradeCell[] = [{ index: 3, status: 'timeout', seconds: 30, error: 'no result within 30 s' }];
  assert.deepEqual(submissionStatus(hung, [ex('failed')]), {
    status: 'timeout',
    error: 'cell 3 timeout: no result within 30 s',
  });
});
