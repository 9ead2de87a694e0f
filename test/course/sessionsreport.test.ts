/**
 * `npm start`'s report covers sessions 6 and 7 from the files their notebooks write (runs/06_inference,
 * runs/07_translator), and says so when a notebook wrote none.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { courseReportDefaults, writeCourseReport } from '../../src/course/coursereport';
import { buildTranslator, evaluateTranslation, readParallel, routeTable } from '../../src/translate';
import { repoPath } from '../../src/util/paths';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-report67-'));
const write = (f: string, v: unknown) => {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify(v));
};
const report = (runsDir: string, out: string) => {
  const files = writeCourseReport(courseReportDefaults({ out, runsDir }), [], []);
  return { md: fs.readFileSync(files[0], 'utf8'), html: fs.readFileSync(files[1], 'utf8') };
};

test('sessions 6 and 7 in report.md and report.html: predictions, label slip, scores beside copying, routes', () => {
  const runsDir = path.join(tmp, 'runs');
  write(path.join(runsDir, '06_inference', 'results.json'), {
    checkpoint: 'runs/04_tuned/final',
    standin: true,
    predictions: [{ text: '니 오데 가노?', label: 1, name: '경상도', probs: [0.1, 0.7, 0.1, 0.1] }],
    onnx_max_abs_diff: 3e-7,
    label_slip: [0, 1, 2, 3].map((result) => ({
      result,
      original: ['경상도', '제주도', '전라도'].at(result - 1),
      fixed: ['표준어', '경상도', '제주도', '전라도'][result],
    })),
  });
  const utts = readParallel([repoPath('data', 'aihub')]).filter((u) => Number(u.conversation.slice(-2)) <= 3);
  const ev = evaluateTranslation(utts);
  const scores = ev.rows.map((r) => ({
    region: r.label,
    direction: r.direction,
    'copy chrF': r.copy.chrf,
    'tables chrF': r.corpus.chrf,
  }));
  const routes = routeTable(buildTranslator(utts));
  write(path.join(runsDir, '07_translator', 'results.json'), { split: ev.split, scores, routes });
  const { md, html } = report(runsDir, path.join(tmp, 'out'));
  assert.match(md, /## 6\. Inference/);
  assert.match(md, /Checkpoint runs\/04_tuned\/final \(fine-tuned from an offline stand-in/);
  assert.match(md, /\| 니 오데 가노\? \| 1 \| 경상도 \|/);
  assert.match(md, /largest probability gap 3\.00e-7/);
  assert.match(md, /\| 0 \| 전라도 \| 표준어 \|/); // the slip: label 0 shown as 전라도, fixed to 표준어
  assert.match(md, /## 7\. Translator/);
  assert.match(md, /\| copy chrF \| tables chrF \|/);
  assert.match(
    md,
    /\| standard \| jeolla \| standard→jeolla \| standard→jeolla: (rewrites|copies \(tuned off\)) \| no model \|/,
  );
  assert.match(html, /<h2>6\. Inference<\/h2>/);
  assert.match(html, /<h2>7\. Translator<\/h2>/);
});

test('a session whose notebook wrote nothing says so', () => {
  const { md } = report(path.join(tmp, 'empty-runs'), path.join(tmp, 'out2'));
  assert.match(md, /## 6\. Inference\n\n\(notebook 06 wrote no results\)/);
  assert.match(md, /## 7\. Translator\n\n\(notebook 07 wrote no results\)/);
});
