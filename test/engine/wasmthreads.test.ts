/**
 * Multithreaded wasm under Node (src/engine/wasmthreads.ts, notebooks/00_setup.ipynb): the thread count is real,
 * the numbers do not change with it, a failed start falls back to one thread with the reason, and the
 * pool threads do not keep a finished process alive.
 *
 * A process can start the wasm backend once, so every variant runs in its own child process.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLE_NAMES, planThreads } from '../../src/engine/wasmthreads';
import { ROOT, assertClose } from '../helpers';

const twoCores = os.availableParallelism() >= 2;
const skipOneCore =
  !twoCores && `os.availableParallelism() = ${os.availableParallelism()}: no second core to thread on`;

/** Runs `body` (plain JS; `tf`, `backend`, `threads` and `emit(obj)` in scope) in a fresh Node with tsx. */
function child(body: string, env: NodeJS.ProcessEnv = {}) {
  const code = `
    const tf = require('@tensorflow/tfjs');
    const backend = require(${JSON.stringify(path.join(ROOT, 'src', 'engine', 'backend'))});
    const threads = require(${JSON.stringify(path.join(ROOT, 'src', 'engine', 'wasmthreads'))});
    const emit = (o) => console.log(JSON.stringify({ ...o, doneAt: Date.now() }));
    (async () => { ${body} })().catch((e) => { console.error(e); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, HAI_BACKEND: 'wasm', HAI_WASM_THREADS: '', ...env },
  });
  const exitedAt = Date.now();
  assert.equal(r.signal, null, `child was killed (${r.signal}): it did not exit by itself\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { out, stderr: r.stderr, exitDelayMs: exitedAt - out.doneAt };
}

/** A matMul, and the loss and gradients of a small classifier (embedding gather, dense + ReLU, dense, softmax CE). */
const WORKLOAD = `
  const info = await backend.initBackend('wasm');
  const rand = (n, seed) => { const o = new Float32Array(n); let s = seed; for (let i = 0; i < n; i++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; o[i] = ((s >>> 0) / 2 ** 32) * 2 - 1; } return o; };
  const mm = tf.matMul(tf.tensor2d(rand(96 * 256, 1), [96, 256]), tf.tensor2d(rand(256 * 160, 2), [256, 160]));
  const ids = tf.tensor1d(Array.from({ length: 48 }, (_, i) => (i * 7) % 30), 'int32');
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 5), 'int32'), 5);
  const E = tf.tensor2d(rand(30 * 64, 3), [30, 64]), W1 = tf.tensor2d(rand(64 * 128, 4), [64, 128]), W2 = tf.tensor2d(rand(128 * 5, 5), [128, 5]);
  const loss = (e, w1, w2) => tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.relu(tf.matMul(tf.gather(e, ids), w1)), w2));
  const grads = tf.grads(loss)([E, W1, W2]);
  emit({ threads: info.threads, note: info.threadsNote, mm: Array.from(mm.dataSync()), loss: loss(E, W1, W2).dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) });`;

test('HAI_WASM_THREADS: unset = every core, 0 or 1 = off, capped at the pool of 8, junk is an error', () => {
  assert.deepEqual(planThreads(undefined, 2), { threads: 2, reason: null });
  assert.deepEqual(planThreads('', 1), { threads: 1, reason: 'one core (os.availableParallelism() = 1)' });
  assert.deepEqual(planThreads('0', 16), { threads: 1, reason: 'HAI_WASM_THREADS=0' });
  assert.deepEqual(planThreads('1', 16), { threads: 1, reason: 'HAI_WASM_THREADS=1' });
  assert.deepEqual(planThreads(' 3 ', 2), { threads: 3, reason: null });
  assert.deepEqual(planThreads('32', 2), { threads: 8, reason: null });
  assert.throws(() => planThreads('two'), /HAI_WASM_THREADS=two is not a thread count/);
});

test(
  'threaded wasm reports 2 threads, gives the single-threaded numbers, and exits when done',
  { skip: skipOneCore },
  () => {
    const two = child(WORKLOAD, { HAI_WASM_THREADS: '2' });
    const one = child(WORKLOAD, { HAI_WASM_THREADS: '1' });
    assert.equal(two.out.threads, 2, two.out.note);
    assert.match(two.out.note, /^XNNPACK runs on 2 threads/);
    assert.equal(one.out.threads, 1);
    assert.equal(one.out.note, 'XNNPACK runs on 1: HAI_WASM_THREADS=1');
    assertClose(two.out.mm, one.out.mm, 1e-5, 0, 'matMul');
    assertClose([two.out.loss], [one.out.loss], 1e-5, 0, 'loss');
    two.out.grads.forEach((g: number[], i: number) => assertClose(g, one.out.grads[i], 1e-5, 0, `grad ${i}`));
    // The pool threads never finish: without unref the first child would hang until the spawn timeout.
    assert.ok(two.exitDelayMs < 5000, `threaded child took ${two.exitDelayMs} ms to exit after its last line`);
  },
);

