/**
 * ONNX export (src/models/onnxexport.ts, onnxgraph.ts, onnxproto.ts) read by the library the web uses:
 * transformers.js 2.17 (`@xenova/transformers`, local files only) loads each family's export and gives the kit's
 * logits to 1e-5 — on the PyTorch reference weights (test/reference/models.json, so also torch's logits), and on
 * stand-in-sized models with a WordPiece vocabulary through `pipeline('text-classification')` and its tokenizer.json.
 * onnxruntime-node directly (`OnnxClassifier`) gives the same; stale exports and KoBERT tokenizers are refused with reasons.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { AutoModelForSequenceClassification, PreTrainedClassifier } from '../../src/models/automodel';
import { writeSafetensors } from '../../src/models/safetensors';
import { OnnxClassifier, onnxRuntimeProblem } from '../../src/models/onnxruntime';
import { exportOnnx } from '../../src/models/onnxexport';
import { BertTokenizer } from '../../src/text/tokenizer';
import { tokenizerFromFolder } from '../../src/text/tokenizer';
import { trainWordPiece } from '../../src/text/wordpiece';
import { readRowsCsv } from '../../src/data/rows';
import { assertClose, ROOT } from '../helpers';

type Ref = {
  config: Record<string, unknown>;
  state_dict: Record<string, { shape: number[]; data: number[] }>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits: number[];
};
const REF: Record<string, Ref> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'reference', 'models.json'), 'utf8'),
).models;
const FAMILIES = ['bert', 'electra', 'distilbert'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-onnx-'));
const quiet = { log: () => {} };
let X: any = null; // @xenova/transformers (ESM only)

before(async () => {
  await initBackend('wasm');
  try {
    X = await import('@xenova/transformers');
  } catch {
    X = null;
  }
  if (X) {
    X.env.allowRemoteModels = false;
    X.env.localModelPath = tmp + path.sep;
    X.env.useFSCache = false;
  }
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ours = (
  m: PreTrainedClassifier,
  b: { input_ids: number[][]; attention_mask: number[][]; token_type_ids?: number[][] },
) =>
  tf.tidy(
    () =>
      m
        .forward(tf.tensor2d(b.input_ids, undefined, 'int32'), tf.tensor2d(b.attention_mask, undefined, 'int32'), {
          tokenTypeIds: b.token_type_ids ? tf.tensor2d(b.token_type_ids, undefined, 'int32') : undefined,
        })
        .arraySync() as number[][],
  );
const i64 = (rows: number[][]) =>
  new X.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** The reference model in a folder of its own (model.safetensors in PyTorch's layout), loaded by the kit. */
