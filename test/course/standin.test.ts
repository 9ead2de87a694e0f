/**
 * The offline recipe (issue #14, item 7): what a stand-in is (a jamo WordPiece tokenizer option), the stand-in
 * recipe of a preset (applied only when the loaded model is a stand-in), and the Naive Bayes baseline it is
 * measured against (notebooks/05_further.ipynb).
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { PRESETS, checkCourseConfig, courseDefaults, smokeConfig } from '../../src/course/config';
import { runCourse } from '../../src/course/course';
import { evalNaiveBayes, naiveBayesBaseline } from '../../src/course/baseline';
import { trainNaiveBayes } from '../../src/models/naivebayes';
import { buildStandin } from '../../src/models/standin';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import { CONJOINING_JAMO, trainWordPiece } from '../../src/text/wordpiece';
import { ROOT } from '../helpers';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hai-standin-recipe-'));
process.env.HAI_STANDIN_CACHE = tmp();
const rows = (f: string) => path.join(ROOT, 'data', 'rows', f);
before(async () => {
  await initBackend('wasm');
});

test('WordPiece alphabet: added as c and ##c, one character each', () => {
  const v = trainWordPiece(['ab ab'], { vocab_size: 1, alphabet: ['z'] });
  assert.ok(v.includes('z') && v.includes('##z'), v.join(' '));
  assert.throws(() => trainWordPiece(['ab'], { alphabet: ['zz'] }), /alphabet: "zz" is not one character/);
  assert.equal(CONJOINING_JAMO.length, 67);
  for (const c of '한국어뷁똠쀍'.normalize('NFD'))
    assert.ok(CONJOINING_JAMO.includes(c), `U+${c.codePointAt(0)!.toString(16)}`);
});

test('jamo stand-in: a word with a syllable the corpus lacks is not [UNK]; with syllables it is', async () => {
  const corpus = fs.readFileSync(rows('course_train.csv'), 'utf8');
  const word = '뷁쀍';
  for (const ch of word) assert.ok(!corpus.includes(ch), `${ch} must be absent from the corpus for this test`);
  const syl = await AutoTokenizer.from_pretrained(
    buildStandin('monologg/koelectra-small-v3-discriminator', { config: { jamo: false } }),
  );
  const jamo = await AutoTokenizer.from_pretrained(
    buildStandin('monologg/koelectra-small-v3-discriminator', { config: { jamo: true } }),
  );
  assert.deepEqual(syl.tokenize(`그랑께 ${word}`).slice(-1), ['[UNK]']);
  const pieces = jamo.tokenize(`그랑께 ${word}`);
  assert.ok(!pieces.includes('[UNK]'), pieces.join(' '));
  assert.equal(
    pieces
      .map((p) => p.replace(/^##/, ''))
      .join('')
      .normalize('NFC'),
    `그랑께${word}`,
    'the pieces spell the text',
  );
});

test('standin_recipe: checked like the fields it sets; smoke mode caps it; PRESETS.fast keeps the hub run as it was', () => {
  assert.throws(
    () => checkCourseConfig({ standin_recipe: { lr: 1 } }, 'overrides'),
    /standin_recipe: unknown setting lr; known: batch, epochs/,
  );
  assert.throws(
    () => checkCourseConfig({ standin_recipe: { batch: 0 } }, 'overrides'),
    /standin_recipe: batch: expected a positive integer, got 0/,
  );
  checkCourseConfig({ standin_recipe: { batch: 32, loss: { class_weights: 'balanced' } } }, 'overrides');
  const smoke = smokeConfig(courseDefaults({ standin_recipe: { epochs: 40, batch: 64, sampler: 'weighted' } }));
  assert.deepEqual(smoke.standin_recipe, { epochs: 5, batch: 32, sampler: 'weighted' });
  // The real hub model's run (`--preset fast` without --standin) is the tuned run on the fast pipeline, unchanged.
  const { standin_recipe, ...hubRun } = PRESETS.fast;
  assert.deepEqual(hubRun, { ...PRESETS.tuned, dynamic_padding: true, group_by_length: true });
  assert.ok(standin_recipe && Object.keys(standin_recipe).length > 0);
});

test('runCourse applies standin_recipe to stand-ins only', async () => {
  const snap = buildStandin('monologg/koelectra-small-v3-discriminator');
  // The same folder without the stand-in mark: loads as an ordinary checkpoint.
  const plain = tmp();
  for (const f of fs.readdirSync(snap)) fs.copyFileSync(path.join(snap, f), path.join(plain, f));
  const cfg = JSON.parse(fs.readFileSync(path.join(plain, 'config.json'), 'utf8'));
  delete cfg.hai_standin;
  fs.writeFileSync(path.join(plain, 'config.json'), JSON.stringify(cfg));
  const base = { epochs: 1, batch: 32, max_train: 64, max_valid: 32, standin_recipe: { epochs: 2, batch: 16 } };
  const s = await runCourse({ ...base, model_ckpt: snap });
  assert.ok(s.model.is_standin);
  assert.equal(s.history.length, 2);
  assert.equal(s.config.batch, 16);
  s.model.dispose();
  const p = await runCourse({ ...base, model_ckpt: plain });
  assert.ok(!p.model.is_standin);
  assert.equal(p.history.length, 1);
  assert.equal(p.config.batch, 32);
  p.model.dispose();
});

test('Naive Bayes baseline on a course config: the clean split, and all-standard rows give macro-F1 over present labels', () => {
  const r = naiveBayesBaseline({ train_path: rows('clean_train.csv'), valid_path: rows('clean_valid.csv') });
  assert.equal(r.valid.n, 700);
  assert.equal(
    r.valid.confusion.flat().reduce((a, b) => a + b, 0),
    700,
  );
  assert.ok(
    r.valid.accuracy > 0.8 && r.valid.macro_f1 > 0.8,
    JSON.stringify({ acc: r.valid.accuracy, f1: r.valid.macro_f1 }),
  );
  const sub = naiveBayesBaseline({
    train_path: rows('clean_train.csv'),
    valid_path: rows('clean_valid.csv'),
    max_train: 100,
    max_valid: 50,
  });
  assert.equal(sub.train_rows, 100);
  assert.equal(sub.valid.n, 50);
  const m = trainNaiveBayes([
    { contents: '그랬당께', label: 3 },
    { contents: '그랬어요', label: 0 },
  ]);
  const e = evalNaiveBayes(m, [
    { contents: '그랬당께', label: 3 },
    { contents: '그랬어요', label: 0 },
  ]);
  assert.equal(e.accuracy, 1);
  assert.deepEqual(
    e.confusion.map((row) => row.reduce((a, b) => a + b, 0)),
    [1, 0, 0, 1],
  );
});