test('the default thread count is every core', { skip: skipOneCore }, () => {
  const r = child(`const info = await backend.initBackend('wasm'); emit({ threads: info.threads });`);
  assert.equal(r.out.threads, Math.min(os.availableParallelism(), 8));
});

test('another tfjs-backend-wasm version falls back to one thread, with the reason', { skip: skipOneCore }, () => {
  const r = child(
    `
    const ok = await threads.activateWasm({ version: '4.21.0' });
    const x = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0];
    emit({ ok, info: threads.wasmThreadsInfo(), note: threads.wasmThreadsNote(), x, flag: tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT') });`,
    { HAI_WASM_THREADS: '2' },
  );
  assert.equal(r.out.ok, true);
  assert.equal(r.out.x, 64);
  assert.deepEqual(r.out.info, {
    requested: 2,
    threads: 1,
    threaded: false,
    reason: 'tfjs-backend-wasm 4.21.0 is not 4.22.0, the version the Node threads work-around was checked against',
  });
  assert.match(r.out.note, /^XNNPACK runs on 1: tfjs-backend-wasm 4\.21\.0 is not 4\.22\.0/);
  assert.equal(r.out.flag, false);
});

test('a pthread worker that fails to start falls back to one thread, and is stopped', { skip: skipOneCore }, () => {
  // Without `commonjsGlobal` the factory throws inside every worker as it loads.
  const broken = JSON.stringify(
    'var require$$0 = require("fs"), require$$1 = require("path"), require$$3 = require("perf_hooks"), require$$4 = require("os");\n',
  );
  const r = child(`
    const ok = await threads.activateWasm({ bundleNames: ${broken} });
    emit({ ok, info: threads.wasmThreadsInfo(), x: tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync()[0] });`);
  assert.equal(r.out.ok, true);
  assert.equal(r.out.x, 8);
  assert.equal(r.out.info.threaded, false);
  assert.equal(r.out.info.threads, 1);
  assert.equal(r.out.info.reason, 'a pthread worker failed: commonjsGlobal is not defined');
  assert.match(r.stderr, /hai: wasm threads unavailable, running on 1 thread: a pthread worker failed/);
  assert.ok(r.exitDelayMs < 5000, `child took ${r.exitDelayMs} ms to exit`);
});

test(
  'pool workers that exit during the start (a race seen about once in 15 starts) are retried once, then fall back at once',
  { skip: skipOneCore },
  () => {
    // Every worker of this factory ends its thread as it loads, as the racing ones do: the start used to wait for
    // them until its timeout (60 s: the tslab test's first cell timed out in CI).
    const exits = JSON.stringify(BUNDLE_NAMES + 'if (!require("worker_threads").isMainThread) process.exit(0);\n');
    const t0 = Date.now();
    const r = child(`
    const ok = await threads.activateWasm({ bundleNames: ${exits} });
    emit({ ok, info: threads.wasmThreadsInfo(), x: tf.matMul(tf.ones([8, 8]), tf.ones([8, 8])).dataSync()[0] });`);
    assert.equal(r.out.ok, true);
    assert.equal(r.out.x, 8);
    assert.equal(r.out.info.threads, 1);
    assert.equal(
      r.out.info.reason,
      'a pthread worker exited (code 0) during the start (and on the first try: a pthread worker exited (code 0) during the start)',
    );
    assert.ok(Date.now() - t0 < 15_000, `fell back after ${Date.now() - t0} ms`);
  },
);

test(
  'a factory that needs a bundle name the work-around lacks falls back before any worker starts',
  { skip: skipOneCore },
  () => {
    const r = child(`
    const ok = await threads.activateWasm({ bundleNames: 'var commonjsGlobal = globalThis;\\n' });
    emit({ ok, info: threads.wasmThreadsInfo() });`);
    assert.equal(r.out.ok, true);
    assert.equal(r.out.info.threads, 1);
    assert.match(
      r.out.info.reason,
      /^the threaded factory uses bundle names this work-around does not define: require\$\$0, require\$\$1/,
    );
  },
);
