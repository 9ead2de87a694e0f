/**
 * The course's runs end to end on the bundled corpus with offline stand-ins (notebooks/03_baseline.ipynb,
 * 04_tuned.ipynb), and the CLI around them: train, eval, predict, step, forward.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { PRESETS, courseDefaults, smokeConfig } from '../../src/course/config';
import { evenSubset, runCourse } from '../../src/course/course';
import { parseOverrides } from '../../src/cli/modelcmds';
import { hai } from '../helpers';

const CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-standins-'));
process.env.HAI_STANDIN_CACHE = CACHE;
const env = { HAI_STANDIN_CACHE: CACHE };
before(async () => {
  await initBackend('wasm');
});

test('overrides: --key value, JSON-parsed, nested with dots; unknown keys are named', () => {
  assert.deepEqual(parseOverrides(['--lr', '1e-4', '--sampler', 'random', '--loss.kind', 'focal', '--epochs=3']), {
    lr: 1e-4,
    sampler: 'random',
    loss: { kind: 'focal' },
    epochs: 3,
  });
  assert.throws(() => parseOverrides(['--learning_rate', '1']), /unknown setting learning_rate; known: train_path/);
  assert.throws(() => parseOverrides(['--lr']), /--lr needs a value/);
});

test('evenSubset keeps the order (and so the label runs) of a sorted table', () => {
  assert.deepEqual(evenSubset([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], 5), [0, 0, 1, 1, 2]);
  assert.deepEqual(evenSubset([1, 2], null), [1, 2]);
});

test('smoke configs on stand-ins: the baseline lands near chance, the tuned run far above it', async () => {
  const results: Record<string, { accuracy: number; macro_f1: number }> = {};
  for (const name of ['baseline', 'tuned'] as const) {
    const r = await runCourse(smokeConfig(courseDefaults({ ...PRESETS[name], standin: true })));
    const v = r.history[r.history.length - 1].valid!;
    results[name] = { accuracy: v.accuracy, macro_f1: v.macro_f1 };
    r.model.dispose();
  }
  console.log(JSON.stringify(results));
  // Macro-F1 of always answering one label is at most 0.17 here (half the rows are standard).
  assert.ok(results.baseline.macro_f1 < 0.25, `baseline macro-F1 ${results.baseline.macro_f1}`);
  assert.ok(results.tuned.macro_f1 > 0.3, `tuned macro-F1 ${results.tuned.macro_f1}`);
  assert.ok(results.tuned.accuracy > results.baseline.accuracy + 0.05);
});

test('hai train → epoch line, checkpoints and metrics.json; eval, predict, step and forward on the result', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-train-'));
  let r = hai(
    ['train', '--preset', 'baseline', '--smoke', '--standin', '--out', out, '--max_train', '200', '--max_valid', '64'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Epoch 0,  Average training loss: \d\.\d{4} , Validation accuracy : \d\.\d{4}$/m);
  assert.match(r.stderr, /STAND-IN MODEL: this is NOT the pre-trained 'monologg\/distilkobert'/);
  assert.deepEqual(fs.readdirSync(out).sort(), ['epoch-0', 'final', 'metrics.json']);
  const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.config.sampler, 'sequential');
  assert.equal(metrics.epochs.length, 1);
  const final = path.join(out, 'final');
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'training_args.json'])
    assert.ok(fs.existsSync(path.join(final, f)), f);

  r = hai(['eval', '--model', final, '--data', path.join('data', 'rows', 'course_valid.csv'), '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const ev = JSON.parse(r.stdout);
  assert.equal(ev.n, 767);
  assert.equal(ev.confusion.length, 4);
  assert.equal(
    ev.confusion.flat().reduce((a: number, b: number) => a + b, 0),
    767,
  );

  r = hai(['predict', '--model', final, '--json', '어데 가노', '어디 가세요'], env);
  assert.equal(r.code, 0, r.stderr);
  const preds = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(preds.length, 2);
  for (const p of preds) {
    assert.equal(p.name, ['표준어', '경상도', '제주도', '전라도'][p.label], 'label i is named LABELS[i]');
    assert.ok(Math.abs(p.probs.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
  }

  const batch = path.join(out, 'batch.json');
  fs.writeFileSync(
    batch,
    JSON.stringify({
      input_ids: [
        [2, 100, 200, 3, 0],
        [2, 300, 3, 0, 0],
      ],
      attention_mask: [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0],
      ],
      labels: [1, 0],
    }),
  );
  r = hai(
    ['step', '--model', final, '--input', batch, '--out', path.join(out, 'stepped'), '--no-dropout', '--lr', '1e-3'],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout);
  assert.ok(st.loss > 0 && st.grad_norm > 0);
  // Without dropout the step is deterministic: the same command gives the same numbers.
  const again = JSON.parse(
    hai(
      ['step', '--model', final, '--input', batch, '--out', path.join(out, 'stepped2'), '--no-dropout', '--lr', '1e-3'],
      env,
    ).stdout,
  );
  assert.deepEqual(again, st);
  assert.notEqual(
    fs
      .readFileSync(path.join(out, 'stepped', 'model.safetensors'))
      .compare(fs.readFileSync(path.join(final, 'model.safetensors'))),
    0,
  );

  r = hai(['forward', '--model', final, '--input', batch], env);
  assert.equal(r.code, 0, r.stderr);
  const fw = JSON.parse(r.stdout);
  assert.equal(fw.logits.length, 2);
  assert.equal(fw.logits[0].length, 4);
  assert.equal(fw.last_hidden_state[0].length, 5);

  r = hai(['train', '--preset', 'baseline', '--out', out, '--learning_rate', '1'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown setting learning_rate/);
});