async function refModel(family: string): Promise<{ model: PreTrainedClassifier; dir: string }> {
  const r = REF[family],
    dir = path.join(tmp, `ref-${family}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(r.config));
  writeSafetensors(
    path.join(dir, 'model.safetensors'),
    new Map(Object.entries(r.state_dict).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }])),
  );
  return { model: await AutoModelForSequenceClassification.from_pretrained(dir, quiet), dir };
}

for (const family of FAMILIES) {
  test(`${family}: transformers.js runs the export with the kit's and PyTorch's logits (1e-5)`, async (t) => {
    if (!X) return t.skip('@xenova/transformers (ESM only) cannot be imported on this Node version');
    const r = REF[family];
    const { model } = await refModel(family);
    const out = path.join(tmp, `onnx-${family}`);
    const files = model.save_pretrained(out, { onnx: true });
    assert.ok(files.includes(path.join(out, 'onnx', 'model.onnx')), files.join(', '));
    const kit = ours(model, r);
    assertClose(kit.flat(), r.logits, 1e-5, 0, `${family} kit vs torch`);
    const xm = await X.AutoModelForSequenceClassification.from_pretrained(`onnx-${family}`, {
      quantized: false,
      local_files_only: true,
    });
    const feeds: Record<string, unknown> = { input_ids: i64(r.input_ids), attention_mask: i64(r.attention_mask) };
    if (family !== 'distilbert') feeds.token_type_ids = i64(r.token_type_ids);
    const { logits } = await xm(feeds);
    assert.deepEqual(logits.dims, [r.input_ids.length, Number(r.config.num_labels)]);
    assertClose(Array.from(logits.data as Float32Array), kit.flat(), 1e-5, 0, `${family} transformers.js vs kit`);
    assertClose(Array.from(logits.data as Float32Array), r.logits, 1e-5, 0, `${family} transformers.js vs torch`);
    // onnxruntime-node directly, as hai eval --runtime onnx runs it
    const s = await OnnxClassifier.load(out);
    assert.deepEqual(
      [...s.inputNames],
      family === 'distilbert' ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids'],
    );
    assertClose((await s.logits(r)).flat(), kit.flat(), 1e-5, 0, `${family} onnxruntime-node vs kit`);
    model.dispose();
  });
}

/** A WordPiece vocabulary trained on the bundled course rows (what stand-ins use). */
const rows = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_valid.csv'))
  .slice(0, 24)
  .map((r) => r.contents);
let vocab: string[] | null = null;
const corpusVocab = () =>
  (vocab ??= trainWordPiece(
    readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv')).map((r) => r.contents),
    { vocab_size: 600 },
  ));

const SHAPES: Record<string, Record<string, unknown>> = {
  bert: {
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: 128,
  },
  electra: {
    embedding_size: 32,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: 128,
  },
  distilbert: { dim: 64, n_layers: 2, n_heads: 4, hidden_dim: 128, max_position_embeddings: 128 },
};

for (const family of FAMILIES) {
  test(`${family}: pipeline('text-classification') on the export and its tokenizer.json gives the kit's ids, labels and scores`, async (t) => {
    if (!X) return t.skip('@xenova/transformers (ESM only) cannot be imported on this Node version');
    const v = corpusVocab();
    const tok = new BertTokenizer(v, { do_lower_case: false });
    // initializer_range 0.2 (not HF's 0.02): logits of several units, so 1e-5 is a real bound (measured: ≤ 5e-6). At
    // 0.5 (logits up to 33, saturated softmaxes) float32 rounding alone puts the kit and ONNX Runtime 5e-5–3e-4 apart.
    const model = AutoModelForSequenceClassification.from_config(
      { model_type: family, vocab_size: v.length, num_labels: 4, initializer_range: 0.2, ...SHAPES[family] },
      7,
    );
    const name = `standin-${family}`,
      out = path.join(tmp, name);
    model.save_pretrained(out, { tokenizer: tok, onnx: true });
    assert.ok(fs.existsSync(path.join(out, 'tokenizer.json')));
    const xt = await X.AutoTokenizer.from_pretrained(name, { local_files_only: true });
    const enc = tok.call(rows, { padding: true });
    const xe = xt(rows, { padding: true });
    assert.deepEqual(
      Array.from(xe.input_ids.data, Number),
      enc.input_ids.flat(),
      "transformers.js tokenizer.json ids = the kit's",
    );
    assert.deepEqual(Array.from(xe.attention_mask.data, Number), enc.attention_mask.flat());
    const kit = ours(model, enc);
    const xm = await X.AutoModelForSequenceClassification.from_pretrained(name, {
      quantized: false,
      local_files_only: true,
    });
    assertClose(
      Array.from((await xm(xe)).logits.data as Float32Array),
      kit.flat(),
      1e-5,
      0,
      `${family} batch of ${rows.length}, padded`,
    );
    assert.ok(Math.max(...kit.flat().map(Math.abs)) > 1, 'logits large enough to compare');
    const pipe = await X.pipeline('text-classification', name, { quantized: false, local_files_only: true });
    for (let i = 0; i < 4; i++) {
      const [top] = await pipe(rows[i]);
      const single = ours(model, tok.call([rows[i]]))[0];
      const probs = tf.tidy(() => tf.softmax(tf.tensor1d(single)).arraySync() as number[]);
      const best = probs.indexOf(Math.max(...probs));
      assert.equal(top.label, (model.config.id2label as Record<string, string>)[String(best)], rows[i]);
      assertClose([top.score], [probs[best]], 1e-5, 0, `score of ${rows[i]}`);
    }
    model.dispose();
  });
}

