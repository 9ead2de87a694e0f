/**
 * `hai export --onnx` and `hai eval` / `hai predict --runtime onnx|auto` (src/cli/export.ts, src/infer/runtime.ts):
 * the ONNX runtime gives the tfjs path's numbers — the same confusion matrix on the whole validation CSV, the same
 * labels and probabilities to 1e-5 — and every case where ONNX is not used says why.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { AutoModelForSequenceClassification } from '../../src/models/automodel';
import { BertTokenizer } from '../../src/text/tokenizer';
import { trainWordPiece } from '../../src/text/wordpiece';
import { readRowsCsv } from '../../src/data/rows';
import { readCheckpoint } from '../../src/models/checkpoint';
import { writeSafetensors } from '../../src/models/safetensors';
import { chooseRuntime } from '../../src/infer/runtime';
import { evalCsvWith, predictTextsWith } from '../../src/infer/classify';
import { exportCheckpoint } from '../../src/cli/export';
import { assertClose, hai, ROOT } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-onnxeval-'));
const VALID = path.join(ROOT, 'data', 'rows', 'course_valid.csv');
const quiet = { log: () => {} };
const ckpt = (name: string) => path.join(tmp, name);

before(async () => {
  await initBackend('wasm');
  const vocab = trainWordPiece(
    readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv')).map((r) => r.contents),
    { vocab_size: 800 },
  );
  const tok = new BertTokenizer(vocab, { do_lower_case: false });
  // An ELECTRA classifier with a head (as hai train saves it), weights large enough for its predictions to vary.
  const model = AutoModelForSequenceClassification.from_config(
    {
      model_type: 'electra',
      vocab_size: vocab.length,
      embedding_size: 32,
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 128,
      max_position_embeddings: 128,
      num_labels: 4,
      initializer_range: 0.2,
    },
    11,
  );
  model.save_pretrained(ckpt('trained'), { tokenizer: tok });
  fs.writeFileSync(
    path.join(ckpt('trained'), 'training_args.json'),
    JSON.stringify({ maxlen: 64, encoding: 'course' }),
  );
  model.dispose();
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('without an export: auto says why it uses the in-memory graph, onnx fails with the reason', async () => {
  assert.deepEqual(chooseRuntime(ckpt('trained'), 'tfjs'), {
    runtime: 'tfjs',
    reason: 'the default (--runtime onnx runs an ONNX export: hai export --onnx)',
  });
  // With no saved export, auto runs the weights as an in-memory graph, and says why.
  const auto = chooseRuntime(ckpt('trained'), 'auto');
  assert.equal(auto.runtime, 'graph');
  assert.match(auto.reason, /in-memory ONNX graph .*\(no saved export: .* has no onnx[/\\]model\.onnx/);
  assert.equal(chooseRuntime(ckpt('trained'), 'graph').runtime, 'graph');
  assert.throws(() => chooseRuntime(ckpt('trained'), 'onnx'), /^Error: --runtime onnx: .* has no onnx[/\\]model\.onnx/);
  await assert.rejects(exportCheckpoint(ckpt('trained'), { ...quiet }), /say which format: --onnx/);
});

test('the graph runtime (weights as an in-memory graph) gives the tfjs numbers on the whole validation CSV', async () => {
  const tfjs = await evalCsvWith(ckpt('trained'), VALID, { runtime: 'tfjs', ...quiet });
  const graph = await evalCsvWith(ckpt('trained'), VALID, { runtime: 'graph', ...quiet });
  assert.deepEqual(graph, tfjs);
  const predicted = tfjs.confusion[0].map((_, j) => tfjs.confusion.reduce((n, r) => n + r[j], 0));
  assert.ok(predicted.filter((n) => n > 0).length > 1, `predictions vary: ${predicted}`);
  const texts = ['어데 가노', '어디 가세요', '혼저 옵서'];
  const [a, b] = [
    await predictTextsWith(ckpt('trained'), texts, { runtime: 'tfjs', ...quiet }),
    await predictTextsWith(ckpt('trained'), texts, { runtime: 'graph', ...quiet }),
  ];
  assert.deepEqual(
    a.map((p) => p.label),
    b.map((p) => p.label),
  );
  assertClose(
    a.flatMap((p) => p.probs),
    b.flatMap((p) => p.probs),
    1e-5,
  );
});

test('hai export --onnx adds onnx/model.onnx and tokenizer.json; eval and predict on onnx give the tfjs numbers', async () => {
  const files = await exportCheckpoint(ckpt('trained'), { onnx: true, ...quiet });
  assert.deepEqual(files.map((f) => path.relative(ckpt('trained'), f)).sort(), [
    path.join('onnx', 'hai_export.json'),
    path.join('onnx', 'model.onnx'),
    'tokenizer.json',
  ]);
  const logs: string[] = [];
  const onnx = await evalCsvWith(ckpt('trained'), VALID, { runtime: 'onnx', log: (s) => logs.push(s) });
  assert.match(logs[0], /^runtime onnx: .*model\.onnx on onnxruntime-node 1\.14\.0$/);
  const tfjs = await evalCsvWith(ckpt('trained'), VALID, { runtime: 'tfjs', ...quiet });
  assert.equal(onnx.n, 767);
  assert.deepEqual(onnx, tfjs, 'same confusion matrix, accuracy and macro-F1');
  const predicted = [0, 1, 2, 3].filter((j) => onnx.confusion.some((row) => row[j] > 0));
  assert.ok(predicted.length > 1, `predictions vary (labels ${predicted}), so the equality is not of constant answers`);
  const texts = readRowsCsv(VALID)
    .slice(0, 40)
    .map((r) => r.contents);
  const a = await predictTextsWith(ckpt('trained'), texts, { runtime: 'auto', ...quiet });
  const b = await predictTextsWith(ckpt('trained'), texts, { runtime: 'tfjs', ...quiet });
  assert.deepEqual(
    a.map((p) => [p.label, p.name]),
    b.map((p) => [p.label, p.name]),
  );
  assertClose(
    a.flatMap((p) => p.probs),
    b.flatMap((p) => p.probs),
    1e-5,
    0,
    'probabilities',
  );
});

test('a checkpoint without a trained head is not exported unless asked; --out writes a complete folder', async () => {
  const pre = ckpt('pretraining');
  fs.mkdirSync(pre, { recursive: true });
  for (const f of ['vocab.txt', 'tokenizer_config.json', 'config.json'])
    fs.copyFileSync(path.join(ckpt('trained'), f), path.join(pre, f));
  const encoder = [...readCheckpoint(path.join(ckpt('trained'), 'model.safetensors')).tensors].filter(([k]) =>
    k.startsWith('electra.'),
  );
  writeSafetensors(
    path.join(pre, 'model.safetensors'),
    new Map(encoder.map(([k, e]) => [k, { shape: e.shape, data: e.read() as Float32Array }])),
  );
  await assert.rejects(
    exportCheckpoint(pre, { onnx: true, ...quiet }),
    /has no trained classification head \(classifier\.dense\.weight.*--allow-new-head/,
  );
  assert.ok(!fs.existsSync(path.join(pre, 'onnx')), 'nothing written');
  const out = ckpt('exported');
  await exportCheckpoint(ckpt('trained'), { onnx: true, out, ...quiet });
  assert.deepEqual(fs.readdirSync(out).sort(), [
    'config.json',
    'model.safetensors',
    'onnx',
    'tokenizer.json',
    'tokenizer_config.json',
    'training_args.json',
    'vocab.txt',
  ]);
  const p = await predictTextsWith(out, ['어데 가노'], { runtime: 'onnx', ...quiet });
  const q = await predictTextsWith(ckpt('trained'), ['어데 가노'], { runtime: 'tfjs', ...quiet });
  assertClose(p[0].probs, q[0].probs, 1e-5);
});

test('the CLI: hai export --onnx, hai predict --runtime onnx|graph|auto print the runtime and why', () => {
  const dir = ckpt('cli');
  fs.cpSync(ckpt('trained'), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'onnx'), { recursive: true, force: true });
  // auto is the CLI's default: without a saved export it runs the weights as an in-memory graph, and says why.
  let r = hai(['predict', '--model', dir, '--json', '어데 가노']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /runtime graph: .*\(no saved export: .* has no onnx[/\\]model\.onnx/);
  const viaGraph = JSON.parse(r.stdout);
  r = hai(['predict', '--model', dir, '--runtime', 'tfjs', '--json', '어데 가노']);
  assert.equal(r.code, 0, r.stderr);
  const viaTfjs = JSON.parse(r.stdout);
  assert.equal(viaGraph.label, viaTfjs.label);
  assertClose(viaGraph.probs, viaTfjs.probs, 1e-5);
  r = hai(['predict', '--model', dir, '--runtime', 'onnx', '어데 가노']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hai: error: --runtime onnx: .* has no onnx[/\\]model\.onnx/);
  r = hai(['export', '--onnx', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*model\.onnx, .*tokenizer\.json\nrun it: hai predict --runtime onnx/);
  r = hai(['predict', '--model', dir, '--runtime', 'onnx', '--json', '어데 가노']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /runtime onnx: /);
  const viaOnnx = JSON.parse(r.stdout);
  assert.equal(viaOnnx.label, viaTfjs.label);
  assertClose(viaOnnx.probs, viaTfjs.probs, 1e-5);
  r = hai(['eval', '--model', dir, '--data', VALID, '--runtime', 'onnx', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).n, 767);
});

test("the web app's detector serves the export: auto picks onnx when it is current, the same labels and probabilities as tfjs", async () => {
  const { checkpointDetector } = await import('../../src/app/detect');
  const { createAppServer, appDefaults } = await import('../../src/app/server');
  const texts = readRowsCsv(VALID)
    .slice(0, 24)
    .map((r) => r.contents);
  const dir = ckpt('app');
  fs.cpSync(ckpt('trained'), dir, { recursive: true });
  await exportCheckpoint(dir, { onnx: true, ...quiet });
  const viaOnnx = checkpointDetector(dir, { runtime: 'auto' });
  assert.match(viaOnnx.description, /\(runtime onnx: .*model\.onnx on onnxruntime-node 1\.14\.0\)$/);
  const viaTfjs = checkpointDetector(dir, { runtime: 'tfjs' });
  const [a, b] = [await viaOnnx.classify(texts), await viaTfjs.classify(texts)];
  assert.deepEqual(
    a.map((d) => d.label),
    b.map((d) => d.label),
  );
  assertClose(
    a.flatMap((d) => d.probs),
    b.flatMap((d) => d.probs),
    1e-5,
    0,
    'probabilities',
  );
  // Through the HTTP API, as the page calls it.
  // /api/classify never translates; an empty table set is a real translator the page can describe
  const { CorpusTranslator } = await import('../../src/translate/corpustranslator');
  const server = createAppServer(appDefaults({ translator: new CorpusTranslator([]), detector: viaOnnx }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as import('node:net').AddressInfo).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: texts[0] }),
    });
    assert.equal(res.status, 200);
    const j = (await res.json()) as { label: number; probs: number[] };
    assert.equal(j.label, b[0].label);
    assertClose(j.probs, b[0].probs, 1e-5);
  } finally {
    await new Promise((r) => server.close(r));
  }
  // A stale export (weights changed after it) is not served: auto runs the weights now there as an in-memory graph,
  // and says why the export was passed over.
  const stale = ckpt('stale');
  fs.cpSync(dir, stale, { recursive: true });
  const st = path.join(stale, 'model.safetensors');
  const bytes = fs.readFileSync(st);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(st, bytes);
  assert.match(
    checkpointDetector(stale, { runtime: 'auto' }).description,
    /runtime graph: .*no saved export: .*exported from other weights/,
  );
});
