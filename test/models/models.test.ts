/**
 * BERT, DistilBERT and ELECTRA classifiers against PyTorch (test/reference/models.json, from
 * test/reference/models_reference.py), through all three checkpoint formats, built here in temporary
 * hub-layout folders; the load report, save_pretrained, and the errors for damaged files and bad configs.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { AutoModelForSequenceClassification, PreTrainedClassifier } from '../../src/models/automodel';
import { decodeFloat32, writeSafetensors } from '../../src/models/safetensors';
import { readCheckpoint } from '../../src/models/checkpoint';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import { BertTokenizer } from '../../src/text/tokenizer';
import { LABELS } from '../../src/data/rows';
import { formatTrainableTable, freeze, trainableTable, unfreeze } from '../../src/models/freeze';
import { forwardBatch, forwardFile } from '../../src/models/forward';
import { assertClose } from '../helpers';
import { TorchTensorSpec, writeTorchBin } from '../torchfile';

type Ref = {
  config: Record<string, unknown>;
  state_dict: Record<string, { shape: number[]; data: number[] }>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits: number[];
  last_hidden_state: number[];
};
const REF: Record<string, Ref> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'reference', 'models.json'), 'utf8'),
).models;
const FAMILIES = ['bert', 'electra', 'distilbert'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-models-'));
const quiet = { log: () => {} };

before(async () => {
  await initBackend('wasm');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const stateOf = (r: Ref, keep: (k: string) => boolean = () => true) =>
  new Map(
    Object.entries(r.state_dict)
      .filter(([k]) => keep(k))
      .map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]),
  );

/** A model folder: config.json plus weights in one format. */
function folder(
  name: string,
  config: Record<string, unknown>,
  weights: Map<string, TorchTensorSpec>,
  format: 'safetensors' | 'zip' | 'legacy',
): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  if (format === 'safetensors')
    writeSafetensors(
      path.join(dir, 'model.safetensors'),
      weights as Map<string, { shape: number[]; data: Float32Array }>,
    );
  else writeTorchBin(path.join(dir, 'pytorch_model.bin'), weights, format);
  return dir;
}

