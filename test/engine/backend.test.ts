/** Backend selection: the env var, the fallback order and the loud failure (notebooks/00_setup.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BACKENDS, parseRequested } from '../../src/engine/backend';
import { hai } from '../helpers';

const installed = (m: string) => {
  try {
    require.resolve(`${m}/package.json`);
    return true;
  } catch {
    return false;
  }
};

test('HAI_BACKEND accepts the five backends and auto, and rejects anything else by name', () => {
  for (const b of BACKENDS) assert.equal(parseRequested(b), b);
  assert.equal(parseRequested(undefined), 'auto');
  assert.equal(parseRequested(' WASM '), 'wasm');
  assert.throws(
    () => parseRequested('gpu'),
    /HAI_BACKEND=gpu is not a backend: use one of auto, cuda, webgpu, node, wasm, cpu/,
  );
});

test('hai doctor --json names the best available backend and why the better ones are not', () => {
  const r = hai(['doctor', '--json'], { HAI_BACKEND: '' });
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.self_test.ok, true, rep.self_test.detail);
  const cands: { name: string; available: boolean | null; why: string }[] = rep.backend.candidates;
  assert.deepEqual(cands.map((c) => c.name).sort(), [...BACKENDS].sort());
  const chosen = cands.find((c) => c.available === true)!;
  assert.equal(rep.backend.name, chosen.name);
  // Everything before the chosen one was tried and has a reason; nothing is silently skipped.
  for (const c of cands.slice(0, cands.indexOf(chosen))) {
    assert.equal(c.available, false);
    assert.ok(c.why.length > 10, `${c.name} has no reason`);
  }
  if (!installed('tfjs-node') && !installed('tfjs-node-gpu')) {
    // This machine and CI: no libtensorflow, so wasm, with the missing kernel added.
    assert.equal(rep.backend.name, 'wasm');
    assert.match(rep.backend.reason, /cuda: @tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(rep.backend.reason, /node: @tensorflow\/tfjs-node is not installed/);
    assert.deepEqual(rep.backend.extraKernels, ['UnsortedSegmentSum', 'HaiSwapLast2', 'HaiColumnSum']);
    assert.equal(rep.packages['@tensorflow/tfjs-node'], null);
  }
  assert.equal(rep.packages['@tensorflow/tfjs-core'], '4.22.0');
  assert.ok(rep.backend.threads >= 1);
});

test(
  'forcing an unavailable backend fails loudly with the reason',
  { skip: installed('tfjs-node-gpu') && 'tfjs-node-gpu is installed here' },
  () => {
    const r = hai(['doctor'], { HAI_BACKEND: 'cuda' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^hai: error: HAI_BACKEND=cuda was requested but the 'cuda' backend is not available: /);
    assert.equal(r.stdout, '');
  },
);

test('forcing cpu and wasm works and is reported as forced', () => {
  for (const b of ['cpu', 'wasm']) {
    const r = hai(['doctor', '--json'], { HAI_BACKEND: b });
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.backend.name, b);
    assert.equal(rep.backend.reason, `forced by HAI_BACKEND=${b}`);
    assert.equal(rep.self_test.ok, true);
  }
});

test('an unknown HAI_BACKEND is an error, not a silent fallback', () => {
  const r = hai(['doctor'], { HAI_BACKEND: 'tpu' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HAI_BACKEND=tpu is not a backend/);
});
