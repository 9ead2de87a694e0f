/**
 * Every notebook in notebooks/ is committed clean (no outputs) and runs top to bottom in a fresh tslab
 * kernel, as nbdev's CI does for its notebooks: the library and the notebooks cannot drift apart.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeFailure, runNotebook } from '../../src/notebook/nbrun';
import { ROOT } from '../helpers';

const dir = path.join(ROOT, 'notebooks');
const notebooks = fs
  .readdirSync(dir)
  .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
  .sort();

test('there are numbered notebooks', () => assert.ok(notebooks.length > 0));

for (const name of notebooks) {
  const nb = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  const cells: { cell_type: string; source: string[]; outputs?: unknown[]; execution_count?: number | null }[] =
    nb.cells;

  test(`${name} is committed without outputs and declares the tslab kernel`, () => {
    assert.equal(nb.metadata.kernelspec.name, 'tslab');
    for (const [i, c] of cells.entries()) {
      if (c.cell_type !== 'code') continue;
      assert.deepEqual(c.outputs, [], `cell ${i} has outputs`);
      assert.equal(c.execution_count, null, `cell ${i} has an execution count`);
    }
  });

  test(`${name} runs top to bottom in a fresh kernel (smoke mode)`, async () => {
    const r = await runNotebook(path.join(dir, name), { smoke: true, timeoutS: 300 });
    assert.equal(r.status, 'ok', describeFailure(r) ?? '');
    assert.ok(r.cells.every((c) => c.status === 'ok'));
  });
}
