/**
 * Exercise markers (src/grade/exercises.ts), `hai assign` (assign.ts) and the class-scale runs (classrun.ts): the
 * parser and linter on small sources, the course's own notebooks lint clean and leak nothing, and a tiny course
 * graded by exercise at --jobs 1 and 2 and in two shards, merged into the same report.
 */
import type { Cell, Notebook } from '../../src/notebook/nbformat';
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import * as vm from 'node:vm';
import {
  isTodoError,
  lintCourse,
  parseExerciseMarker,
  parseNotebookExercises,
  parseTestMarker,
  solutionRegions,
  sourceHash,
  studentSource,
} from '../../src/grade/exercises';
import { assignCourse, kitImports, kitName, leakScan, readCourse, studentNotebook } from '../../src/grade/assign';
import { todo, TodoError } from '../../src/notebook/todo';
import { mergeReports, parseShard, shardPositions } from '../../src/grade/classrun';
import { loadGrading } from '../../src/grade/byexercise';
import { gradeSubmissions } from '../../src/grade/grade';
import type { GradeReport } from '../../src/grade/reporttypes';
import { hai, ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-exercises-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const code = (source: string, extra: object = {}) => ({
  cell_type: 'code',
  metadata: {},
  outputs: [],
  execution_count: null,
  source,
  ...extra,
});
const nbOf = (cells: object[]): Notebook => ({
  cells: cells as Cell[],
  metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
  nbformat: 4,
  nbformat_minor: 5,
});
const EX =
  '// @exercise 01.double points=3\nfunction double(x: number): number {\n  // BEGIN SOLUTION\n  return 2 * x;\n  // END SOLUTION\n}';

test('markers parse; malformed ones are errors naming what is wrong', () => {
  assert.deepEqual(parseExerciseMarker('// @exercise 04.maxlen points=2'), { id: '04.maxlen', points: 2 });
  assert.deepEqual(parseExerciseMarker('//@exercise 04.maxlen'), { id: '04.maxlen', points: 1 });
  assert.equal(parseExerciseMarker('// an ordinary comment'), null);
  assert.throws(() => parseExerciseMarker('// @exercise maxlen'), /NN\.name/);
  assert.throws(() => parseExerciseMarker('// @exercise 04.maxlen pts=2'), /unknown option "pts=2"/);
  assert.deepEqual(parseTestMarker('// @tests 04.maxlen hidden'), { id: '04.maxlen', hidden: true });
  assert.deepEqual(parseTestMarker('// @tests 04.maxlen'), { id: '04.maxlen', hidden: false });
  assert.throws(() => parseTestMarker('// @tests 04.maxlen secret'), /expected/);
});

test('solution regions: balanced, not nested; the stub keeps the indentation and throws TODO(<id>)', () => {
  assert.deepEqual(solutionRegions(EX), [{ begin: 2, end: 4, indent: '  ' }]);
  assert.throws(() => solutionRegions('// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION'), /do not nest/);
  assert.throws(() => solutionRegions('x\n// END SOLUTION'), /without a BEGIN/);
  assert.throws(() => solutionRegions('// BEGIN SOLUTION\nx'), /never closed/);
  const s = studentSource(EX, '01.double');
  assert.equal(
    s,
    "// @exercise 01.double points=3\nfunction double(x: number): number {\n  // YOUR CODE HERE\n  throw hai.todo('01.double', 'double'); // 이 줄을 지우고 쓰세요 / delete this line\n}",
  );
  assert.equal(
    sourceHash(s + '\n\n'),
    sourceHash(s.replace(/\n/g, '  \n')),
    'trailing spaces and blank lines do not change the hash',
  );
  assert.notEqual(sourceHash(s), sourceHash(s.replace('YOUR CODE', 'MY CODE')));
});

test('student notebooks import the kit by name; an unsolved exercise throws one line', () => {
  assert.equal(kitImports("import * as hai from '../dist';"), `import * as hai from '${kitName()}';`);
  assert.equal(kitImports('const h = require("../dist/index.js");'), `const h = require("${kitName()}");`);
  assert.equal(kitImports("import x from '../distance';"), "import x from '../distance';");
  assert.throws(
    () => studentNotebook('01_x.ipynb', nbOf([code(EX)]), parseNotebookExercises('01_x.ipynb', nbOf([code(EX)]))),
    /cell 0: exercise 01.double comes before any cell that does `import \* as hai`/,
  );
  // What tslab prints (console.error → util.inspect), even after vm prefixed the stack with the source line.
  let err: unknown;
  (globalThis as any).todo = todo;
  try {
    vm.runInThisContext("throw todo('04.maxlen', 'chooseMaxlen');", { filename: 'cell' });
  } catch (e) {
    err = e;
  }
  (globalThis as any).todo = undefined;
  const shown = util.inspect(err);
  assert.equal(
    shown,
    'TodoError: TODO(04.maxlen): 연습 04.maxlen: chooseMaxlen의 본문을 먼저 채우세요 / ' +
      'exercise 04.maxlen: write the body of chooseMaxlen first',
  );
  assert.ok(isTodoError('04.maxlen', (err as Error).message) && err instanceof TodoError);
});

test('the linter finds each kind of mistake', () => {
  const bad = nbOf([
    code(EX),
    code(EX.replace('points=3', 'points=1')), // declared twice
    code('// @exercise 01.lonely\nfunction f() {\n  // BEGIN SOLUTION\n  // END SOLUTION\n}'), // no test
    code('// @exercise 01.nosol\nconst x = 1;'),
    code('// @tests 01.nosol'), // no solution region
    code('// @tests 01.ghost'), // tests of nothing
    code('const y = 1;\n// BEGIN SOLUTION\n// END SOLUTION'), // a region outside an exercise
    code('const z = 1;\n// @exercise 01.late'), // marker not on the first line
    code('// @exercise 02.wrong points=1\nfunction g() {\n  // BEGIN SOLUTION\n  // END SOLUTION\n}'),
    code('// @tests 02.wrong'),
    code('// @tests 01.double'),
  ]);
  const msgs = parseNotebookExercises('01_x.ipynb', bad).issues.map((i) => `${i.cell}: ${i.message}`);
  for (const want of [
    /^1: exercise 01.double is declared twice/,
    /^2: exercise 01.lonely has no test cell/,
    /^3: exercise 01.nosol has no BEGIN SOLUTION/,
    /^5: tests for 01.ghost, which is not an exercise/,
    /^6: a solution region outside an exercise cell/,
    /^7: an @exercise \/ @tests marker must be the first line/,
    /^8: exercise 02.wrong in notebook 01/,
  ])
    assert.ok(
      msgs.some((m) => want.test(m)),
      `${want} in:\n${msgs.join('\n')}`,
    );
  const a = parseNotebookExercises('01_a.ipynb', nbOf([code(EX), code('// @tests 01.double')]));
  const b = parseNotebookExercises('01_b.ipynb', nbOf([code(EX), code('// @tests 01.double')]));
  assert.deepEqual(lintCourse([a]), []);
  assert.match(
    lintCourse([a, b])
      .map((i) => i.message)
      .join('\n'),
    /01.double is also used in 01_a.ipynb/,
  );
});

test('the course notebooks lint clean, at least 12 exercises in 01-07, each with public and hidden tests', () => {
  const course = readCourse(path.join(ROOT, 'notebooks'));
  assert.deepEqual(lintCourse(course.map((c) => c.parsed)), []);
  const ex = course.flatMap((c) => c.parsed.exercises.map((e) => ({ nb: path.basename(c.file), id: e.id })));
  assert.ok(ex.length >= 12, `${ex.length} exercises`);
  for (const n of ['01', '02', '03', '04', '05', '06', '07'])
    assert.ok(
      ex.some((e) => e.nb.startsWith(n)),
      `notebook ${n} has an exercise`,
    );
  for (const c of course)
    for (const e of c.parsed.exercises) {
      assert.ok(
        c.parsed.tests.some((t) => t.id === e.id && !t.hidden) && c.parsed.tests.some((t) => t.id === e.id && t.hidden),
        `${e.id}: public and hidden tests`,
      );
    }
});

test('hai assign writes student notebooks that leak nothing, and grading files apart from them', () => {
  const out = path.join(tmp, 'course-student'),
    grading = path.join(tmp, 'course-grading');
  const r = hai(['assign', '--out', out, '--grading', grading], {}, 300_000);
  assert.equal(r.code, 0, r.stderr);
  const course = readCourse(path.join(ROOT, 'notebooks'));
  for (const c of course) {
    const student = JSON.parse(fs.readFileSync(path.join(out, 'notebooks', path.basename(c.file)), 'utf8'));
    assert.deepEqual(leakScan(c.nb, c.parsed, student), [], path.basename(c.file));
    assert.equal(student.metadata.hai.notebook, path.basename(c.file, '.ipynb'));
    const text = JSON.stringify(student);
    for (const e of c.parsed.exercises) assert.ok(text.includes(`TODO(${e.id})`), `${e.id} stubbed`);
  }
  assert.deepEqual(
    fs.readdirSync(path.join(out, 'notebooks')).filter((f) => !f.endsWith('.ipynb')),
    [],
    'only notebooks in notebooks/',
  );
  assert.ok(!fs.readdirSync(out, { recursive: true }).some((f) => String(f).endsWith('.grading.json')));
  assert.ok(fs.readdirSync(grading).every((f) => f.endsWith('.grading.json')));
  const g = JSON.parse(fs.readFileSync(path.join(grading, '04_tuned.grading.json'), 'utf8'));
  assert.deepEqual(
    g.exercises.map((e: any) => [e.id, e.points, e.tests.map((t: any) => t.hidden)]),
    [
      ['04.maxlen', 2, [false, true]],
      ['04.sampler', 2, [false, true]],
    ],
  );
  const g07 = JSON.parse(fs.readFileSync(path.join(grading, '07_translator.grading.json'), 'utf8'));
  assert.deepEqual(
    g07.exercises.map((e: any) => [e.id, e.points, e.tests.map((t: any) => t.hidden)]),
    [
      ['07.route', 2, [false, true]],
      ['07.beatcopy', 2, [false, true]],
    ],
  );
  // One grading file is a checks file too; a plain checks file is not a grading file.
  const one = loadGrading(path.join(grading, '04_tuned.grading.json'))!;
  assert.deepEqual(
    [one.spec.checks, one.notebooks.map((n) => [n.notebook, n.exercises.length])],
    [[], [['04_tuned.ipynb', 2]]],
  );
  assert.equal(loadGrading(path.join(ROOT, 'test', 'fixtures', 'grade', 'checks.json')), null);
  assert.throws(() => loadGrading(out), /no \*\.grading\.json files/);
  // The leak scan is not vacuous: a student copy with a solution line, a marker or a hidden test is caught.
  const c = course.find((x) => x.file.endsWith('04_tuned.ipynb'))!;
  const leaky = studentNotebook('04_tuned.ipynb', c.nb, c.parsed).student;
  const hidden = c.nb.cells[c.parsed.tests.find((t) => t.hidden)!.cell];
  leaky.cells.push(code('  const order = Array.from({ length: n }, (_, i) => i);'), code('// END SOLUTION'), {
    ...hidden,
  });
  const found = new Set(leakScan(c.nb, c.parsed, leaky).map((l) => l.what));
  assert.deepEqual([...found].sort(), ['hidden test line', 'hidden test marker', 'solution line', 'solution marker']);
  assert.throws(
    () => assignCourse({ out: path.join(tmp, 'x'), grading: path.join(tmp, 'x', 'grading') }),
    /separate folders/,
  );
});

test('--shard k/n: every submission in exactly one shard, deterministic', () => {
  assert.deepEqual(parseShard('2/3'), { k: 2, n: 3 });
  assert.throws(() => parseShard('0/3'), /k\/n/);
  assert.throws(() => parseShard('4/3'), /k\/n/);
  const all = [1, 2, 3].flatMap((k) => shardPositions(10, { k, n: 3 })).sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.deepEqual(shardPositions(10, { k: 2, n: 3 }), [1, 4, 7]);
});

/** A tiny course: one notebook, one exercise; its student version; submissions built from them. */
function tinyCourse() {
  const src = path.join(tmp, 'tiny', 'notebooks');
  fs.mkdirSync(src, { recursive: true });
  const md = { cell_type: 'markdown', metadata: {}, source: 'double' };
  fs.writeFileSync(
    path.join(src, '01_tiny.ipynb'),
    JSON.stringify(
      nbOf([
        md,
        code("import * as hai from '../dist';"),
        code(EX),
        code('console.log(double(2));'),
        code("// @tests 01.double\nimport * as assert from 'node:assert/strict';\nassert.equal(double(2), 4);"),
        code(
          "// @tests 01.double hidden\nimport * as assert from 'node:assert/strict';\nassert.equal(double(-3), -6, 'negative numbers too');",
        ),
      ]),
    ),
  );
  const out = path.join(tmp, 'tiny', 'student'),
    grading = path.join(tmp, 'tiny', 'grading');
  assignCourse({ src, out, grading });
  const student = JSON.parse(fs.readFileSync(path.join(out, '01_tiny.ipynb'), 'utf8'));
  const subs = path.join(tmp, 'tiny', 'submissions');
  fs.mkdirSync(subs);
  const write = (name: string, nb: any) => fs.writeFileSync(path.join(subs, name), JSON.stringify(nb));
  const withBody = (body: string) => ({
    ...student,
    cells: student.cells.map((c: any) =>
      c.metadata?.hai?.exercise
        ? { ...c, source: c.source.join('').replace(/  \/\/ YOUR CODE HERE\n.*\n/, `${body}\n`) }
        : c,
    ),
  });
  write('a_untouched.ipynb', student);
  write('b_right.ipynb', withBody('  return x + x;'));
  write('c_wrong.ipynb', withBody('  return Math.abs(2 * x);'));
  write('d_todo.ipynb', withBody("  const y = x;\n  throw new Error('TODO(01.double): later');"));
  return { grading, subs, src };
}

test('a tiny course graded by exercise: statuses; two shards at --jobs 2, merged, = one run at --jobs 1', async () => {
  const { grading, subs } = tinyCourse();
  const opts = { checks: grading, cellTimeoutS: 60, totalTimeoutS: 120, tmpDir: tmp };
  const one = await gradeSubmissions([subs], { ...opts, jobs: 1 });
  const st = one.submissions.map((s) => [path.basename(s.file), s.exercises![0].status, s.points, s.max_points]);
  assert.deepEqual(st, [
    ['a_untouched.ipynb', 'not_attempted', 0, 3],
    ['b_right.ipynb', 'passed', 3, 3],
    ['c_wrong.ipynb', 'failed', 0, 3],
    ['d_todo.ipynb', 'not_implemented', 0, 3],
  ]);
  assert.match(
    one.submissions[2].exercises![0].error!,
    /negative numbers too/,
    'the hidden test caught it, with its message',
  );
  const strip = (r: GradeReport) =>
    JSON.parse(JSON.stringify({ ...r, generated: '' }, (k, v) => (k === 'seconds' ? 0 : v)));
  const files = [1, 2].map((k) => path.join(tmp, `report-${k}.json`));
  for (const [i, f] of files.entries()) {
    const r = await gradeSubmissions([subs], { ...opts, jobs: 2, shard: { k: i + 1, n: 2 } }); // --jobs 2 inside each shard
    assert.equal(r.submissions.length, 2);
    fs.writeFileSync(f, JSON.stringify(r));
  }
  assert.deepEqual(strip(mergeReports(files)), strip(one));
  assert.throws(() => mergeReports([files[0]]), /expected each of 1..2 once/);
  assert.throws(() => mergeReports([files[0], files[0]]), /expected each of 1..2 once/);
  const cli = hai(['grade', '--merge', ...files, '--report', path.join(tmp, 'merged.json')]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(strip(JSON.parse(fs.readFileSync(path.join(tmp, 'merged.json'), 'utf8'))), strip(one));
});
