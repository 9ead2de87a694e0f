/** The `hai` CLI: help for every command, argument errors, bench output shape. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hai } from './helpers';

test('hai --help lists the commands, and every command has --help', () => {
  const r = hai(['--help']);
  assert.equal(r.code, 0);
  const section = r.stdout.split('Commands:\n')[1].split('\n\n')[0];
  const commands = [...section.matchAll(/^  (\w+)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
  assert.deepEqual(commands, ['doctor', 'bench', 'data', 'tokenize', 'train', 'eval', 'predict', 'step', 'forward', 'course', 'grade', 'kernel', 'nb']);
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
  const r = hai(['bench', '--json', '--backends', 'wasm,cuda', '--layers', '1', '--batch', '2', '--seqs', '8,16',
    '--warmup', '0', '--steps', '2']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout);
  const wasm = rows.filter((x: any) => x.backend === 'wasm');
  assert.deepEqual(wasm.map((x: any) => `${x.task}/${x.seq}`), ['train/8', 'train/16', 'forward/8', 'forward/16']);
  for (const x of wasm) {
    assert.equal(x.status, 'ok', x.note);
    assert.equal(x.batch, 2);
    assert.ok(x.ms_per_step > 0);
    assert.ok(Math.abs(x.examples_per_s - (2 / x.ms_per_step) * 1000) < 0.01 * x.examples_per_s + 0.01);
  }
  const cuda = rows.filter((x: any) => x.backend === 'cuda');
  if (cuda.length && cuda[0].status === 'unavailable') {
    assert.equal(cuda.length, 1, 'an unavailable backend is reported once, not once per row');
    assert.equal(cuda[0].ms_per_step, null);
  }
});

test('hai tokenize: JSON lines in, HF-style encodings out; bad lines named', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const path = require('node:path') as typeof import('node:path');
  const { HAI, ROOT } = require('./helpers');
  const dir = path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'wordpiece');
  const run = (input: string, extra: string[] = []) => spawnSync(process.execPath, [HAI, 'tokenize', '--tokenizer', dir, ...extra], { input, encoding: 'utf8' });
  const r = run('{"text": "한국어"}\n{"text": "한국어", "text_pair": "모델"}\n', ['--max-length', '8']);
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l: string) => JSON.parse(l));
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
