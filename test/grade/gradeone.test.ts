/**
 * Steps of the grading run tested alone (src/grade/gradeone.ts): output notes. A chart whose embedded plotly.js was
 * cut is the instructor's output, not the student's problem: no note; printed output that was cut is noted, at the
 * submission's own cell index.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { outputNotes } from '../../src/grade/gradeone';
import type { Notebook } from '../../src/notebook/nbformat';
import type { GradeCell } from '../../src/grade/reporttypes';

test('a cut chart output is not noted; cut printed output is, at the submission index', () => {
  const executed: Notebook = {
    metadata: {},
    cells: [
      {
        cell_type: 'code',
        source: 'chart',
        outputs: [{ output_type: 'display_data', data: { 'text/html': '<div>' } }],
      },
      { cell_type: 'code', source: 'print', outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }] },
    ],
  };
  const run: GradeCell[] = [
    { index: 0, status: 'ok', seconds: 1, dropped_chars: 10_448_668 },
    { index: 1, status: 'ok', seconds: 1, dropped_chars: 5000, lost_output: true },
  ];
  const shown = run.map((c) => ({ ...c, index: c.index + 3 })); // the student's test cells were left out before them
  assert.deepEqual(outputNotes(run, shown, executed), [
    'cell 4: output truncated (5000 characters left out)',
    'cell 4: the kernel dropped output messages (a burst of output); some lines are missing',
  ]);
});
