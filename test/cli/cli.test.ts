/** The `hai` CLI: help for every command, argument errors, bench output shape. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hai } from '../helpers';

test('hai --help lists the commands, and every command has --help', () => {
  const r = hai(['--help']);
  assert.equal(r.code, 0);
  const section = r.stdout.split('Commands:\n')[1].split('\n\n')[0];
  const commands = [...section.matchAll(/^  (\w+)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.deepEqual(commands, [
    'doctor',
    'bench',
    'data',
    'tokenize',
    'export',
    'book',
    'train',
    'eval',
    'predict',
    'step',
    'forward',
    'course',
    'kernel',
    'nb',
    'grade',
    'assign',
    'translate',
    'serve',
  ]);
  assert.match(r.stdout, /HAI_BACKEND/);
  for (const c of commands) {
    const h = hai([c, '--help']);
    assert.equal(h.code, 0, `${c} --help`);
    assert.match(h.stdout, new RegExp(`^Usage: hai ${c} `, 'm'));
  }
});

test('bad arguments name the option and exit non-zero', () => {
  let r = hai(['bench', '--batch', '0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--batch must be a positive integer, got '0'/);
  r = hai(['bench', '--backends', 'tpu']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown backend 'tpu'/);
  r = hai(['frobnicate']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('hai bench --json prints one row per measurement with the documented fields', () => {
  const r = hai([
    'bench',
    '--json',
    '--backends',
    'wasm,cuda',
    '--layers',
    '1',
    '--batch',
    '2',
    '--seqs',
    '8,16',
    '--warmup',
    '0',
    '--steps',
    '2',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  const wasm = rows.filter((x: any) => x.backend === 'wasm');
  assert.deepEqual(
    wasm.map((x: any) => `${x.task}/${x.seq}`),
    ['train/8', 'train/16', 'forward/8', 'forward/16'],
  );
  for (const x of wasm) {
    assert.equal(x.status, 'ok', x.note);
    assert.equal(x.batch, 2);
    assert.ok(x.ms_per_step > 0);
    assert.ok(Math.abs(x.examples_per_s - (2 / x.ms_per_step) * 1000) < 0.01 * x.examples_per_s + 0.01);
    assert.ok(x.heap_mib >= 16 && x.heap_mib <= 4096, `wasm heap ${x.heap_mib} MiB`);
  }
  // Beside each wasm row: the same step on the native kernels (default where onnxruntime-node loads), and forward
  // rows on the exported graph run by onnxruntime-node alone; every row has the child's peak RSS.
  const native = rows.filter((x: any) => x.backend === 'wasm+ort');
  assert.deepEqual(
    native.map((x: any) => `${x.task}/${x.seq}`),
    ['train/8', 'train/16', 'forward/8', 'forward/16'],
  );
  for (const x of native) assert.match(`${x.status}: ${x.note}`, /^ok: products and fused layers on onnxruntime-node/);
  const graph = rows.filter((x: any) => x.backend === 'ort');
  assert.deepEqual(
    graph.map((x: any) => `${x.task}/${x.seq}/${x.status}`),
    ['forward/8/ok', 'forward/16/ok'],
  );
  for (const x of [...wasm, ...native, ...graph]) assert.ok(x.rss_mib > 50, `RSS ${x.rss_mib} MiB`);
  const cuda = rows.filter((x: any) => x.backend === 'cuda');
  if (cuda.length && cuda[0].status === 'unavailable') {
    assert.equal(cuda.length, 1, 'an unavailable backend is reported once, not once per row');
    assert.equal(cuda[0].ms_per_step, null);
  }
});

test('hai tokenize: JSON lines in, HF-style encodings out; bad lines named', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const path = require('node:path') as typeof import('node:path');
  const { HAI, ROOT } = require('../helpers');
  const dir = path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'wordpiece');
  const run = (input: string, extra: string[] = []) =>
    spawnSync(process.execPath, [HAI, 'tokenize', '--tokenizer', dir, ...extra], { input, encoding: 'utf8' });
  const r = run('{"text": "한국어"}\n{"text": "한국어", "text_pair": "모델"}\n', ['--max-length', '8']);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout
    .trim()
    .split('\n')
    .map((l: string) => JSON.parse(l));
  assert.equal(out.length, 2);
  for (const o of out) {
    assert.deepEqual(Object.keys(o), ['tokens', 'input_ids', 'attention_mask', 'token_type_ids']);
    assert.equal(o.input_ids.length, 8);
  }
  assert.equal(out[0].input_ids[0], 2, '[CLS] first, KoELECTRA layout');
  assert.ok(out[1].token_type_ids.includes(1), 'the pair gets token type 1');
  const bad = run('{"text": "ok"}\nnot json\n');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /line 2/);
});

test('hai bench --tasks epoch,predict: one row per pipeline, padded lengths and row counts, torch rows or the reason', () => {
  const r = hai(
    [
      'bench',
      '--json',
      '--backends',
      'wasm',
      '--tasks',
      'epoch,predict',
      '--layers',
      '1',
      '--max-examples',
      '40',
      '--torch',
    ],
    {},
    300000,
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  const ours = rows.filter((x: any) => x.backend === 'wasm');
  assert.deepEqual(
    ours.map((x: any) => `${x.task}: ${x.variant}`),
    [
      'epoch: original pipeline',
      'epoch: fast pipeline',
      'predict: static padding',
      'predict: dynamic padding',
      'predict: dynamic padding, sorted',
    ],
  );
  for (const x of ours) {
    assert.equal(x.status, 'ok', x.note);
    assert.equal(x.examples, 40);
    assert.equal(x.steps, 1);
    assert.ok(Math.abs(x.examples_per_s - 40 / x.seconds) < 0.02 * x.examples_per_s + 0.01, JSON.stringify(x));
    assert.match(x.note, /40\/\d+ rows of course_(train|valid)\.csv/);
  }
  const len = Object.fromEntries(ours.map((x: any) => [`${x.task}: ${x.variant}`, x.mean_len]));
  assert.equal(len['epoch: original pipeline'], 256);
  assert.equal(len['predict: static padding'], 256);
  assert.ok(len['epoch: fast pipeline'] < 40, `the corpus's rows are short: ${len['epoch: fast pipeline']}`);
  assert.ok(len['predict: dynamic padding, sorted'] <= len['predict: dynamic padding']);
  const torch = rows.filter((x: any) => x.backend === 'torch');
  if (torch[0]?.status === 'ok') {
    assert.deepEqual(
      torch.map((x: any) => `${x.task}: ${x.variant}`),
      ['epoch: original pipeline', 'epoch: fast pipeline', 'predict: static padding', 'predict: dynamic padding'],
    );
    assert.equal(torch[0].mean_len, 256);
    assert.equal(torch[0].examples, 40);
    for (const x of ours)
      assert.ok(
        Math.abs(x.torch_ratio - torch[x.task === 'epoch' ? 0 : 2].seconds / x.seconds) < 0.02 * x.torch_ratio + 0.01,
        JSON.stringify(x),
      );
  } else {
    assert.ok(torch.length === 1 && torch[0].note, `torch rows say why they are missing: ${JSON.stringify(torch)}`);
  }
});
