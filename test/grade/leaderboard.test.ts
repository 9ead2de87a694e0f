/**
 * The homework leaderboard (src/grade/leaderboard.ts): ranked by the re-measured metric, ties broken in order,
 * printed claims never used for the rank; the checks file's `leaderboard` validated; the HTML table.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { leaderboard } from '../../src/grade/leaderboard';
import { readChecksFile } from '../../src/grade/gradecheck';
import { gradeReportHtml } from '../../src/grade/report';
import type { GradeReport, SubmissionReport } from '../../src/grade/types';

const sub = (file: string, remeasured: Record<string, number>, metrics: Record<string, number> = {}) =>
  ({ file, status: 'ok', cells: [], metrics, history: [], remeasured, checks: [], points: 0, max_points: 0, seconds: 0, sha256: '', unchanged: true, outside_writes: [], notes: [] }) as SubmissionReport;

test('ranked by the re-measured metric, then macro-F1; equal values share a rank; claims shown, not used', () => {
  const subs = [
    sub('a.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.5 }, { valid_accuracy: 0.99 }),   // claims a lot, measures less
    sub('b.ipynb', { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 }, { valid_accuracy: 0.8 }),
    sub('c.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.65 }),
    sub('d.ipynb', { heldout_accuracy: 0.7, heldout_macro_f1: 0.5 }),
    sub('e.ipynb', {}, { valid_accuracy: 1 }),                                                    // no checkpoint: not ranked
  ];
  const rows = leaderboard(subs, { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'] });
  assert.deepEqual(rows.map((r) => [r.rank, r.file]), [[1, 'b.ipynb'], [2, 'c.ipynb'], [3, 'a.ipynb'], [3, 'd.ipynb']]);
  assert.deepEqual(rows[2].claimed, { valid_accuracy: 0.99 });
  assert.deepEqual(rows[0].values, { heldout_accuracy: 0.8, heldout_macro_f1: 0.6 });
  const report = { generated: '', checks_file: null, limits: { cell_s: 1, total_s: 1, max_output_chars: 1, max_old_space_mb: 1 }, smoke: false, submissions: subs,
    leaderboard: { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: ['valid_accuracy'], rows },
    summary: { submissions: 5, ok: 5, error: 0, timeout: 0, crashed: 0, mean_points: 0, max_points: 0 } } as GradeReport;
  assert.match(gradeReportHtml(report), /<caption>leaderboard: by re-measured heldout_accuracy, then heldout_macro_f1<\/caption>/);
});

test('the checks file\'s leaderboard is validated', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-board-'));
  const write = (j: object) => { const f = path.join(dir, 'c.json'); fs.writeFileSync(f, JSON.stringify({ checks: [], ...j })); return f; };
  assert.deepEqual(readChecksFile(write({ leaderboard: { metric: 'heldout_accuracy', then: ['heldout_macro_f1'] } })).leaderboard,
    { metric: 'heldout_accuracy', then: ['heldout_macro_f1'], show: [] });
  assert.throws(() => readChecksFile(write({ leaderboard: { metrc: 'x' } })), /leaderboard: needs/);
  assert.throws(() => readChecksFile(write({ leaderboard: { metric: 'x', by: 'y' } })), /unknown key "by"/);
  assert.throws(() => readChecksFile(write({ leaderboard: { metric: 'x', then: 'y' } })), /then must be a list/);
  fs.rmSync(dir, { recursive: true });
});
