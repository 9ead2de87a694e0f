/**
 * The homework leaderboard (src/grade/leaderboard.ts): ranked by the re-measured metric, ties broken in order,
 * printed claims never used for the rank; the checks file's `leaderboard` validated; the HTML table; and a real
 * `hai grade` run that ranks re-measured checkpoints.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { leaderboard } from '../../src/grade/leaderboard';
import { readChecksFile } from '../../src/grade/gradecheck';
import { gradeReportHtml } from '../../src/grade/gradereport';
import { mergeReports } from '../../src/grade/classrun';
import type { GradeReport, SubmissionReport } from '../../src/grade/reporttypes';
import { hai, ROOT } from '../helpers';

const sub = (file: string, remeasured: Record<string, number>, metrics: Record<string, number> = {}) =>
  ({
    file,
    status: 'ok',
    cells: [],
    metrics,
    history: [],
    remeasured,
    checks: [],
    points: 0,
    max_points: 0,
    seconds: 0,
    sha256: '',
    unchanged: true,
    outside_writes: [],
    notes: [],
  }) as SubmissionReport;

test('ranked by the re-measured metric, then macro-F1; equal values share a rank; claims shown, not used', () => {
  const subs = [
    sub('a.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.5 }, { valid_accuracy: 0.99 }), // claims a lot, measures less
    sub('b.ipynb', { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 }, { valid_accuracy: 0.8 }),
    sub('c.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.65 }),
    sub('d.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.5 }),
    sub('e.ipynb', {}, { valid_accuracy: 1 }), // no checkpoint: not ranked
  ];
  const rows = leaderboard(subs, { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'] });
  assert.deepEqual(
    rows.map((r) => [r.rank, r.file]),
    [
      [1, 'b.ipynb'],
      [2, 'c.ipynb'],
      [3, 'a.ipynb'],
      [3, 'd.ipynb'],
    ],
  );
  assert.deepEqual(rows[2].claimed, { valid_accuracy: 0.99 });
  assert.deepEqual(rows[0].values, { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 });
  const report = {
    generated: '',
    checks_file: null,
    limits: { cell_s: 1, total_s: 1, max_output_chars: 1, max_old_space_mb: 1 },
    smoke: false,
    submissions: subs,
    leaderboard: { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'], rows },
    summary: { submissions: 5, ok: 5, error: 0, timeout: 0, crashed: 0, mean_points: 0, max_points: 0 },
  } as GradeReport;
  assert.match(
    gradeReportHtml(report),
    /<caption>leaderboard: by re-measured heldout_accuracy, then heldout_macro_f1<\/caption>/,
  );
});

test("--merge ranks the whole class, not each shard: a tie across shards shares a rank, the shards' own ranks are dropped", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-board-merge-'));
  try {
    const spec = { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'] };
    const at = (index: number, s: SubmissionReport) => ({ ...s, index });
    const all = [
      at(1, sub('a.ipynb', { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 }, { valid_accuracy: 0.81 })),
      at(2, sub('b.ipynb', { heldout_accuracy: 0.9, heldout_macro_f1: 0.7 })),
      at(3, sub('c.ipynb', { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 })),
      at(4, sub('d.ipynb', {}, { valid_accuracy: 1 })),
      at(5, sub('e.ipynb', { heldout_accuracy: 0.5, heldout_macro_f1: 0.4 })),
    ];
    // --shard k/2 holds positions k, k+2, …; each shard's report ranks only its own submissions
    const files = [1, 2].map((k) => {
      const mine = all.filter((x) => (x.index! - 1) % 2 === k - 1);
      const report = {
        generated: `2026-12-02T0${k}:00:00Z`,
        checks_file: 'checks.json',
        limits: { cell_s: 1, total_s: 1, max_output_chars: 1, max_old_space_mb: 1 },
        smoke: false,
        shard: { k, n: 2, total: all.length },
        submissions: mine,
        leaderboard: { ...spec, rows: leaderboard(mine, spec) },
        summary: {
          submissions: mine.length,
          ok: mine.length,
          error: 0,
          timeout: 0,
          crashed: 0,
          mean_points: 0,
          max_points: 0,
        },
      };
      const f = path.join(dir, `report-${k}.json`);
      fs.writeFileSync(f, JSON.stringify(report));
      return { f, report };
    });
    assert.equal(files[0].report.leaderboard.rows[0].file, 'a.ipynb', 'shard 1 ranks a first among its own');
    const merged = mergeReports(files.map((x) => x.f));
    assert.deepEqual(
      merged.leaderboard!.rows.map((r) => [r.rank, r.file]),
      [
        [1, 'b.ipynb'],
        [2, 'a.ipynb'],
        [2, 'c.ipynb'],
        [4, 'e.ipynb'],
      ],
    );
    assert.deepEqual(merged.leaderboard!.rows[1].claimed, { valid_accuracy: 0.81 });
    assert.deepEqual(
      { metric: merged.leaderboard!.metric, then: merged.leaderboard!.then, show: merged.leaderboard!.show },
      spec,
    );
    assert.equal(merged.shard, undefined);
    assert.equal(merged.summary.submissions, 5);
    assert.match(
      gradeReportHtml(merged),
      /<caption>leaderboard: by re-measured heldout_accuracy, then heldout_macro_f1<\/caption>/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the checks file's leaderboard is validated", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-board-'));
  const write = (j: object) => {
    const f = path.join(dir, 'c.json');
    fs.writeFileSync(f, JSON.stringify({ checks: [], ...j }));
    return f;
  };
  assert.deepEqual(
    readChecksFile(write({ leaderboard: { metric: 'heldout_accuracy', then: ['heldout_macro_f1'] } })).leaderboard,
    { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: [] },
  );
  assert.throws(() => readChecksFile(write({ leaderboard: { metrc: 'x' } })), /leaderboard: needs/);
  assert.throws(() => readChecksFile(write({ leaderboard: { metric: 'x', by: 'y' } })), /unknown key "by"/);
  assert.throws(() => readChecksFile(write({ leaderboard: { metric: 'x', then: 'y' } })), /then must be a list/);
  fs.rmSync(dir, { recursive: true });
});

/**
 * A real `hai grade` run (sandboxed where bubblewrap works, else unsandboxed with its warning) over four small
 * submissions built from the grader's good fixture: two identical ones (equal re-measured values: one rank), one
 * trained for a single epoch that prints a claim of 0.99 (ranked by what the checks measure, below them), one that
 * fails before it saves a checkpoint (no re-measured metric: not ranked). The checks are the example checks file
 * with the README's `leaderboard`.
 */
