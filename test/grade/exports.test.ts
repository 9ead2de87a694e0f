/**
 * Exports (src/grade/exports.ts), from a report built here: the grades CSV and Canvas's import CSV parsed back with a
 * real CSV parser (papaparse, already in node_modules through danfojs-node), Korean names with commas and quotes
 * intact and formulas defused; Gradescope's and PrairieLearn's results files against the fields those platforms read.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { canvasCsv, gradescopeResults, gradesCsv, prairielearnResults } from '../../src/grade/exports';
import type { ExerciseResult, GradeReport, SubmissionReport } from '../../src/grade/reporttypes';

const exercise = (id: string, pass: boolean, max: number): ExerciseResult => ({
  id,
  status: pass ? 'passed' : 'failed',
  points: pass ? max : 0,
  max_points: max,
  ...(pass ? {} : { error: 'AssertionError: secret hidden message' }),
  tests: {
    passed: pass ? 2 : 1,
    total: 2,
    results: [
      { name: `${id} public 1`, hidden: false, pass: true, seconds: 0 },
      { name: `${id} hidden 1`, hidden: true, pass, seconds: 0, ...(pass ? {} : { message: 'secret hidden message' }) },
    ],
  },
});
const submission = (file: string, passes: boolean[]): SubmissionReport => {
  const exercises = [exercise('02.labelrun', passes[0], 1), exercise('02.twins', passes[1], 2)];
  const points = exercises.reduce((a, e) => a + e.points, 0);
  return {
    file,
    status: passes.every(Boolean) ? 'ok' : 'error',
    ...(passes.every(Boolean) ? {} : { error: 'exercise failed: "quoted", with a comma\nand a line break' }),
    cells: [{ index: 0, status: 'ok', seconds: 1 }],
    metrics: {},
    history: [],
    remeasured: {},
    checks: [{ name: 'runs, "top" to bottom', status: 'pass', points: 1, max_points: 1, seconds: 0 }],
    exercises,
    points: points + 1,
    max_points: 4,
    seconds: 12.3,
    sha256: '',
    unchanged: true,
    outside_writes: [],
    notes: [],
  };
};
const report = (subs: SubmissionReport[]): GradeReport => ({
  generated: '2026-12-07T00:00:00Z',
  checks_file: null,
  title: '02 데이터 살펴보기',
  limits: { cell_s: 600, total_s: 3600, max_output_chars: 1, max_old_space_mb: 1 },
  smoke: true,
  sandbox: { enabled: false, reason: 'test' },
  submissions: subs,
  summary: { submissions: subs.length, ok: 0, error: 0, timeout: 0, crashed: 0, mean_points: 0, max_points: 4 },
});
// papaparse has no types of its own here; the one call used is typed by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Papa: { parse(t: string, o: object): { data: string[][]; errors: unknown[] } } = require('papaparse');
const parse = (text: string) => {
  const r = Papa.parse(text, { skipEmptyLines: true });
  assert.deepEqual(r.errors, []);
  return r.data;
};
const klass = report([
  submission('subs/김철수, "왕"_1234_99_02_inspect.ipynb', [true, true]),
  submission('subs/이영희_LATE_5678_100_02_inspect.ipynb', [false, true]),
  submission('subs/=HYPERLINK("x")_42_1_a.ipynb', [true, false]),
]);

test('grades.csv: one row per submission, a column per exercise and check, names with commas and quotes intact', () => {
  const text = gradesCsv(klass);
  assert.ok(text.endsWith('\r\n') && text.includes('\r\n'), 'CRLF line ends (RFC 4180)');
  const rows = parse(text);
  assert.deepEqual(rows[0], [
    'student',
    'file',
    '02.labelrun',
    '02.twins',
    'runs, "top" to bottom',
    'total',
    'max_points',
    'status',
    'error',
  ]);
  assert.equal(rows.length, 4);
  assert.deepEqual(rows[1].slice(0, 8), [
    '김철수, "왕"_1234_99_02_inspect',
    'subs/김철수, "왕"_1234_99_02_inspect.ipynb',
    '1',
    '2',
    '1',
    '4',
    '4',
    'ok',
  ]);
  assert.deepEqual(rows[2].slice(2, 8), ['0', '2', '1', '3', '4', 'error']);
  assert.equal(rows[2][8], 'exercise failed: "quoted", with a comma\nand a line break');
  assert.equal(rows[3][0], `'=HYPERLINK("x")_42_1_a`, 'a formula is defused with a leading apostrophe');
});

test("Canvas CSV: Student, ID, SIS User ID, Section, the assignment; ids from Canvas's file names", () => {
  const rows = parse(canvasCsv(klass));
  assert.deepEqual(rows[0], ['Student', 'ID', 'SIS User ID', 'Section', '02 데이터 살펴보기']);
  assert.deepEqual(rows[1], ['Points Possible', '', '', '', '4']);
  assert.deepEqual(rows.slice(2), [
    ['김철수, "왕"', '1234', '', '', '4'],
    ['이영희', '5678', '', '', '3'],
    [`'=HYPERLINK("x")`, '42', '', '', '2'],
  ]);
  const custom = parse(
    canvasCsv(report([submission('s/A01_kim_sec2.ipynb', [true, true])]), {
      idPattern: '^(?<sis>A\\d+)_(?<name>[a-z]+)_(?<section>sec\\d)',
      assignment: 'Lab 2 (12)',
    }),
  );
  assert.deepEqual(custom[2], ['kim', '', 'A01', 'sec2', '4']);
  assert.equal(custom[0][4], 'Lab 2 (12)');
  assert.throws(
    () => canvasCsv(report([submission('s/nobody.ipynb', [true, true])])),
    /s\/nobody\.ipynb: --id-pattern/,
  );
  assert.throws(() => canvasCsv(klass, { idPattern: '(?<name>x)' }), /group named id .* or sis/);
});

test('Gradescope results.json: score, tests[{name, score, max_score, output, visibility}], hidden messages withheld', () => {
  const r = gradescopeResults(report([klass.submissions[1]]));
  assert.equal(r.score, 3);
  for (const t of r.tests) {
    assert.deepEqual(Object.keys(t).sort(), ['max_score', 'name', 'output', 'score', 'visibility']);
    assert.ok(['hidden', 'after_due_date', 'after_published', 'visible'].includes(t.visibility));
  }
  assert.deepEqual(
    r.tests.map((t) => [t.name, t.score, t.max_score]),
    [
      ['02.labelrun', 0, 1],
      ['02.twins', 2, 2],
      ['runs, "top" to bottom', 1, 1],
    ],
  );
  assert.match(r.tests[0].output, /FAIL 02\.labelrun hidden 1/);
  assert.ok(!JSON.stringify(r).includes('secret hidden message'));
  assert.throws(() => gradescopeResults(klass), /one submission/);
});

test('PrairieLearn results: score in [0, 1], gradable, tests[{name, points, max_points, message}]', () => {
  const r = prairielearnResults(report([klass.submissions[1]]));
  assert.equal(r.gradable, true);
  assert.equal(r.score, 0.75);
  for (const t of r.tests) assert.deepEqual(Object.keys(t).sort(), ['max_points', 'message', 'name', 'points']);
  assert.ok(!JSON.stringify(r).includes('secret hidden message'));
  const broken = {
    ...submission('x.ipynb', [true, true]),
    status: 'error' as const,
    cells: [],
    exercises: [],
    checks: [],
  };
  const b = prairielearnResults(report([{ ...broken, points: 0, error: 'x.ipynb: not a notebook' }]));
  assert.deepEqual([b.gradable, b.score], [false, 0]);
});
