/**
 * `hai grade`'s options in one place (src/cli/gradecmd.ts): help lists them, and from a report (`--merge`, no kernel)
 * the command writes the feedback pages, the grades CSV, Canvas's CSV and a Gradescope results file; an export it
 * cannot write (a file name without an id for Canvas, --results-format without --results) exits non-zero, named.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GradeReport, SubmissionReport } from '../../src/grade/reporttypes';
import { hai } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-gradecmd-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const sub = (file: string, index: number, points: number): SubmissionReport => ({
  file,
  index,
  status: 'ok',
  cells: [],
  metrics: {},
  history: [],
  remeasured: {},
  checks: [],
  exercises: [
    {
      id: '01.pairs',
      status: points ? 'passed' : 'failed',
      points,
      max_points: 2,
      tests: {
        passed: points ? 2 : 1,
        total: 2,
        results: [
          { name: '01.pairs public 1', hidden: false, pass: true, seconds: 0 },
          { name: '01.pairs hidden 1', hidden: true, pass: points > 0, seconds: 0, message: 'HIDDEN-MESSAGE' },
        ],
      },
    },
  ],
  points,
  max_points: 2,
  seconds: 1,
  sha256: '',
  unchanged: true,
  outside_writes: [],
  notes: [],
});
function reportFile(subs: SubmissionReport[]): string {
  const r: GradeReport = {
    generated: '',
    checks_file: null,
    limits: { cell_s: 1, total_s: 1, max_output_chars: 1, max_old_space_mb: 1 },
    smoke: false,
    sandbox: { enabled: false, reason: 'test' },
    submissions: subs,
    summary: {
      submissions: subs.length,
      ok: subs.length,
      error: 0,
      timeout: 0,
      crashed: 0,
      mean_points: 1,
      max_points: 2,
    },
  };
  const f = path.join(tmp, `report-${subs.length}.json`);
  fs.writeFileSync(f, JSON.stringify(r));
  return f;
}

test('hai grade --help lists the feedback, export and results options', () => {
  const h = hai(['grade', '--help']);
  assert.equal(h.code, 0);
  for (const o of [
    '--feedback',
    '--export ',
    '--export-canvas',
    '--id-pattern',
    '--results-format',
    '--jobs',
    '--shard',
  ])
    assert.ok(h.stdout.includes(o), o);
});

test('from a report: feedback pages, grades.csv, Canvas CSV and a Gradescope results file', () => {
  const two = reportFile([sub('s/kim_11_1_01.ipynb', 1, 2), sub('s/lee_22_2_01.ipynb', 2, 0)]);
  const out = (f: string) => path.join(tmp, f);
  const r = hai([
    'grade',
    '--merge',
    two,
    '--feedback',
    out('fb'),
    '--export',
    out('g.csv'),
    '--export-canvas',
    out('c.csv'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readdirSync(out('fb')).length, 2);
  for (const f of fs.readdirSync(out('fb')))
    assert.ok(!fs.readFileSync(path.join(out('fb'), f), 'utf8').includes('HIDDEN'));
  assert.match(fs.readFileSync(out('g.csv'), 'utf8'), /^student,file,01\.pairs,total,max_points,status,error\r\n/);
  assert.match(fs.readFileSync(out('c.csv'), 'utf8'), /\r\nkim,11,,,2\r\nlee,22,,,0\r\n$/);
  const one = reportFile([sub('s/kim_11_1_01.ipynb', 1, 2)]);
  const g = hai(['grade', '--merge', one, '--results-format', 'gradescope', '--results', out('gs/results.json')]);
  assert.equal(g.code, 0, g.stderr);
  assert.equal(JSON.parse(fs.readFileSync(out('gs/results.json'), 'utf8')).score, 2);
});

test('exports it cannot write exit non-zero and say why', () => {
  const bad = reportFile([sub('s/no-id.ipynb', 1, 2)]);
  const c = hai(['grade', '--merge', bad, '--export-canvas', path.join(tmp, 'x.csv')]);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /s\/no-id\.ipynb: --id-pattern/);
  const g = hai(['grade', '--merge', bad, '--results-format', 'gradescope']);
  assert.notEqual(g.code, 0);
  assert.match(g.stderr, /--results-format needs --results/);
});
