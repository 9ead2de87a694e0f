/**
 * The in-memory graph (src/infer/graph.ts): a model's current weights as one ONNX graph give the tfjs model's
 * predictions for every exportable family, and the trainer's validation through it gives the same metrics as
 * through the model (so `eval_graph` changes the time, not a number).
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { AutoModelForSequenceClassification } from '../../src/models/automodel';
import { BertTokenizer } from '../../src/text/tokenizer';
import { trainWordPiece } from '../../src/text/wordpiece';
import { readRowsCsv } from '../../src/data/rows';
import { encodeRows } from '../../src/infer/load';
import { ExportableModel, graphLogits, graphProblem } from '../../src/infer/graph';
import { predict } from '../../src/infer/predict';
import { Trainer } from '../../src/train/trainer';
import { assertClose, ROOT } from '../helpers';

const rows = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv'));
const valid = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_valid.csv')).slice(0, 200);
let tok: BertTokenizer;

const small = (model_type: string) =>
  AutoModelForSequenceClassification.from_config(
    model_type === 'distilbert'
      ? { model_type, vocab_size: tok.vocab.size, dim: 32, n_layers: 2, n_heads: 4, hidden_dim: 64, num_labels: 4 }
      : {
          model_type,
          vocab_size: tok.vocab.size,
          embedding_size: 32,
          hidden_size: 32,
          num_hidden_layers: 2,
          num_attention_heads: 4,
          intermediate_size: 64,
          max_position_embeddings: 64,
          num_labels: 4,
          initializer_range: 0.2,
        },
    5,
  );

before(async () => {
  await initBackend('wasm');
  tok = new BertTokenizer(
    trainWordPiece(
      rows.map((r) => r.contents),
      { vocab_size: 600 },
    ),
    { do_lower_case: false },
  );
});

for (const family of ['electra', 'bert', 'distilbert']) {
  test(`${family}: the in-memory graph predicts as the tfjs model`, async () => {
    const model = small(family);
    assert.equal(graphProblem(model as unknown as ExportableModel), null);
    const enc = encodeRows(tok, valid, 48);
    const a = predict(model, enc, 32);
    const b = await predict(await graphLogits(model as unknown as ExportableModel), enc, 32);
    assert.deepEqual(b.preds, a.preds);
    assertClose(b.probs.flat(), a.probs.flat(), 1e-5, 0, 'probabilities');
    model.dispose();
  });
}

test('a model without an exportable config is named as such', () => {
  assert.match(String(graphProblem({ config: { model_type: 'gpt2' } as never, params: new Map() })), /gpt2/);
});

test("the trainer's validation through the graph gives the model's metrics, with tensors flat", async () => {
  const train = encodeRows(tok, rows.slice(0, 96), 32);
  const enc = encodeRows(tok, valid, 32);
  const run = async (eval_graph: boolean) => {
    const model = small('electra');
    const t = new Trainer(model, train, enc, { epochs: 2, batch_size: 32, lr: 1e-3, seed: 3, eval_graph }, {}, 4);
    const before = tf.memory().numTensors;
    const h = await t.fit();
    const leaked = tf.memory().numTensors - before;
    model.dispose();
    return { h, leaked };
  };
  const viaModel = await run(false);
  const viaGraph = await run(true);
  assert.equal(viaGraph.leaked, viaModel.leaked);
  assert.deepEqual(
    viaGraph.h.map((e) => e.valid),
    viaModel.h.map((e) => e.valid),
  );
  assert.deepEqual(
    viaGraph.h.map((e) => e.train_loss),
    viaModel.h.map((e) => e.train_loss),
  );
});
