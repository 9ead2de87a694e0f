/**
 * The KoBERT-style tokenizer trained in TypeScript (src/text/spmtrain.ts, src/text/darts.ts): the model loads in the
 * real SentencePiece (@agnai/sentencepiece-js), its normaliser composes KoBertTokenizer's NFKD jamo back into
 * syllables, training is deterministic, and the folder reads as KoBERT when asked and as WordPiece (mostly [UNK])
 * by transformers' resolution. Where Debian's `spm_encode` is installed (apt-get install sentencepiece), the C++
 * SentencePiece must give the same pieces.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import { readRowsCsv } from '../../src/data/rows';
import { buildDoubleArray, hangulComposeRules, precompiledCharsMap } from '../../src/text/darts';
import { loadSentencePiece, kobertPreprocess } from '../../src/text/sentencepiece';
import { trainKoBertTokenizer, trainUnigram, unigramModelProto } from '../../src/text/spmtrain';
import { DistilBertTokenizer, KoBertTokenizer } from '../../src/text/tokenizer';
import { unkStats } from '../../src/text/unkstats';
import { ROOT } from '../helpers';

const ROWS = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv')).map((r) => r.contents);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hai-spm-'));

/** darts-clone's commonPrefixSearch, written from its unit layout (a second reading, to check the builder). */
function prefixSearch(units: Uint32Array, key: Uint8Array): [number, number][] {
  const offset = (u: number) => (u >>> 10) << ((u & (1 << 9)) >>> 6);
  const out: [number, number][] = [];
  let p = offset(units[0]);
  for (let i = 0; i < key.length; i++) {
    p ^= key[i];
    const u = units[p] ?? 0;
    if ((u & 0x800000ff) >>> 0 !== key[i]) return out;
    p ^= offset(u);
    if ((u >>> 8) & 1) out.push([units[p] & 0x7fffffff, i + 1]);
  }
  return out;
}

test('double array: every key found with its value, prefixes too, nothing else', () => {
  const enc = new TextEncoder();
  const keys = ['a', 'ab', 'abc', 'b', 'ba', 'xyz', '한', '한국'];
  const units = buildDoubleArray(keys.map((k, i) => [enc.encode(k), i * 10]));
  assert.equal(units.length % 256, 0, 'whole blocks: any byte lookup stays in the array');
  assert.deepEqual(prefixSearch(units, enc.encode('abcd')), [
    [0, 1],
    [10, 2],
    [20, 3],
  ]);
  assert.deepEqual(prefixSearch(units, enc.encode('bab')), [
    [30, 1],
    [40, 2],
  ]);
  assert.deepEqual(prefixSearch(units, enc.encode('한국어')), [
    [60, 3],
    [70, 6],
  ]);
  for (const miss of ['c', 'xy', 'xz', 'za', '국']) assert.deepEqual(prefixSearch(units, enc.encode(miss)), [], miss);
  assert.throws(() => buildDoubleArray([[new Uint8Array(), 1]]), /empty key/);
  const rules = hangulComposeRules();
  assert.equal(rules.length, 11172);
  const all = buildDoubleArray(rules.map(([from], i) => [enc.encode(from), i]));
  for (const i of [0, 1, 27, 28, 5000, 11171]) {
    const hits = prefixSearch(all, enc.encode(rules[i][0]));
    assert.equal(hits[hits.length - 1][0], i, rules[i][1]);
  }
  const blob = precompiledCharsMap([
    ['x', 'yy'],
    ['xz', ''],
  ]);
  assert.equal(blob.readUInt32LE(0) % 1024, 0);
  assert.deepEqual([...blob.subarray(4 + blob.readUInt32LE(0))], [0x79, 0x79, 0, 0], 'NUL-terminated replacements');
  assert.throws(
    () =>
      precompiledCharsMap([
        ['x', 'a'],
        ['x', 'b'],
      ]),
    /two rules for "x"/,
  );
});

