/**
 * Grading by exercise on the course's own notebooks (smoke mode; 01, 02 and 07 only, in one batch, to keep `npm test`
 * short: every notebook's markers and leak scan are checked in exercises.test.ts). The instructor's version grades to
 * full points; the generated student version runs with only TODO errors and grades to 0; a student who moved an
 * exercise cell to the end, deleted its tests, dropped a marker line and renamed the file is still graded exercise
 * by exercise, with the official tests; and wrong answers to 07's exercises (a direct dialect → dialect hop, a mean of
 * sentence chrF) fail on the official hidden tests.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assignCourse } from '../../src/grade/assign';
import { gradeSubmissions } from '../../src/grade/grade';
import { gradeReportHtml } from '../../src/grade/gradereport';
import type { ExerciseResult, GradeReport, SubmissionReport } from '../../src/grade/reporttypes';
import { ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-byexercise-test-'));
const student = path.join(tmp, 'student'),
  grading = path.join(tmp, 'grading'),
  subs = path.join(tmp, 'submissions');
let report: GradeReport;
const sub = (rel: string): SubmissionReport => report.submissions.find((s) => path.relative(subs, s.file) === rel)!;
const ex = (s: SubmissionReport, id: string) => s.exercises!.find((e) => e.id === id)!;
const counts = (e: ExerciseResult) => ({ passed: e.tests.passed, total: e.tests.total });
const src = (c: any) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const read = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));
const STUDENT = ['01_data.ipynb', '02_inspect.ipynb', '07_translator.ipynb'];

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  assignCourse({ out: student, grading, notebooks: ['01_data.ipynb', '02_inspect.ipynb', '07_translator.ipynb'] });
  for (const d of ['instructor', 'untouched']) fs.mkdirSync(path.join(subs, d), { recursive: true });
  for (const n of ['02_inspect.ipynb', '07_translator.ipynb'])
    fs.copyFileSync(path.join(ROOT, 'notebooks', n), path.join(subs, 'instructor', n));
  for (const n of STUDENT) fs.copyFileSync(path.join(student, n), path.join(subs, 'untouched', n));
  // Alice: the instructor's solutions for twins and duplicates pasted in; the twins cell moved to the end and its
  // (public) test cell deleted; the duplicates cell's marker line deleted (found by its metadata); labelrun wrong.
  const inst = read(path.join(ROOT, 'notebooks', '02_inspect.ipynb'));
  const solution = (id: string) => src(inst.cells.find((c: any) => src(c).startsWith(`// @exercise ${id} `)));
  const nb = read(path.join(student, '02_inspect.ipynb'));
  const at = (id: string) => nb.cells.findIndex((c: any) => c.metadata?.hai?.exercise === id);
  nb.cells[at('02.duplicates')].source = solution('02.duplicates').split('\n').slice(1).join('\n');
  nb.cells[at('02.labelrun')].source = src(nb.cells[at('02.labelrun')]).replace(
    /  \/\/ YOUR CODE HERE\n.*\n/,
    '  return { label: labels[0], length: 1, start: 0 };\n',
  );
  const [twins] = nb.cells.splice(at('02.twins'), 1);
  nb.cells = nb.cells.filter((c: any) => c.metadata?.hai?.tests !== '02.twins');
  nb.cells.push({ ...twins, source: solution('02.twins') });
  fs.writeFileSync(path.join(subs, 'alice_homework.ipynb'), JSON.stringify(nb));
  // Bob, notebook 07: a route that hops straight from dialect to dialect, and chrF averaged over sentences.
  const nb7 = read(path.join(student, '07_translator.ipynb'));
  const fill = (id: string, body: string) => {
    const c = nb7.cells.find((x: any) => x.metadata?.hai?.exercise === id);
    c.source = src(c).replace(/  \/\/ YOUR CODE HERE\n.*\n/, `${body}\n`);
  };
  fill(
    '07.route',
    [
      '  if (from === to) return { output: text, path: [from] };',
      "  if (to === 'standard') return { output: toStandard(text, from), path: [from, 'standard'] };",
      '  return { output: fromStandard(text, to), path: [from, to] };',
    ].join('\n'),
  );
  fill(
    '07.beatcopy',
    [
      '  const mean = (hs: string[]) => hs.reduce((a, h, i) => a + hai.corpusChrf([h], [refs[i]]), 0) / hs.length;',
      '  const copy = mean(srcs), system = mean(hyps), gain = system - copy;',
      "  return { copy, system, gain, verdict: hyps.every((h, i) => h === srcs[i]) ? 'copies' : gain > 0 ? 'beats copying' : 'no better than copying' };",
    ].join('\n'),
  );
  fs.writeFileSync(path.join(subs, 'bob_07.ipynb'), JSON.stringify(nb7));
  report = await gradeSubmissions([subs], {
    checks: grading,
    smoke: true,
    jobs: 2,
    cellTimeoutS: 300,
    totalTimeoutS: 900,
    tmpDir: tmp,
  });
});

test("the instructor's notebook grades to full points, every exercise passed by the official tests", () => {
  const s = sub('instructor/02_inspect.ipynb');
  assert.equal(s.status, 'ok', s.error);
  assert.deepEqual(
    s.exercises!.map((e) => [e.id, e.status, e.points, counts(e)]),
    [
      ['02.labelrun', 'passed', 1, { passed: 2, total: 2 }],
      ['02.duplicates', 'passed', 2, { passed: 2, total: 2 }],
      ['02.twins', 'passed', 2, { passed: 2, total: 2 }],
    ],
  );
  assert.equal(s.points, 5);
  assert.equal(s.max_points, 5);
});

test("the instructor's notebook 07 grades to full points: 07.route and 07.beatcopy", () => {
  const s = sub('instructor/07_translator.ipynb');
  assert.equal(s.status, 'ok', s.error);
  assert.deepEqual(
    s.exercises!.map((e) => [e.id, e.status, e.points, counts(e)]),
    [
      ['07.route', 'passed', 2, { passed: 2, total: 2 }],
      ['07.beatcopy', 'passed', 2, { passed: 2, total: 2 }],
    ],
  );
  assert.deepEqual([s.points, s.max_points], [4, 4]);
});

test('the generated student notebooks run with only TODO errors and grade to 0 (the tests are not vacuous)', () => {
  for (const n of STUDENT) {
    const s = sub(`untouched/${n}`);
    const bad = s.cells.filter((c) => c.status !== 'ok');
    assert.ok(bad.length > 0, `${n}: the demonstrations call the stubs`);
    for (const c of bad)
      assert.match(c.error ?? '', /TODO\(\d\d\.[a-z]+\)/, `${n}: cell ${c.index}: ${c.status}: ${c.error}`);
    assert.equal(s.points, 0);
    assert.ok(
      s.exercises!.every((e) => e.status === 'not_attempted' && e.tests.passed === 0),
      JSON.stringify(s.exercises),
    );
  }
});

test('done-when: an exercise moved to the end with its tests deleted, a marker line dropped, a renamed file: still graded by exercise', () => {
  const s = sub('alice_homework.ipynb');
  assert.ok(s.notes.includes('graded as 02_inspect.ipynb (matched by notebook metadata)'), s.notes.join('; '));
  const twins = ex(s, '02.twins');
  assert.equal(twins.status, 'passed', twins.error);
  assert.equal(twins.found_by, 'marker');
  assert.equal(twins.cell, read(path.join(subs, 'alice_homework.ipynb')).cells.length - 1, 'found in the last cell');
  assert.deepEqual(
    counts(twins),
    { passed: 2, total: 2 },
    'the official public and hidden tests ran, not the deleted copy',
  );
  const dup = ex(s, '02.duplicates');
  assert.deepEqual([dup.status, dup.found_by, dup.points], ['passed', 'metadata', 2]);
  const run = ex(s, '02.labelrun');
  assert.equal(run.status, 'failed');
  assert.match(run.error!, /AssertionError/);
  assert.equal(s.points, 4);
  assert.equal(s.max_points, 5);
  // The report page shows the exercises.
  const html = gradeReportHtml(report);
  assert.match(html, /<caption>exercises<\/caption>/);
  assert.match(html, /02\.labelrun/);
});

test('wrong answers in notebook 07 fail on the official hidden tests: a direct dialect → dialect hop, a mean of sentence chrF', () => {
  const s = sub('bob_07.ipynb');
  const route = ex(s, '07.route'),
    beat = ex(s, '07.beatcopy');
  assert.deepEqual([route.status, route.points, counts(route)], ['failed', 0, { passed: 1, total: 2 }], route.error);
  assert.match(route.error!, /no direct hop/);
  assert.deepEqual([beat.status, beat.points, counts(beat)], ['failed', 0, { passed: 1, total: 2 }], beat.error);
  assert.match(beat.error!, /not the mean of sentence chrF/);
  assert.deepEqual([s.points, s.max_points], [0, 4]);
});