test('a stale export is refused with the reason; KoBERT gets model.onnx without tokenizer.json, and says why', async () => {
  const { model, dir } = await refModel('bert');
  assert.equal(onnxRuntimeProblem(), null, 'onnxruntime-node loads here');
  assert.match(onnxRuntimeProblem(dir)!, /has no onnx[/\\]model\.onnx \(make one with: hai export --onnx/);
  const logs: string[] = [];
  exportOnnx(model, dir, { log: (s) => logs.push(s) });
  assert.match(logs.join('\n'), /no tokenizer given and .* has no tokenizer\.json/);
  assert.equal(onnxRuntimeProblem(dir), null);
  const copy = path.join(tmp, 'ref-bert-copy');
  fs.cpSync(dir, copy, { recursive: true }); // a copied folder (new mtimes) is still current
  assert.equal(onnxRuntimeProblem(copy), null);
  model.save_pretrained(dir); // new weights (the same values here, but rewritten), no new export
  assert.equal(onnxRuntimeProblem(dir), null, 'same bytes, same fingerprint');
  const w = model.params.get('classifier.bias')!;
  w.assign(tf.add(w, 1) as tf.Variable);
  model.save_pretrained(dir);
  assert.match(
    onnxRuntimeProblem(dir)!,
    /model\.onnx was exported from other weights than the model\.safetensors now in .*: export again/,
  );
  await assert.rejects(OnnxClassifier.load(dir), /exported from other weights/);
  const kobert = await tokenizerFromFolder(path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'kobert-tiny'));
  const kdir = path.join(tmp, 'kobert-export');
  logs.length = 0;
  const files = exportOnnx(model, kdir, { tokenizer: kobert, log: (s) => logs.push(s) });
  assert.deepEqual(files, [path.join(kdir, 'onnx', 'model.onnx'), path.join(kdir, 'onnx', 'hai_export.json')]);
  assert.match(logs.join('\n'), /tokenizer\.json is written for WordPiece tokenizers only; KoBertTokenizer/);
  model.dispose();
});

test("other activations of HF's ACT2FN export with the same logits (onnxruntime-node, 1e-5)", async () => {
  const ids = [
      [2, 7, 9, 3, 0],
      [2, 11, 29, 5, 3],
    ],
    mask = [
      [1, 1, 1, 1, 0],
      [1, 1, 1, 1, 1],
    ];
  const cases: [string, string, string][] = [
    ['bert', 'hidden_act', 'gelu_new'],
    ['bert', 'hidden_act', 'silu'],
    ['distilbert', 'activation', 'relu'],
    ['electra', 'hidden_act', 'quick_gelu'],
  ];
  for (const [family, key, act] of cases) {
    const model = AutoModelForSequenceClassification.from_config(
      { model_type: family, ...SHAPES[family], vocab_size: 30, initializer_range: 0.2, [key]: act },
      5,
    );
    const dir = path.join(tmp, `act-${family}-${act}`);
    exportOnnx(model, dir, quiet);
    const got = await (await OnnxClassifier.load(dir)).logits({ input_ids: ids, attention_mask: mask });
    assertClose(got.flat(), ours(model, { input_ids: ids, attention_mask: mask }).flat(), 1e-5, 0, `${family} ${act}`);
    model.dispose();
  }
});

test('activations without an ONNX form are refused, naming the config key', () => {
  const model = AutoModelForSequenceClassification.from_config(
    { model_type: 'bert', ...SHAPES.bert, vocab_size: 30, hidden_act: 'gelu' },
    1,
  );
  (model.config as Record<string, unknown>).hidden_act = 'mish';
  assert.throws(() => exportOnnx(model, path.join(tmp, 'mish'), quiet), /hidden_act 'mish' has no ONNX export/);
  assert.ok(!fs.existsSync(path.join(tmp, 'mish', 'onnx', 'model.onnx')), 'nothing written');
  model.dispose();
});