function run(m: PreTrainedClassifier, r: Ref) {
  return tf.tidy(() => {
    const o = m.forwardWithHidden(
      tf.tensor2d(r.input_ids, undefined, 'int32'),
      tf.tensor2d(r.attention_mask, undefined, 'int32'),
      { tokenTypeIds: tf.tensor2d(r.token_type_ids, undefined, 'int32') },
    );
    return { logits: o.logits.dataSync() as Float32Array, hidden: o.last_hidden_state.dataSync() as Float32Array };
  });
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

for (const family of FAMILIES) {
  test(`${family}: logits and last hidden state match PyTorch within 1e-5 from safetensors, zip and legacy .bin`, async () => {
    const r = REF[family];
    const outs: Record<string, { logits: Float32Array; hidden: Float32Array }> = {};
    for (const format of ['safetensors', 'zip', 'legacy'] as const) {
      const m = await AutoModelForSequenceClassification.from_pretrained(
        folder(`${family}-${format}`, r.config, stateOf(r), format),
        quiet,
      );
      assert.equal(m.report!.format, format === 'safetensors' ? 'safetensors' : `pytorch-${format}`);
      assert.deepEqual([m.report!.unused, m.report!.newly_initialized], [[], []]);
      outs[format] = run(m, r);
      assertClose(outs[format].logits, r.logits, 1e-5, 0, `${family}/${format} logits`);
      assertClose(outs[format].hidden, r.last_hidden_state, 1e-5, 0, `${family}/${format} last_hidden_state`);
      m.dispose();
    }
    // The same float32 weights, whatever the container: bit-identical outputs.
    assert.deepEqual(outs.zip.logits, outs.safetensors.logits);
    assert.deepEqual(outs.legacy.logits, outs.safetensors.logits);
    assert.ok(Math.max(...r.logits.map(Math.abs)) > 0.5, 'reference logits too small to be a meaningful check');
  });

  test(`${family}: a pre-training checkpoint loads its encoder, reports the unused and the newly initialised weights`, async () => {
    const r = REF[family];
    const prefix = `${family}.`;
    // As hub checkpoints come: no classifier, an int64 position_ids buffer, a pre-training head, and for
    // BERT-style base models no `bert.` prefix and old LayerNorm names (gamma/beta).
    const bare = family !== 'electra';
    const w = new Map<string, TorchTensorSpec>();
    for (const [k, v] of stateOf(r, (k) => k.startsWith(prefix))) {
      let name = bare ? k.slice(prefix.length) : k;
      if (family === 'bert')
        name = name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
      w.set(name, v);
    }
    w.set(`${bare ? '' : prefix}embeddings.position_ids`, {
      shape: [1, 16],
      data: BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i)),
    });
    w.set('pretraining_head.bias', { shape: [3], data: new Float32Array([1, 2, 3]) });
    const logs: string[] = [];
    const m = await AutoModelForSequenceClassification.from_pretrained(
      folder(`${family}-pretrain`, r.config, w, 'legacy'),
      { num_labels: 4, seed: 7, log: (s) => logs.push(s) },
    );
    const head = [...m.params.keys()].filter((k) => !k.startsWith(prefix));
    assert.deepEqual(m.report!.unused, ['pretraining_head.bias']);
    assert.deepEqual(m.report!.newly_initialized, head);
    assert.deepEqual(m.report!.ignored, [`${bare ? '' : prefix}embeddings.position_ids`]);
    assert.match(
      logs.join('\n'),
      /were not used when initializing .*ForSequenceClassification: \[pretraining_head\.bias\]/,
    );
    assert.match(logs.join('\n'), /newly initialized: \[.*classifier.*\]/);
    assertClose(run(m, r).hidden, r.last_hidden_state, 1e-5, 0, `${family} encoder`);
    // HF's init of the head: normal(0, initializer_range) weights, zero biases.
    for (const k of head) {
      const v = Array.from(m.params.get(k)!.dataSync());
      if (k.endsWith('.bias'))
        assert.ok(
          v.every((x) => x === 0),
          `${k} not zero`,
        );
      else {
        const sd = Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
        assert.ok(sd > 0.01 && sd < 0.03, `${k}: std ${sd}`);
      }
    }
    m.dispose();
  });
}

test('save_pretrained writes config.json with the Korean labels, model.safetensors and the tokenizer; it loads back equal', async () => {
  const r = REF.electra;
  const m = await AutoModelForSequenceClassification.from_pretrained(
    folder('save-src', r.config, stateOf(r), 'zip'),
    quiet,
  );
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '안녕', '##하세요', '하이소'];
  const out = path.join(tmp, 'saved');
  const files = m.save_pretrained(out, { tokenizer: new BertTokenizer(vocab, { do_lower_case: false }) });
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), [
    'config.json',
    'model.safetensors',
    'tokenizer_config.json',
    'vocab.txt',
  ]);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.num_labels, 4);
  assert.deepEqual(config.id2label, { 0: '표준어', 1: '경상도', 2: '제주도', 3: '전라도' });
  assert.deepEqual(config.label2id, Object.fromEntries(LABELS.map((l, i) => [l, i])));
  assert.deepEqual(config.architectures, ['ElectraForSequenceClassification']);
  assert.equal(readCheckpoint(path.join(out, 'model.safetensors')).metadata.format, 'pt');
  assert.ok(!fs.readdirSync(out).some((f) => f.endsWith('.tmp')), 'temporary files left behind');
  const back = await AutoModelForSequenceClassification.from_pretrained(out, quiet);
  assert.deepEqual(run(back, r).logits, run(m, r).logits);
  assert.deepEqual(back.report!.newly_initialized, []);
  const tok = await AutoTokenizer.from_pretrained(out);
  assert.deepEqual(tok.tokenize('안녕하세요 하이소'), ['안녕', '##하세요', '하이소']);
  // A checkpoint is stored [out, in] as PyTorch has it, whatever tfjs keeps in memory.
  assert.deepEqual(
    readCheckpoint(path.join(out, 'model.safetensors')).tensors.get('classifier.out_proj.weight')!.shape,
    [4, 8],
  );
  m.dispose();
  back.dispose();
});