test("the trained model loads in SentencePiece and composes KoBertTokenizer's NFKD jamo back", async () => {
  const pieces = trainUnigram(['한국어 모델을 공유합니다.', '한국어 모델', '모델을 공유'], { vocab_size: 40 });
  assert.ok(
    pieces.some((p) => p.piece === '▁모델'),
    JSON.stringify(pieces),
  );
  const d = tmp(),
    f = path.join(d, 'm.model');
  fs.writeFileSync(f, unigramModelProto(pieces));
  const sp = await loadSentencePiece(f);
  assert.deepEqual(
    sp.encodePieces('한국어 모델을'.normalize('NFKD')),
    sp.encodePieces('한국어 모델을'),
    'jamo in, syllables out',
  );
  assert.ok(
    sp
      .encodePieces('모델을 공유'.normalize('NFKD'))
      .every((p) => p.normalize('NFC') === p && !/[\u1100-\u11ff]/.test(p)),
  );
  assert.deepEqual(sp.encodePieces('  모델   모델 ').join('|'), '▁모델|▁모델', 'spaces collapsed, ▁ before each word');
  fs.rmSync(d, { recursive: true, force: true });
});

test('KoBERT-style folder from the course corpus: deterministic, covers the corpus, [UNK]s under WordPiece', async () => {
  const a = tmp(),
    b = tmp();
  const t0 = Date.now();
  const vocab = trainKoBertTokenizer(a, ROWS, { vocab_size: 1500 });
  const seconds = (Date.now() - t0) / 1000;
  trainKoBertTokenizer(b, [...ROWS], { vocab_size: 1500 });
  for (const f of ['vocab.txt', 'tokenizer_78b3253a26.model', 'tokenizer_config.json'])
    assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), `${f} deterministic`);
  assert.ok(seconds < 30, `trained in ${seconds} s`);
  assert.deepEqual(vocab.slice(0, 5), ['[UNK]', '[PAD]', '[CLS]', '[SEP]', '[MASK]']);
  assert.ok(vocab.length > 1000 && vocab.length <= 1502, `${vocab.length}`);
  assert.ok(
    vocab.filter((t) => t.startsWith('▁')).length > 200 && !vocab.some((t) => t.startsWith('##')),
    'KoBERT layout: ▁ pieces, no ## pieces',
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(a, 'tokenizer_config.json'), 'utf8')), {
    do_lower_case: false,
    model_max_length: 512,
  });
  fs.writeFileSync(path.join(a, 'config.json'), JSON.stringify({ model_type: 'distilbert' }));
  const kb = await AutoTokenizer.from_pretrained(a, { tokenizer_class: 'KoBertTokenizer' });
  assert.ok(kb instanceof KoBertTokenizer);
  const k = unkStats(kb, ROWS, 16);
  assert.equal(k.unk_share, 0, 'every training character is a piece');
  for (const row of ROWS.slice(0, 300)) {
    const pieces: string[] = kb.tokenize(row);
    assert.equal(
      pieces.join('').replaceAll('▁', ''),
      kobertPreprocess(row, { remove_space: true, keep_accents: false, do_lower_case: false })
        .normalize('NFC')
        .replaceAll(' ', ''),
      row,
    );
  }
  const wp = await AutoTokenizer.from_pretrained(a);
  assert.ok(wp instanceof DistilBertTokenizer);
  const w = unkStats(wp, ROWS, 16);
  assert.ok(w.unk_share > 0.4 && w.masked_share >= w.unk_share - 0.01, JSON.stringify(w));
  assert.ok(
    k.tokens_per_row > w.tokens_per_row,
    'KoBERT cuts words into pieces; WordPiece gives one [UNK] per unknown word',
  );
  for (const d of [a, b]) fs.rmSync(d, { recursive: true, force: true });
});

const spmEncode = spawnSync('spm_encode', ['--help'], { encoding: 'utf8' });
test(
  'the C++ SentencePiece (Debian spm_encode) gives the same pieces as the wasm one',
  { skip: spmEncode.error ? 'spm_encode not installed (apt-get install sentencepiece)' : false },
  async () => {
    const d = tmp();
    trainKoBertTokenizer(d, ROWS, { vocab_size: 1500 });
    const model = path.join(d, 'tokenizer_78b3253a26.model');
    const texts = [
      ...ROWS.slice(0, 400),
      ...readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_valid.csv'))
        .slice(0, 200)
        .map((r) => r.contents),
    ].map((t) => kobertPreprocess(t, { remove_space: true, keep_accents: false, do_lower_case: false }));
    const r = spawnSync('spm_encode', [`--model=${model}`, '--output_format=piece'], {
      input: texts.join('\n') + '\n',
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const sp = await loadSentencePiece(model);
    assert.deepEqual(
      r.stdout.trimEnd().split('\n'),
      texts.map((t) => sp.encodePieces(t).join(' ')),
    );
    fs.rmSync(d, { recursive: true, force: true });
  },
);
