/**
 * A fresh tslab kernel, started the way Jupyter starts it, imports the built library from a notebook's
 * folder (`import * as hai from '../dist'`), which is how every notebook in notebooks/ begins.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { KernelClient } from '../../src/notebook/jupyter';
import { ROOT } from '../helpers';

let kernel: KernelClient;
before(async () => { kernel = await KernelClient.start({ cwd: path.join(ROOT, 'notebooks'), timeoutMs: 60000 }); });
after(async () => { await kernel?.close(); });

const text = (r: { outputs: { text?: string }[] }) => r.outputs.map((o) => o.text ?? '').join('');

test('a notebook cell imports the library and trains through it on the chosen backend', async () => {
  const r = await kernel.execute([
    "import * as hai from '../dist';",
    'const info = await hai.initBackend();',
    'console.log(hai.describeBackend(info));',
    'const E = hai.tf.variable(hai.tf.tensor2d([[1, 2], [3, 4]]));',
    'const g = hai.tf.grad((e: hai.tf.Tensor) => hai.tf.gather(e, hai.tf.tensor1d([1, 1], "int32")).sum())(E);',
    'console.log("grad", JSON.stringify(g.arraySync()));',
  ].join('\n'), 60000);
  assert.equal(r.status, 'ok', text(r) + kernel.stderr);
  assert.match(text(r), /^backend: (cuda|node|wasm|cpu) \(/m);
  assert.match(text(r), /^grad \[\[0,0\],\[2,2\]\]$/m);
});

test('state persists between cells, and a type error is reported as an error with its message', async () => {
  let r = await kernel.execute('console.log(info.name === hai.backendInfo()!.name);', 30000);
  assert.equal(r.status, 'ok', text(r));
  assert.equal(text(r).trim(), 'true');
  r = await kernel.execute('const n: number = "not a number";', 30000);
  assert.equal(r.status, 'error');
  assert.match(text(r), /Type 'string' is not assignable to type 'number'/);
});

test('a cell that kills the kernel fails with a message instead of hanging', async () => {
  const k = await KernelClient.start({ cwd: path.join(ROOT, 'notebooks'), timeoutMs: 60000 });
  try {
    await assert.rejects(k.execute('process.exit(3)', 0), /kernel exited \(code 3\) while a request was running/);
  } finally {
    await k.close();
  }
});