test('save_pretrained with a KoBertTokenizer copies its folder and names the class, so it loads back as KoBERT', async () => {
  const r = REF.electra;
  const m = await AutoModelForSequenceClassification.from_pretrained(
    folder('save-kobert-src', r.config, stateOf(r), 'zip'),
    quiet,
  );
  const src = path.join(tmp, 'kobert-hub-layout');
  fs.mkdirSync(src, { recursive: true });
  const tiny = path.join(__dirname, '..', 'fixtures', 'tokenizers', 'kobert-tiny');
  for (const f of ['vocab.txt', 'tokenizer_78b3253a26.model']) fs.copyFileSync(path.join(tiny, f), path.join(src, f));
  fs.writeFileSync(path.join(src, 'tokenizer_config.json'), '{"do_lower_case": false, "model_max_length": 512}');
  const kb = await AutoTokenizer.from_pretrained(src, { tokenizer_class: 'KoBertTokenizer' });
  const out = path.join(tmp, 'saved-kobert');
  const files = m.save_pretrained(out, { tokenizer: kb });
  assert.deepEqual(files.map((f) => path.basename(f)).sort(), [
    'config.json',
    'model.safetensors',
    'tokenizer_78b3253a26.model',
    'tokenizer_config.json',
    'vocab.txt',
  ]);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'tokenizer_config.json'), 'utf8')), {
    do_lower_case: false,
    model_max_length: 512,
    tokenizer_class: 'KoBertTokenizer',
  });
  const back = await AutoTokenizer.from_pretrained(out);
  assert.equal(back.constructor.name, 'KoBertTokenizer');
  assert.deepEqual(back.encode('한국어 모델을 공유합니다.'), kb.encode('한국어 모델을 공유합니다.'));
  m.dispose();
});

test('num_labels: taken from config.json, overridable when the head is new, a conflict with a trained head is an error', async () => {
  const r = REF.bert;
  const dir = folder(
    'labels',
    { ...r.config, num_labels: undefined, id2label: { 0: 'a', 1: 'b', 2: 'c', 3: 'd' } },
    stateOf(r),
    'safetensors',
  );
  const m = await AutoModelForSequenceClassification.from_pretrained(dir, quiet);
  assert.equal(m.config.num_labels, 4);
  assert.deepEqual(m.config.id2label, { 0: 'a', 1: 'b', 2: 'c', 3: 'd' });
  m.dispose();
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(dir, { ...quiet, num_labels: 2 }),
    (e: Error) =>
      e.message.includes(path.join(dir, 'model.safetensors')) &&
      e.message.includes("'classifier.weight'") &&
      e.message.includes('[4,8]') &&
      e.message.includes('ignore_mismatched_sizes'),
  );
  const re = await AutoModelForSequenceClassification.from_pretrained(dir, {
    ...quiet,
    num_labels: 2,
    ignore_mismatched_sizes: true,
  });
  assert.deepEqual(
    re.report!.mismatched.map((x) => x.name),
    ['classifier.weight', 'classifier.bias'],
  );
  assert.deepEqual(re.config.id2label, { 0: 'LABEL_0', 1: 'LABEL_1' });
  re.dispose();
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(dir, { ...quiet, num_labels: 3, id2label: ['x', 'y'] }),
    /num_labels 3 conflicts with id2label/,
  );
});

