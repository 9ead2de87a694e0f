/**
 * The grader (notebooks/06_inference.ipynb): one batch over test/fixtures/grade (a good submission, a broken
 * one, one that hangs, one that exits) with the example checks file, then what the report says about each.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GradeReport, SubmissionReport } from '../../src/grade/reporttypes';
import { gradeSubmissions, listSubmissions } from '../../src/grade/grade';
import { writeGradeReport } from '../../src/grade/gradereport';
import { defaultChecks, extractMetrics, readChecksFile, scoreCheck } from '../../src/grade/gradecheck';
import { ROOT } from '../helpers';
import { sandboxStatus } from '../../src/grade/sandbox';

const FIX = path.join(ROOT, 'test', 'fixtures', 'grade');
const CHECKS = path.join(FIX, 'checks.json');

/** Every file under `dir` with its SHA-256, to show a folder is byte-for-byte what it was. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-grade-test-'));
const gradeTmp = path.join(tmp, 'grading');
const outDir = path.join(tmp, 'executed');
let fixturesBefore: Record<string, string>;
let report: GradeReport;
const sub = (name: string): SubmissionReport => report.submissions.find((s) => path.basename(s.file) === name)!;
const check = (s: SubmissionReport, name: string) => s.checks.find((c) => c.name === name)!;

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  fs.mkdirSync(gradeTmp);
  fixturesBefore = tree(FIX);
  // 30 s per cell: room for a loaded 2-core machine (good.ipynb's training cell took over 15 s at load 10).
  report = await gradeSubmissions([FIX], {
    checks: CHECKS,
    cellTimeoutS: 30,
    totalTimeoutS: 120,
    tmpDir: gradeTmp,
    outDir,
  });
});

test('the batch finishes: every submission graded, in order, with the status its failure deserves', () => {
  assert.deepEqual(
    report.submissions.map((s) => [path.basename(s.file), s.status]),
    [
      ['broken.ipynb', 'error'],
      ['exits.ipynb', 'crashed'],
      ['good.ipynb', 'ok'],
      ['hangs.ipynb', 'timeout'],
    ],
  );
  assert.deepEqual(report.summary, {
    submissions: 4,
    ok: 1,
    error: 1,
    timeout: 1,
    crashed: 1,
    mean_points: (7 + 1 + 1 + 1) / 4,
    max_points: 7,
  });
  assert.equal(report.checks_file, CHECKS);
  // Sandboxed by default where bubblewrap works (the hostile cases are in test/grade/sandbox.test.ts).
  assert.equal(report.sandbox.enabled, sandboxStatus().available, report.sandbox.reason);
  assert.deepEqual(report.limits, { cell_s: 30, total_s: 120, max_output_chars: 200000, max_old_space_mb: 4096 });
});

test('a good submission gets full points: ran to the end, its claim re-measured on the held-out rows', () => {
  const s = sub('good.ipynb');
  assert.equal(s.points, 7);
  assert.equal(s.max_points, 7);
  assert.ok(s.cells.length === 5 && s.cells.every((c) => c.status === 'ok'));
  assert.ok(
    s.checks.every((c) => c.status === 'pass'),
    JSON.stringify(s.checks),
  );
  assert.equal(s.metrics.epoch, 29);
  assert.ok(s.metrics.valid_accuracy >= 0.4, `valid_accuracy ${s.metrics.valid_accuracy}`);
  assert.equal(typeof s.metrics.valid_macro_f1, 'number'); // the generic `hai-metric name=value` line
  assert.equal(s.history.length, 3);
  // The held-out rows are the rows it validated on, so the checkpoint reproduces the claim (printed to 4 decimals).
  assert.ok(
    Math.abs(s.remeasured.heldout_accuracy - s.metrics.valid_accuracy) < 1e-4,
    `${s.remeasured.heldout_accuracy} vs ${s.metrics.valid_accuracy}`,
  );
  assert.deepEqual(s.outside_writes, []);
  assert.deepEqual(s.notes, []);
  assert.equal(s.error, undefined);
});

test('broken: a throwing cell is an error with its message, and the cells after it still run', () => {
  const s = sub('broken.ipynb');
  assert.equal(s.cells[1].index, 2);
  assert.equal(s.cells[1].status, 'error');
  assert.match(s.cells[1].error!, /^Error: \.\.\/data\/rows\/no_such_file\.csv: cannot read: ENOENT/);
  assert.match(s.error!, /^cell 2 error: Error: /);
  assert.ok(
    s.cells.slice(2).every((c) => c.status === 'ok'),
    JSON.stringify(s.cells),
  );
  assert.equal(check(s, 'runs top to bottom').status, 'fail');
});

test('broken: megabytes of output are truncated and noted; the executed copy stays small', () => {
  const s = sub('broken.ipynb');
  const cell = s.cells.find((c) => c.index === 3)!;
  assert.ok(cell.dropped_chars! > 2_000_000, `dropped ${cell.dropped_chars}`);
  assert.ok(
    s.notes.some((n) => /^cell 3: output truncated \(\d+ characters left out\)$/.test(n)),
    s.notes.join('\n'),
  );
  assert.ok(fs.statSync(s.executed!).size < 400_000, `${s.executed} is ${fs.statSync(s.executed!).size} bytes`);
  const nb = JSON.parse(fs.readFileSync(s.executed!, 'utf8'));
  const text = nb.cells[3].outputs.map((o: any) => o.text.join('')).join('');
  assert.match(
    text,
    /\[output truncated: \d+ characters left out \(limit 200000 per cell\); the last \d+ of stdout follow\]/,
  );
  // The executed copy also holds the hidden checks' cells, marked as such, for the grader to read.
  assert.deepEqual(
    nb.cells.filter((c: any) => c.metadata.hai_grade_check).map((c: any) => c.metadata.hai_grade_check),
    ['checkpoint accuracy on held-out rows'],
  );
});

test('broken: a claimed accuracy its checkpoint does not reach loses the points for the claim', () => {
  const s = sub('broken.ipynb');
  assert.equal(s.metrics.valid_accuracy, 0.99);
  assert.ok(s.remeasured.heldout_accuracy < 0.4, `re-measured ${s.remeasured.heldout_accuracy}`);
  const c = check(s, 'claimed accuracy is reproduced');
  assert.equal(c.status, 'fail');
  assert.match(c.message!, /^heldout_accuracy [\d.]+ is below the claimed valid_accuracy 0.99 \(tolerance 0.05\)$/);
  assert.equal(check(s, 'checkpoint accuracy on held-out rows').points, 0);
  assert.equal(check(s, 'reports a validation accuracy').status, 'pass'); // it did report one
  assert.equal(s.points, 1);
});

test("broken: a file written outside the working folder is detected (it lands in the grader's folder, not the repository)", () => {
  const s = sub('broken.ipynb');
  assert.equal(s.outside_writes.length, 1, JSON.stringify(s.outside_writes));
  assert.equal(s.outside_writes[0].change, 'created');
  assert.match(s.outside_writes[0].path, /[\\/]001-broken[\\/]escaped\.txt$/);
  assert.ok(s.outside_writes[0].path.startsWith(gradeTmp + path.sep));
  assert.equal(check(s, 'nothing written outside its folder').status, 'fail');
  for (const other of ['good.ipynb', 'hangs.ipynb', 'exits.ipynb'])
    assert.deepEqual(sub(other).outside_writes, [], other);
  // Run in place, `../../escaped.txt` would have been test/escaped.txt.
  assert.equal(fs.existsSync(path.join(ROOT, 'test', 'escaped.txt')), false);
});

test('hangs: the infinite loop is interrupted at the cell limit, the rest is skipped, the checks still run', () => {
  const s = sub('hangs.ipynb');
  assert.deepEqual(
    s.cells.map((c) => c.status),
    ['ok', 'timeout', 'skipped'],
  );
  assert.equal(s.cells[1].error, 'no result within 30 s (interrupted)');
  const c = check(s, 'checkpoint accuracy on held-out rows');
  assert.equal(c.status, 'error'); // it ran, in the interrupted kernel, and found no checkpoint
  assert.match(c.message!, /runs[\\/]dialect-model: no such folder/);
  assert.equal(s.points, 1); // nothing written outside
});

test('exits: process.exit is a crash; the code checks are not run', () => {
  const s = sub('exits.ipynb');
  // The message says why, if no cell ran (that happened once, in a clean-clone CI run on a loaded machine).
  assert.deepEqual(
    s.cells.map((c) => c.status),
    ['ok', 'crashed', 'skipped'],
    `status ${s.status}: ${s.error ?? 'no error'}`,
  );
  assert.equal(s.cells[1].error, 'kernel exited (code 3) while a request was running');
  const c = check(s, 'checkpoint accuracy on held-out rows');
  assert.equal(c.status, 'not_run');
  assert.equal(c.message, 'the kernel died during the notebook');
});

test('the submissions are byte-identical afterwards and the fixture folder is unchanged; no working folder is left', () => {
  assert.deepEqual(tree(FIX), fixturesBefore);
  for (const s of report.submissions) {
    assert.equal(s.unchanged, true, s.file);
    assert.equal(s.sha256, fixturesBefore[path.basename(s.file)], s.file);
    assert.equal(s.workdir, undefined);
  }
  assert.deepEqual(fs.readdirSync(gradeTmp), []);
});

test('report.json has the documented shape; the HTML page has the class summary', () => {
  const json = path.join(tmp, 'out', 'report.json'),
    html = path.join(tmp, 'out', 'report.html');
  assert.deepEqual(writeGradeReport(report, { json, html }), [json, html]);
  const j = JSON.parse(fs.readFileSync(json, 'utf8'));
  for (const s of j.submissions) {
    for (const k of ['file', 'status', 'cells', 'metrics', 'points', 'max_points']) assert.ok(k in s, k);
    assert.ok(['ok', 'error', 'timeout', 'crashed'].includes(s.status));
    for (const c of s.cells) assert.deepEqual(Object.keys(c).slice(0, 2), ['index', 'status']);
  }
  const page = fs.readFileSync(html, 'utf8');
  assert.match(page, /<caption>class summary<\/caption>/);
  assert.match(page, /<th>reported valid_accuracy<\/th>.*<th>measured heldout_accuracy<\/th>/s);
  for (const name of ['good.ipynb', 'broken.ipynb', 'hangs.ipynb', 'exits.ipynb']) assert.ok(page.includes(name), name);
  assert.ok(!page.includes('<script'), 'no script in the page');
});

test('a notebook that rewrites its own submission file (by absolute path) is caught, and the file is restored', async () => {
  const dir = path.join(tmp, 'class');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'tamper.ipynb');
  const cell = (src: string) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source: [src],
  });
  const text = JSON.stringify({
    cells: [
      cell(
        "import * as fs from 'fs';\nfs.appendFileSync(process.env.TAMPER_TARGET!, ' ');\nfs.writeFileSync(process.env.TAMPER_TARGET! + '.new', 'x');",
      ),
    ],
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
  fs.writeFileSync(file, text);
  // Without the sandbox the grader's own guard catches it (the sandboxed case is below).
  const r = await gradeSubmissions([dir], {
    tmpDir: gradeTmp,
    env: { ...process.env, TAMPER_TARGET: file },
    sandbox: { mode: 'off' },
  });
  const s = r.submissions[0];
  assert.equal(s.status, 'ok');
  assert.equal(s.unchanged, false);
  assert.ok(s.notes.includes('the submission file changed while it was graded; the original bytes were written back'));
  assert.equal(fs.readFileSync(file, 'utf8'), text);
  assert.deepEqual(
    s.outside_writes.map((w) => [path.basename(w.path), w.change]),
    [
      ['tamper.ipynb', 'modified'],
      ['tamper.ipynb.new', 'created'],
    ],
  );
  assert.deepEqual(
    s.checks.map((c) => [c.name, c.status]),
    [['runs top to bottom', 'pass']],
  ); // no checks file: one point for running
});

test(
  'in the sandbox the same notebook cannot reach its submission file at all',
  { skip: sandboxStatus().available ? false : sandboxStatus().reason },
  async () => {
    const dir = path.join(tmp, 'class-boxed');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'tamper.ipynb');
    const cell = (src: string) => ({
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: [src],
    });
    // The path is in the source: the sandbox passes the kernel a clean environment, not the grader's.
    const text = JSON.stringify({
      cells: [cell(`import * as fs from 'fs';\nfs.appendFileSync(${JSON.stringify(file)}, ' ');`)],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    });
    fs.writeFileSync(file, text);
    const r = await gradeSubmissions([dir], { tmpDir: gradeTmp, sandbox: { mode: 'on' } });
    const s = r.submissions[0];
    assert.equal(s.status, 'error');
    assert.match(s.error ?? '', /ENOENT|EROFS|EACCES/);
    assert.equal(s.unchanged, true);
    assert.deepEqual(s.outside_writes, []);
    assert.equal(fs.readFileSync(file, 'utf8'), text);
  },
);

test('submissions are found in folders (checkpoints skipped); nothing to grade or a bad checks file stops the grader', async () => {
  const dir = path.join(tmp, 'found');
  fs.mkdirSync(path.join(dir, 'kim', '.ipynb_checkpoints'), { recursive: true });
  for (const f of ['kim/a.ipynb', 'kim/.ipynb_checkpoints/a-checkpoint.ipynb', 'lee.ipynb', 'notes.txt'])
    fs.writeFileSync(path.join(dir, f), '{}');
  assert.deepEqual(
    listSubmissions([dir]).map((f) => path.relative(dir, f)),
    [path.join('kim', 'a.ipynb'), 'lee.ipynb'],
  );
  await assert.rejects(gradeSubmissions([path.join(tmp, 'nothing-here')]), /no such file or folder/);
  fs.mkdirSync(path.join(dir, 'empty'));
  await assert.rejects(gradeSubmissions([path.join(dir, 'empty')]), /no notebooks \(\*\.ipynb\) in /);
  const bad = path.join(tmp, 'bad-checks.json');
  fs.writeFileSync(bad, JSON.stringify({ checks: [{ name: 'x', points: 1, metric: 'acc', minn: 0.5 }] }));
  await assert.rejects(gradeSubmissions([dir], { checks: bad }), /bad-checks\.json: check "x": unknown key "minn"/);
});

test('a file that is not a notebook is an error of that submission, without a kernel', async () => {
  const dir = path.join(tmp, 'notjson');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'x.ipynb'), 'not json');
  const r = await gradeSubmissions([dir], { tmpDir: gradeTmp });
  assert.equal(r.submissions[0].status, 'error');
  assert.match(r.submissions[0].error!, /not a readable notebook/);
  assert.equal(r.submissions[0].points, 0);
});

test('metrics: the last epoch line, its history, and hai-metric lines are read from the output', () => {
  // Epoch 0 as the slides print it (one space after the comma), epoch 1 as the notebook does (two): both are read.
  const text =
    'Epoch 0, Average training loss: 1.3863 , Validation accuracy : 0.2500\nnoise\n' +
    'Epoch 1,  Average training loss: 0.9000 , Validation accuracy : NaN\nhai-metric f1=0.5\nhai-metric f1=0.75\nhai-metric bad=x\n';
  assert.deepEqual(extractMetrics(text), {
    metrics: { epoch: 1, train_loss: 0.9, f1: 0.75 },
    history: [
      { epoch: 0, train_loss: 1.3863, valid_accuracy: 0.25 },
      { epoch: 1, train_loss: 0.9, valid_accuracy: null },
    ],
  });
});

test('checks: thresholds, tiers and claims score as documented; the checks file is validated', () => {
  const facts = { ranToEnd: true, outsideWrites: 0, claimed: { valid_accuracy: 0.8 } };
  const tiers = {
    name: 't',
    points: 3,
    metric: 'acc',
    tiers: [
      { min: 0.5, points: 1 },
      { min: 0.7, points: 3 },
    ],
  };
  assert.equal(scoreCheck(tiers, 0.6, true, facts).points, 1);
  assert.equal(scoreCheck(tiers, 0.9, true, facts).points, 3);
  assert.equal(scoreCheck(tiers, 0.1, true, facts).status, 'fail');
  const claim = { name: 'c', points: 2, metric: 'acc', claim: 'valid_accuracy', tolerance: 0.05 };
  assert.equal(scoreCheck(claim, 0.76, true, facts).status, 'pass');
  assert.equal(scoreCheck(claim, 0.74, true, facts).status, 'fail');
  assert.equal(scoreCheck({ name: 'm', points: 1, metric: 'acc', max: 0.5 }, 0.6, true, facts).status, 'fail');
  assert.equal(
    scoreCheck({ name: 'w', points: 1, builtin: 'no_outside_writes' }, undefined, true, { ...facts, outsideWrites: 2 })
      .message,
    '2 files changed outside the working folder',
  );
  const spec = readChecksFile(CHECKS);
  assert.equal(spec.files.heldout, path.join(FIX, 'heldout.csv'));
  assert.deepEqual(
    spec.checks.map((c) => c.points),
    [1, 1, 2, 2, 1],
  );
  assert.deepEqual(defaultChecks().checks, [{ name: 'runs top to bottom', points: 1, builtin: 'ran_to_end' }]);
  const bad = path.join(tmp, 'bad.json');
  const reject = (j: unknown, re: RegExp) => {
    fs.writeFileSync(bad, JSON.stringify(j));
    assert.throws(() => readChecksFile(bad), re);
  };
  reject(
    {
      checks: [
        { name: 'a', points: 1, builtin: 'ran_to_end' },
        { name: 'a', points: 1, builtin: 'ran_to_end' },
      ],
    },
    /check "a" appears twice/,
  );
  reject({ checks: [{ name: 'a', points: 1, min: 0.5, code: 'return 1;' }] }, /check "a": a threshold needs "metric"/);
  reject({ checks: [{ name: 'a', points: 1 }] }, /check "a": needs "code", "builtin" or "metric"/);
  reject({ files: { x: 'missing.csv' }, checks: [] }, /files\.x: .*missing\.csv does not exist/);
  reject({ checks: [], limits: { cell: 5 } }, /limits: unknown key "cell"/);
});
