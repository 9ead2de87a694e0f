/** The headless runner and the kernelspec installer (notebooks/00_setup.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorOutput, executedPath } from '../src/nbrun';
import { installKernelSpec, jupyterDataDir } from '../src/kernelspec';
import { hai, ROOT } from './helpers';

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

test('hai kernel install writes a kernelspec that runs this checkout\'s tslab, and will not clobber one', () => {
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