test('damaged checkpoints fail with the file and the tensor named', async () => {
  const r = REF.distilbert;
  const st = folder('trunc-st', r.config, stateOf(r), 'safetensors');
  const file = path.join(st, 'model.safetensors');
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 100));
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(st, quiet),
    (e: Error) => e.message.startsWith(file) && /truncated: tensor '[^']+' ends at byte/.test(e.message),
  );
  fs.writeFileSync(file, full.subarray(0, 20));
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(st, quiet),
    (e: Error) => e.message.startsWith(file) && /truncated/.test(e.message),
  );
  const bad = Buffer.from(full);
  bad.write('#', 9);
  fs.writeFileSync(file, bad);
  await assert.rejects(AutoModelForSequenceClassification.from_pretrained(st, quiet), /corrupted safetensors header/);

  for (const format of ['zip', 'legacy'] as const) {
    const dir = folder(`trunc-${format}`, r.config, stateOf(r), format);
    const bin = path.join(dir, 'pytorch_model.bin');
    const whole = fs.readFileSync(bin);
    fs.writeFileSync(bin, whole.subarray(0, whole.length - 300));
    await assert.rejects(
      AutoModelForSequenceClassification.from_pretrained(dir, quiet),
      (e: Error) => e.message.startsWith(bin) && /truncated/.test(e.message),
      format,
    );
    fs.writeFileSync(bin, whole.subarray(0, 200)); // cut inside the pickle stream
    await assert.rejects(
      AutoModelForSequenceClassification.from_pretrained(dir, quiet),
      (e: Error) => e.message.startsWith(bin),
      format,
    );
  }
  const junk = folder('junk', r.config, stateOf(r), 'zip');
  fs.writeFileSync(path.join(junk, 'pytorch_model.bin'), 'not a checkpoint at all');
  await assert.rejects(AutoModelForSequenceClassification.from_pretrained(junk, quiet), /not a PyTorch checkpoint/);
});

test('shape mismatches, unknown model_type and missing files are clear errors', async () => {
  const r = REF.bert;
  const dir = folder('shape', { ...r.config, intermediate_size: 20 }, stateOf(r), 'safetensors');
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(dir, quiet),
    (e: Error) =>
      e.message.includes('model.safetensors') &&
      e.message.includes("'bert.encoder.layer.0.intermediate.dense.weight' has shape [16,8]") &&
      e.message.includes('expects [20,8]'),
  );
  const gpt = folder('gpt', { ...r.config, model_type: 'gpt2' }, stateOf(r), 'safetensors');
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(gpt, quiet),
    (e: Error) =>
      e.message.includes(path.join(gpt, 'config.json')) && e.message.includes("model_type 'gpt2' is not supported"),
  );
  const empty = path.join(tmp, 'no-weights');
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(empty, 'config.json'), JSON.stringify(r.config));
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(empty, quiet),
    /no model weights: looked for model.safetensors and pytorch_model.bin/,
  );
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(path.join(tmp, 'nowhere', 'x'), quiet),
    /no such folder/,
  );
});

test('float16, bfloat16 and float64 tensors decode to float32', () => {
  const u16 = (xs: number[]) => new Uint8Array(Uint16Array.from(xs).buffer);
  assert.deepEqual(
    [...decodeFloat32(u16([0x3c00, 0xc000, 0x7bff, 0x0001, 0x3555]), 'F16', 5)],
    [1, -2, 65504, 2 ** -24, Math.fround(0.333251953125)],
  );
  assert.deepEqual([...decodeFloat32(u16([0x3f80, 0xc040, 0x0000]), 'BF16', 3)], [1, -3, 0]);
  assert.deepEqual(
    [...decodeFloat32(new Uint8Array(Float64Array.from([0.5, -1e10]).buffer), 'F64', 2)],
    [0.5, Math.fround(-1e10)],
  );
});