test('a real hai grade run ranks the re-measured checkpoints: ties share a rank, claims do not count, a failed submission is not ranked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-board-run-'));
  try {
    const fix = path.join(ROOT, 'test', 'fixtures', 'grade');
    const good = JSON.parse(fs.readFileSync(path.join(fix, 'good.ipynb'), 'utf8'));
    const subs = path.join(dir, 'subs');
    fs.mkdirSync(subs);
    const write = (name: string, edit: (src: string) => string) =>
      fs.writeFileSync(
        path.join(subs, name),
        JSON.stringify({
          ...good,
          cells: good.cells.map((c: any) => ({
            ...c,
            source: edit(Array.isArray(c.source) ? c.source.join('') : c.source),
          })),
        }),
      );
    const short = (s: string) => s.replace('epochs: 30', 'epochs: 10'); // fewer epochs than the fixture: the test stays fast
    write('ana.ipynb', short);
    write('ben.ipynb', short);
    write('cho.ipynb', (s) =>
      s
        .replace('epochs: 30', 'epochs: 1')
        .replace(
          /(hai-metric valid_macro_f1.*)$/m,
          "$1\nconsole.log('Epoch 9,  Average training loss: 0.0100 , Validation accuracy : 0.9900');",
        ),
    );
    write('dan.ipynb', (s) => s.replace('course_train.csv', 'no_such_file.csv'));
    const checks = JSON.parse(fs.readFileSync(path.join(fix, 'checks.json'), 'utf8'));
    const checksFile = path.join(dir, 'checks.json');
    fs.writeFileSync(
      checksFile,
      JSON.stringify({
        ...checks,
        files: { heldout: path.join(fix, 'heldout.csv') },
        leaderboard: { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'] },
      }),
    );
    const json = path.join(dir, 'report.json'),
      html = path.join(dir, 'report.html');
    const r = hai(
      ['grade', subs, '--checks', checksFile, '--report', json, '--html', html, '--jobs', '2', '--timeout-cell', '120'],
      {},
      600_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as GradeReport;
    const s = (name: string) => report.submissions.find((x) => path.basename(x.file) === name)!;
    const rows = report.leaderboard!.rows;
    assert.deepEqual(
      rows.map((x) => [x.rank, path.basename(x.file)]),
      [
        [1, 'ana.ipynb'],
        [1, 'ben.ipynb'],
        [3, 'cho.ipynb'],
      ],
      JSON.stringify(rows),
    );
    // The values ranked are the checks' re-measurement of each saved checkpoint, not the printed claims.
    for (const row of rows) assert.deepEqual(row.values, s(path.basename(row.file)).remeasured);
    assert.deepEqual(rows[0].values, rows[1].values, 'identical submissions measure the same');
    assert.ok(rows[2].values.heldout_accuracy < rows[0].values.heldout_accuracy, JSON.stringify(rows));
    assert.equal(rows[2].claimed.valid_accuracy, 0.99);
    assert.ok(
      rows[2].claimed.valid_accuracy > rows[0].claimed.valid_accuracy,
      'cho claims the most and is ranked last',
    );
    assert.equal(s('cho.ipynb').checks.find((c) => c.name === 'claimed accuracy is reproduced')!.status, 'fail');
    // dan failed before saving: an error, its re-measuring check an error, no metric, not ranked.
    assert.equal(s('dan.ipynb').status, 'error');
    assert.equal(s('dan.ipynb').checks.find((c) => c.name === 'checkpoint accuracy on held-out rows')!.status, 'error');
    assert.deepEqual(s('dan.ipynb').remeasured, {});
    // The terminal and the page show the same ranking.
    assert.match(
      r.stdout,
      /leaderboard \(re-measured heldout_accuracy, then heldout_macro_f1\):\n +1\. .*ana\.ipynb\n +1\. .*ben\.ipynb\n +3\. .*cho\.ipynb\n +not ranked \(no re-measured heldout_accuracy\): .*dan\.ipynb/,
    );
    const page = fs.readFileSync(html, 'utf8');
    const table = page.slice(
      page.indexOf('<caption>leaderboard: by re-measured heldout_accuracy, then heldout_macro_f1</caption>'),
      page.indexOf('<caption>class summary</caption>'),
    );
    assert.ok(table.length > 0, 'the leaderboard table is above the class summary');
    const order = ['ana.ipynb', 'ben.ipynb', 'cho.ipynb'].map((f) => table.indexOf(f));
    assert.ok(
      order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1])),
      `order in the table: ${order}`,
    );
    assert.ok(!table.includes('dan.ipynb'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
