/**
 * Bad input as a new user meets it (notebooks/03_baseline.ipynb): each stops with one line naming the file
 * and the row or the setting, exits non-zero, and writes nothing. Through the built CLI (`npm run build`).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRowsCsv } from '../../src/data/rows';
import { checkCourseConfig } from '../../src/course/config';
import { runCourse } from '../../src/course/course';
import { parseOverrides } from '../../src/cli/modelcmds';
import { hai } from '../helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-badinput-'));
const csv = (name: string, body: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `contents,label\n${body}`);
  return f;
};
const emptyRow = csv('empty.csv', '안녕하세요,0\n\n"  ",1\n');
const label7 = csv('seven.csv', '안녕하세요,0\n뭐라카노,7\n');
/** `hai train` with `args`, into a fresh --out that must not exist afterwards. */
function train(args: string[]) {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = hai(['train', '--out', out, ...args], { HAI_STANDIN: '1' });
  assert.ok(!fs.existsSync(out), `nothing is written: ${out} exists`);
  return r;
}

test('readRowsCsv names the file and row of an empty contents and of a label the course does not have', () => {
  assert.throws(
    () => readRowsCsv(emptyRow),
    new RegExp(`^Error: ${emptyRow.replace(/[.\\]/g, '\\$&')}: row 4: contents is empty`),
  );
  assert.throws(
    () => readRowsCsv(label7, { numLabels: 4 }),
    /seven\.csv: row 3: label 7, but the course has 4 labels \(0\.\.3\)/,
  );
  assert.equal(readRowsCsv(label7).length, 2, 'without numLabels any integer label is read');
});

test('hai train: an empty contents in the training CSV stops before the model loads, naming file and row', () => {
  const r = train(['--train_path', emptyRow]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /hai: error: .*empty\.csv: row 4: contents is empty/);
  assert.doesNotMatch(r.stdout + r.stderr, /stand-in|epoch/i);
});

test('hai train: label 7 in the validation CSV names the file and row', () => {
  const r = train(['--valid_path', label7]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /hai: error: .*seven\.csv: row 3: label 7, but the course has 4 labels/);
});

test('hai train --lr abc (and other mistyped overrides) stop before any work, naming every bad setting', () => {
  let r = train(['--lr', 'abc']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trim(), 'hai: error: overrides: lr: expected a positive number, got "abc"');
  r = train(['--epochs', '2.5', '--sampler', 'rnd', '--loss.gamma', '"2"', '--freeze', 'true']);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /epochs: expected a positive integer, got 2\.5; sampler: expected one of sequential, random, weighted, got "rnd"; loss\.gamma: expected a non-negative number, got "2"; freeze: expected an object or null, got true/,
  );
  const cfg = path.join(dir, 'cfg.json');
  fs.writeFileSync(cfg, JSON.stringify({ batch: 0, loss: { kind: 'huber', margin: 1 } }));
  r = train(['--config', cfg]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /cfg\.json: batch: expected a positive integer, got 0; loss\.kind: expected one of cross_entropy, focal, got "huber"; unknown setting loss\.margin/,
  );
});

test('overrides keep text settings as written and type the rest; the library checks a merged config too', async () => {
  assert.deepEqual(
    parseOverrides([
      '--model_ckpt',
      '123',
      '--lr',
      '1e-4',
      '--micro_batch',
      'null',
      '--loss.class_weights',
      'balanced',
      '--freeze',
      '{"layers":[0]}',
    ]),
    { model_ckpt: '123', lr: 1e-4, micro_batch: null, loss: { class_weights: 'balanced' }, freeze: { layers: [0] } },
  );
  assert.doesNotThrow(() =>
    checkCourseConfig({ sampler: 'weighted', max_train: null, activation_checkpointing: true, standin: true }, 'x'),
  );
  await assert.rejects(runCourse({ lr: Number('abc') }), /^Error: config: lr: expected a positive number, got NaN/);
});