const torchOk = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
test(
  'interop with PyTorch itself: torch.save files load here, files written here load in torch',
  { skip: torchOk ? false : 'python3 with torch not installed' },
  async () => {
    const script = path.join(__dirname, '..', 'reference', 'models_reference.py');
    const bins = path.join(tmp, 'torch');
    const made = spawnSync('/usr/bin/python3', [script, '--save-bin', bins], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const written: string[] = [];
    for (const family of FAMILIES) {
      const r = REF[family];
      for (const f of ['classifier-zip.bin', 'classifier-legacy.bin']) {
        const dir = path.join(tmp, `torch-${family}-${f}`);
        fs.mkdirSync(dir);
        fs.copyFileSync(path.join(bins, family, f), path.join(dir, 'pytorch_model.bin'));
        fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(r.config));
        const m = await AutoModelForSequenceClassification.from_pretrained(dir, quiet);
        assertClose(run(m, r).logits, r.logits, 1e-5, 0, `${family} ${f}`);
        m.dispose();
      }
      for (const f of ['pretrain-zip.bin', 'pretrain-legacy.bin']) {
        const sd = readCheckpoint(path.join(bins, family, f));
        assert.equal(sd.tensors.get(`${family}.embeddings.position_ids`)!.dtype, 'I64');
      }
      const out = path.join(tmp, 'ours', family);
      fs.mkdirSync(out, { recursive: true });
      writeSafetensors(path.join(out, 'model.safetensors'), stateOf(r));
      writeTorchBin(path.join(out, 'zip.bin'), stateOf(r), 'zip');
      writeTorchBin(path.join(out, 'legacy.bin'), stateOf(r), 'legacy');
      written.push(...['model.safetensors', 'zip.bin', 'legacy.bin'].map((f) => path.join(out, f)));
    }
    const checked = spawnSync('/usr/bin/python3', [script, '--check', ...written], { encoding: 'utf8' });
    assert.equal(checked.status, 0, checked.stderr);
    for (const [file, res] of Object.entries(
      JSON.parse(checked.stdout) as Record<string, { max_abs_diff: number; missing: string[]; extra: string[] }>,
    )) {
      assert.deepEqual([res.max_abs_diff, res.missing, res.extra], [0, [], []], file);
    }
  },
);

test('freezing by group, layer index and name pattern, with a table of trainable parameter counts', async () => {
  const r = REF.bert;
  const m = await AutoModelForSequenceClassification.from_pretrained(
    folder('freeze', r.config, stateOf(r), 'safetensors'),
    quiet,
  );
  const all = m.numParameters().total;
  freeze(m, { allButHead: true });
  const head = 8 * 4 + 4;
  assert.deepEqual(m.numParameters(), { total: all, trainable: head });
  unfreeze(m, { upToLayer: 1 });
  assert.ok(
    m.params.get('bert.encoder.layer.1.output.dense.weight')!.trainable &&
      !m.params.get('bert.embeddings.word_embeddings.weight')!.trainable,
  );
  unfreeze(m, { pattern: 'pooler' });
  freeze(m, { layers: [0] });
  const rows = trainableTable(m);
  assert.deepEqual(
    rows.map((x) => x.group),
    ['embeddings', 'layer 0', 'layer 1', 'pooler', 'head', 'total'],
  );
  const layer = 4 * 72 + 2 * 16 + 8 * 16 + 16 + 16 * 8 + 8;
  assert.deepEqual(
    rows.map((x) => [x.params, x.trainable]),
    [
      [30 * 8 + 16 * 8 + 2 * 8 + 16, 0],
      [layer, 0],
      [layer, layer],
      [72, 72],
      [head, head],
      [all, layer + 72 + head],
    ],
  );
  assert.match(
    formatTrainableTable(rows),
    /^group\s+tensors\s+params\s+trainable\s+frozen\nembeddings\s+5\s+400\s+0\s+all/,
  );
  assert.throws(() => freeze(m, { layers: [2] }), /layer 2 does not exist: this bert model has layers 0\.\.1/);
  assert.throws(() => freeze(m, { pattern: /nothing/ }), /selects no parameter/);
  m.dispose();
});

