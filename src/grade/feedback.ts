/**
 * `hai grade --feedback DIR`: one page per submission that a student may read, Korean first with an English summary:
 * the points per exercise, the public tests' verdicts and messages, the hidden tests by name and pass/fail only (a
 * grading file may mark a hidden test's message `show_message: true`), the hidden checks by name and points only, and
 * the errors of the student's own cells. Never a hidden test's source or message, nor a check's code or output: the
 * page is built from the report's verdicts, never from the tests.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/files';
import { escapeHtml as esc } from '../util/html';
import type { ExerciseResult, ExerciseStatus, GradeReport, SubmissionReport, TestResult } from './reporttypes';

const STATUS_KO: Record<ExerciseStatus, string> = {
  passed: '통과',
  failed: '실패',
  timeout: '시간 초과',
  crashed: '비정상 종료',
  not_attempted: '시도하지 않음',
  not_implemented: '구현하지 않음 (TODO)',
  missing: '찾을 수 없음',
};
const STATUS_EN: Record<ExerciseStatus, string> = {
  passed: 'passed',
  failed: 'failed',
  timeout: 'timed out',
  crashed: 'crashed',
  not_attempted: 'not attempted',
  not_implemented: 'not implemented (TODO)',
  missing: 'missing',
};
const short = (s: string, n = 600) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/** What a student may read of a test's verdict: a public test's message; a hidden one's only when marked visible. */
export const visibleMessage = (t: TestResult): string | undefined =>
  !t.pass && (!t.hidden || t.show_message) ? t.message : undefined;

/** Why an exercise lost its points, in words a student may read (never a hidden test's message). */
export function exerciseReason(e: ExerciseResult): string {
  if (e.status === 'passed') return '';
  if (e.status === 'timeout' || e.status === 'crashed' || e.status === 'missing') return e.error ?? '';
  if (e.status === 'not_attempted') return '답을 작성하지 않았습니다 / the cell is the untouched stub';
  if (e.status === 'not_implemented') return 'TODO 오류가 남아 있습니다 / the TODO error is still thrown';
  const pub = e.tests.results?.find((t) => visibleMessage(t));
  if (pub) return `${pub.name}: ${visibleMessage(pub)}`;
  return '숨은 테스트를 통과하지 못했습니다 / a hidden test did not pass';
}

function testsHtml(e: ExerciseResult): string {
  const rows = (e.tests.results ?? []).map((t) => {
    const msg = visibleMessage(t);
    const kind = t.hidden ? '숨은 테스트 / hidden' : '공개 테스트 / public';
    return (
      `<tr><td>${esc(t.name)}</td><td>${kind}</td><td class="${t.pass ? 'passed' : 'failed'}">` +
      `${t.pass ? '통과 / pass' : '실패 / fail'}</td><td><pre>${msg ? esc(short(msg)) : ''}</pre></td></tr>`
    );
  });
  return rows.length
    ? `<table><tr><th>테스트 / test</th><th>종류 / kind</th><th>결과 / result</th>` +
        `<th>메시지 / message</th></tr>` +
        `${rows.join('')}</table>`
    : '';
}

/** A section with a table, or nothing when it has no rows. */
const table = (title: string, head: string[], rows: string[]) =>
  rows.length
    ? `<h2>${title}</h2><table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`
    : '';
const cellItem = (c: SubmissionReport['cells'][number]) =>
  `<li>셀 / cell ${c.index}: ${esc(c.status)} ${esc(short(c.error ?? '', 300))}</li>`;

/** The page of one submission. */
export function feedbackHtml(s: SubmissionReport, title?: string): string {
  const name = path.basename(s.file);
  const ex = s.exercises ?? [];
  const exRows = ex.map(
    (e) =>
      `<tr><td>${esc(e.id)}</td><td>${e.points}/${e.max_points}</td><td class="${e.status}">` +
      `${STATUS_KO[e.status]} / ${STATUS_EN[e.status]}</td><td>${esc(short(exerciseReason(e)))}</td></tr>`,
  );
  const checks = s.checks.map(
    (c) =>
      `<tr><td>${esc(c.name)}</td><td>${c.points}/${c.max_points}</td>` +
      `<td class="${c.status === 'pass' ? 'passed' : 'failed'}">` +
      `${c.status === 'pass' ? '통과 / pass' : '실패 / fail'}</td></tr>`,
  );
  const cells = s.cells.filter((c) => c.status !== 'ok' && c.status !== 'skipped');
  const summary = ex.length
    ? ex.map((e) => `${e.id} ${STATUS_EN[e.status]} (${e.points}/${e.max_points})`).join('; ')
    : 'no exercises';
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>채점 결과 / Feedback: ${esc(name)}</title>
<style>
body { font-family: 'Noto Sans CJK KR','Noto Sans KR',sans-serif; margin: 2em; max-width: 60em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; vertical-align: top; } th { background: #f4f4f4; }
pre { margin: 0; white-space: pre-wrap; } .passed { color: #186a3b; } .failed, .timeout, .crashed { color: #a93226; }
</style></head><body>
<h1>채점 결과${title ? `: ${esc(title)}` : ''}</h1>
<p><b>${esc(name)}</b> — 점수 <b>${s.points} / ${s.max_points}</b></p>
${table('문제별 점수', ['문제 / exercise', '점수 / points', '상태 / status', '이유 / why'], exRows)}
${ex.map((e) => (e.tests.results?.length ? `<h3>${esc(e.id)} 테스트</h3>${testsHtml(e)}` : '')).join('\n')}
${table('채점 항목 / checks', ['항목 / check', '점수 / points', '결과 / result'], checks)}
${cells.length ? `<h2>오류가 난 셀 / cells that failed</h2><ul>${cells.map(cellItem).join('')}</ul>` : ''}
<h2>Summary (English)</h2>
<p>${esc(name)}: ${s.points} of ${s.max_points} points. ${esc(summary)}. Hidden tests are shown by name and
pass/fail only; public tests with their messages.</p>
</body></html>
`;
}

/** Writes one page per submission into `dir` (`NNN-<file>.html`), each atomically; returns the files written. */
export function writeFeedback(report: GradeReport, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return report.submissions.map((s, i) => {
    const stem = path.basename(s.file, '.ipynb').replace(/[^\p{L}\p{N}._-]+/gu, '_');
    const file = path.join(dir, `${String(s.index ?? i + 1).padStart(3, '0')}-${stem}.html`);
    writeFileAtomic(file, feedbackHtml(s, report.title));
    return file;
  });
}
