/** The headless runner and the kernelspec installer (notebooks/00_setup.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorOutput, executedPath, runNotebook } from '../../src/notebook/nbrun';
import { installKernelSpec, jupyterDataDir } from '../../src/notebook/kernelspec';
import { hai, ROOT } from '../helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'notebooks');

test('a broken notebook fails the run, naming the notebook and the cell; later cells are not run; the input is untouched', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-nb-'));
  const before = fs.readFileSync(path.join(FIX, 'broken.ipynb'), 'utf8');
  const r = hai(['nb', 'run', path.join(FIX, 'broken.ipynb'), '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /broken\.ipynb: cell 1 error: Error: deliberate failure in cell 1/);
  assert.equal(fs.readFileSync(path.join(FIX, 'broken.ipynb'), 'utf8'), before);
  const nb = JSON.parse(fs.readFileSync(path.join(out, 'broken.ipynb'), 'utf8'));
  assert.deepEqual(nb.cells[0].outputs, [{ output_type: 'stream', name: 'stdout', text: ['first cell runs\n'] }]);
  const err = nb.cells[1].outputs.find((o: any) => o.output_type === 'error');
  assert.equal(err.ename, 'Error');
  assert.equal(err.evalue, 'deliberate failure in cell 1');
  assert.ok(err.traceback.length > 1);
  assert.deepEqual(nb.cells[2].outputs, []);
  assert.equal(nb.cells[2].execution_count, null);
});

test('a hanging cell is interrupted at the timeout and reported as such', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-nb-'));
  const r = hai(['nb', 'run', path.join(FIX, 'hangs.ipynb'), '--out', out, '--timeout', '3']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hangs\.ipynb: cell 1 timeout: no result within 3 s \(interrupted\)/);
});

test('compile errors become error outputs; the executed copy never overwrites the input', () => {
  const e = errorOutput("1:7 - Type 'string' is not assignable to type 'number'.\n");
  assert.equal(e.ename, 'CompileError');
  assert.equal(e.evalue, "1:7 - Type 'string' is not assignable to type 'number'.");
  assert.throws(() => executedPath('notebooks/01_data.ipynb', 'notebooks'), /would overwrite the input/);
  assert.equal(executedPath('notebooks/01_data.ipynb', 'runs'), path.join('runs', '01_data.ipynb'));
});

test("hai kernel install writes a kernelspec that runs this checkout's tslab, and will not clobber one", () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-kernel-'));
  const file = installKernelSpec({ prefix });
  assert.equal(file, path.join(prefix, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'));
  const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(spec.argv[0], process.execPath);
  assert.ok(fs.existsSync(spec.argv[1]), 'the tslab path exists');
  assert.deepEqual(spec.argv.slice(2), ['kernel', '--config-path', '{connection_file}']);
  assert.throws(() => installKernelSpec({ prefix }), /exists already/);
  installKernelSpec({ prefix, force: true });
  assert.equal(jupyterDataDir({ JUPYTER_DATA_DIR: '/x' }), '/x');
  assert.equal(jupyterDataDir({}, 'linux', '/home/u'), '/home/u/.local/share/jupyter');
  assert.equal(jupyterDataDir({}, 'darwin', '/Users/u'), '/Users/u/Library/Jupyter');
});

// What the grader (src/grade/grade.ts) adds to the runner: limits in total, on output and on memory, and the `after` hook.
function tmpNotebook(cells: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hai-nb-')), 'nb.ipynb');
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: cells.map((c) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [c] })),
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  return file;
}

test('the total time limit interrupts the cell it runs out in; the rest is skipped', async () => {
  const wait = (ms: number) => `await new Promise((r) => setTimeout(r, ${ms}));`;
  const r = await runNotebook(tmpNotebook(['1', wait(1000), wait(60000), '2']), { timeoutS: 30, totalTimeoutS: 6 });
  assert.deepEqual(
    r.cells.map((c) => c.status),
    ['ok', 'ok', 'timeout', 'skipped'],
  );
  assert.equal(r.cells[2].error, "the notebook's total time limit of 6 s ran out in this cell (interrupted)");
  assert.ok(r.cells.reduce((a, c) => a + c.seconds, 0) < 7.5);
});

test('output past the cap is counted and noted, the last lines kept; a burst of lines does not hang the cell', async () => {
  let seen = '';
  const r = await runNotebook(
    tmpNotebook([
      "console.log('#'.repeat(50000)); console.log('the last line');",
      'for (let i = 0; i < 5000; i++) console.log(`line ${i}`);',
    ]),
    {
      timeoutS: 60,
      maxOutputChars: 1000,
      after: async (kernel) => {
        seen = (await kernel.execute('console.log(6 * 7)')).outputs[0].text!;
      },
    },
  );
  assert.deepEqual(
    r.cells.map((c) => c.status),
    ['ok', 'ok'],
  );
  assert.equal(r.cells[0].dropped_chars, 50001 + 14 - 1000 - 14); // all but the kept head and the last line
  const text = r.executed.cells[0].outputs!.map((o: any) => o.text.join('')).join('');
  assert.equal(text.length < 1300, true);
  assert.match(
    text,
    /\[output truncated: 49001 characters left out \(limit 1000 per cell\); the last \d+ of stdout follow\]\nthe last line\n$/,
  );
  // tslab drops messages in a burst (zeromq's EBUSY) and sometimes the idle status: the runner stops waiting after the reply.
  assert.ok(r.cells[1].seconds < 30, `${r.cells[1].seconds} s`);
  assert.equal(seen, '42\n'); // the after hook ran in the same kernel
});

test('a kernel over its heap limit is a dead cell that says why', async () => {
  const r = await runNotebook(
    tmpNotebook([
      'const keep: number[][] = []; while (true) keep.push(new Array(1e6).fill(1.5));',
      "console.log('never')",
    ]),
    { timeoutS: 60, maxOldSpaceMb: 128 },
  );
  assert.deepEqual(
    r.cells.map((c) => c.status),
    ['dead', 'skipped'],
  );
  assert.match(
    r.cells[0].error!,
    /^kernel exited \(SIGABRT\) while a request was running: FATAL ERROR: .*JavaScript heap out of memory/,
  );
});