test('forwardBatch / forwardFile (hai forward): eval-mode logits and last hidden state as JSON, inputs checked', async () => {
  const r = REF.electra;
  const dir = folder('forward', r.config, stateOf(r), 'legacy');
  const m = await AutoModelForSequenceClassification.from_pretrained(dir, quiet);
  const out = forwardBatch(m, {
    input_ids: r.input_ids,
    attention_mask: r.attention_mask,
    token_type_ids: r.token_type_ids,
  });
  assertClose(out.logits.flat(), r.logits, 1e-5);
  assertClose(out.last_hidden_state.flat(2), r.last_hidden_state, 1e-5);
  assert.deepEqual(
    [out.last_hidden_state.length, out.last_hidden_state[0].length, out.last_hidden_state[0][0].length],
    [3, 7, 8],
  );
  assert.throws(
    () => forwardBatch(m, { input_ids: [[2, 30]] }),
    /input_ids\[0\]\[1\] = 30: ids must be in 0\.\.29 \(vocab_size 30\)/,
  );
  assert.throws(() => forwardBatch(m, { input_ids: [[2, 3], [2]] }), /input_ids: row 1 has 1 entries, expected 2/);
  assert.throws(
    () => forwardBatch(m, { input_ids: [[2, 3]], attention_mask: [[1, 2]] }),
    /attention_mask\[0\]\[1\] = 2: must be 0 or 1/,
  );
  assert.throws(
    () => forwardBatch(m, { input_ids: [Array(17).fill(2)] }),
    /sequence length 17 exceeds max_position_embeddings 16/,
  );
  m.dispose();
  const input = path.join(tmp, 'batch.json'),
    output = path.join(tmp, 'out.json');
  fs.writeFileSync(
    input,
    JSON.stringify({ input_ids: r.input_ids, attention_mask: r.attention_mask, token_type_ids: r.token_type_ids }),
  );
  const text = await forwardFile({ model: dir, input, output, ...quiet });
  assert.deepEqual(JSON.parse(fs.readFileSync(output, 'utf8')), JSON.parse(text));
  assertClose(JSON.parse(text).logits.flat(), r.logits, 1e-5);
  fs.writeFileSync(input, '{"input_ids": [[1, 2], [3]]}');
  await assert.rejects(
    forwardFile({ model: dir, input, ...quiet }),
    (e: Error) => e.message.startsWith(input) && /row 1 has 1 entries/.test(e.message),
  );
});

test('training mode applies dropout (seeded), eval mode does not', async () => {
  const r = REF.distilbert;
  const m = await AutoModelForSequenceClassification.from_pretrained(
    folder('dropout', { ...r.config, dropout: 0.3 }, stateOf(r), 'zip'),
    quiet,
  );
  const go = (opts: { training?: boolean; seed?: number }) =>
    tf.tidy(
      () =>
        m
          .forward(
            tf.tensor2d(r.input_ids, undefined, 'int32'),
            tf.tensor2d(r.attention_mask, undefined, 'int32'),
            opts,
          )
          .dataSync() as Float32Array,
    );
  assertClose(go({}), r.logits, 1e-5);
  assert.ok(maxDiff(go({ training: true, seed: 1 }), r.logits) > 1e-3);
  assert.deepEqual(go({ training: true, seed: 1 }), go({ training: true, seed: 1 }));
  m.dispose();
});

test('a config.json without model_type (old hub checkpoints) is recognised by its keys', async () => {
  for (const family of ['distilbert', 'electra']) {
    const r = REF[family];
    const m = await AutoModelForSequenceClassification.from_pretrained(
      folder(`no-type-${family}`, { ...r.config, model_type: undefined }, stateOf(r), 'zip'),
      quiet,
    );
    assert.equal(m.config.model_type, family);
    assertClose(run(m, r).logits, r.logits, 1e-5);
    m.dispose();
  }
});
