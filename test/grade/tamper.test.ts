/**
 * Tests student code cannot reach (src/grade/isolate.ts): the tampering submissions of
 * test/fixtures/grade/tamper.json (patched node:assert, require's cache, prototypes, process.exit, fake verdict
 * lines, thrown look-alikes of a pass, proxies, fake IPC, rewritten files…) each score 0 on every exercise they did
 * not solve, through the exercise step alone; the instructor's solutions score full points; and a whole grading run
 * of the one-line assert patch scores 0 while a correct submission scores 5/5.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assignCourse } from '../../src/grade/assign';
import { loadGrading, planExercises } from '../../src/grade/byexercise';
import { gradeExercises } from '../../src/grade/exgrade';
import { gradingSandbox } from '../../src/grade/gradebox';
import { gradeSubmissions } from '../../src/grade/grade';
import { prepare } from '../../src/grade/workdir';
import { writeFeedback } from '../../src/grade/feedback';
import { escapeHtml } from '../../src/util/html';
import { readNotebook } from '../../src/notebook/nbrun';
import type { Notebook } from '../../src/notebook/nbformat';
import type { ExerciseResult } from '../../src/grade/reporttypes';
import { ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-tamper-test-'));
const grading = path.join(tmp, 'grading');
const FIX: Record<string, { why: string; solves?: string[]; cells: Record<string, string> }> = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'grade', 'tamper.json'), 'utf8'),
);
delete FIX._doc;
const IDS = ['02.labelrun', '02.duplicates', '02.twins'];
const POINTS: Record<string, number> = { '02.labelrun': 1, '02.duplicates': 2, '02.twins': 2 };
const instructor = readNotebook(path.join(ROOT, 'notebooks', '02_inspect.ipynb'));
const text = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const solution = (id: string) => text(instructor.cells.find((c) => text(c).startsWith(`// @exercise ${id} `))!);

/** A small submission of notebook 02: its three exercise cells (marker line, then `body`). */
function notebook(bodies: Record<string, string>): Notebook {
  return {
    metadata: { hai: { notebook: '02_inspect' } },
    nbformat: 4,
    nbformat_minor: 5,
    cells: IDS.map((id) => ({
      cell_type: 'code',
      metadata: {},
      outputs: [],
      execution_count: null,
      source: bodies[id].startsWith('// @exercise')
        ? bodies[id]
        : `// @exercise ${id} points=${POINTS[id]}\n${bodies[id]}`,
    })),
  };
}

/** The exercise step alone, on one submission. */
async function exercisesOf(name: string, nb: Notebook): Promise<ExerciseResult[]> {
  const file = path.join(tmp, 'subs', `${name}.ipynb`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb));
  const g = loadGrading(grading)!;
  const plan = planExercises(file, nb, g)!;
  const runDir = path.join(tmp, 'runs', name);
  const copy = prepare(runDir, file, plan.bytes, { libDir: ROOT, dataDir: path.join(ROOT, 'data') });
  return gradeExercises(plan, {
    runDir,
    notebook: copy,
    libDir: ROOT,
    dataDir: path.join(ROOT, 'data'),
    env: process.env,
    heapMb: 256,
    gs: gradingSandbox({ mode: 'off' }),
    spec: g.spec,
  });
}

before(() => {
  assignCourse({ out: path.join(tmp, 'student'), grading, notebooks: ['02_inspect.ipynb'] });
  // Short limits keep the suite quick; the default (30 s) is tested in partial.test.ts.
  const f = path.join(grading, '02_inspect.grading.json');
  fs.writeFileSync(f, JSON.stringify({ ...JSON.parse(fs.readFileSync(f, 'utf8')), limits: { exercise_s: 20 } }));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the instructor's solutions pass every official test, in the isolated processes", async () => {
  const got = await exercisesOf('instructor', notebook(Object.fromEntries(IDS.map((id) => [id, solution(id)]))));
  assert.deepEqual(
    got.map((e) => [e.id, e.status, e.points, e.tests.passed, e.tests.total]),
    IDS.map((id) => [
      id,
      'passed',
      POINTS[id],
      got.find((e) => e.id === id)!.tests.total,
      got.find((e) => e.id === id)!.tests.total,
    ]),
  );
  assert.ok(
    got.every((e) => e.tests.results!.some((t) => t.hidden)),
    'hidden tests ran',
  );
});

for (const [name, fx] of Object.entries(FIX))
  test(`tampering "${name}" (${fx.why}) scores only what it solved`, async () => {
    const got = await exercisesOf(name, notebook(fx.cells));
    const solved = new Set(fx.solves ?? []);
    for (const e of got) {
      assert.equal(e.points, solved.has(e.id) ? POINTS[e.id] : 0, `${e.id}: ${e.status} ${e.error ?? ''}`);
      if (!solved.has(e.id)) assert.notEqual(e.status, 'passed');
    }
  });

test('a whole grading run: the one-line assert patch scores 0/5, a correct submission 5/5', async () => {
  const subs = path.join(tmp, 'whole');
  fs.mkdirSync(subs, { recursive: true });
  fs.writeFileSync(path.join(subs, 'cheat.ipynb'), JSON.stringify(notebook(FIX['assert-one-line'].cells)));
  const good = notebook(Object.fromEntries(IDS.map((id) => [id, solution(id)])));
  fs.writeFileSync(path.join(subs, 'good.ipynb'), JSON.stringify(good));
  const report = await gradeSubmissions([subs], { checks: grading, smoke: true, sandbox: { mode: 'off' } });
  const by = (n: string) => report.submissions.find((s) => path.basename(s.file) === n)!;
  assert.equal(by('cheat.ipynb').points, 0);
  assert.equal(by('cheat.ipynb').status, 'error');
  assert.match(by('cheat.ipynb').error!, /exercise 02\.labelrun failed/);
  assert.equal(by('good.ipynb').points, 5, JSON.stringify(by('good.ipynb').exercises));
  assert.equal(by('good.ipynb').status, 'ok');
  // Feedback pages: the public tests' messages, the hidden tests by name and pass/fail, never their source or message.
  const pages = writeFeedback(report, path.join(tmp, 'feedback')).map((f) => fs.readFileSync(f, 'utf8'));
  assert.equal(pages.length, 2);
  const g = JSON.parse(fs.readFileSync(path.join(grading, '02_inspect.grading.json'), 'utf8'));
  const hidden = g.exercises.flatMap((e: { tests: { hidden: boolean; source: string }[] }) =>
    e.tests.filter((t) => t.hidden).flatMap((t) => t.source.split('\n').filter((l) => /assert|const/.test(l))),
  );
  const hiddenMessages = hidden.flatMap((l: string) => [...l.matchAll(/'([^']{6,})'\)/g)].map((m) => m[1]));
  assert.ok(hidden.length >= 6 && hiddenMessages.includes('a tie: the first run'), hiddenMessages.join('|'));
  for (const page of pages) {
    for (const line of hidden) assert.ok(!page.includes(escapeHtml(line.trim())), `leaks: ${line}`);
    for (const m of hiddenMessages) assert.ok(!page.includes(escapeHtml(m)), `leaks the message: ${m}`);
    assert.match(page, /02\.labelrun hidden 1/);
  }
  const cheat = pages.find((p) => p.includes('cheat.ipynb'))!;
  assert.match(cheat, /점수 <b>0 \/ 5<\/b>/);
  assert.match(
    cheat,
    /02\.labelrun public 1<\/td><td>[^<]*<\/td><td class="failed">[^<]*<\/td><td><pre>AssertionError/,
  );
  assert.match(cheat, /Summary \(English\)/);
});
