/**
 * AutoTokenizer's class resolution (src/text/tokenizerclass.ts), as transformers 4.2x's tokenization_auto.py:
 * tokenizer_config.json's tokenizer_class, then config.json's, then config.json's model_type. The folder laid out
 * like the hub's monologg/distilkobert (KoBERT's vocab.txt and SentencePiece model, model_type distilbert, no
 * tokenizer_class) gives WordPiece, as the course got; with tokenizer_class KoBertTokenizer, KoBERT's pieces.
 * Built from the kobert-tiny fixture (its vocab.txt has ▁ pieces and a few bare ones: 모델, 공유합니다, 밥, …).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import {
  BertTokenizer,
  DistilBertTokenizer,
  ElectraTokenizer,
  KoBertTokenizer,
  tokenizerResolution,
} from '../../src/text/tokenizer';
import { resolveTokenizerClass, sentencePieceMismatch } from '../../src/text/tokenizerclass';
import { HAI, ROOT } from '../helpers';

const TINY = path.join(ROOT, 'test', 'fixtures', 'tokenizers', 'kobert-tiny');
const HUB_TC = { do_lower_case: false, model_max_length: 512 }; // the hub's distilkobert tokenizer_config.json
const DISTILKOBERT_CONFIG = {
  model_type: 'distilbert',
  architectures: ['DistilBertModel'],
  dim: 64,
  n_layers: 2,
  n_heads: 4,
  hidden_dim: 128,
  vocab_size: 121,
  pad_token_id: 1,
};

/** A hub-layout DistilKoBERT folder: config.json, vocab.txt, tokenizer_78b3253a26.model, tokenizer_config.json. */
function distilkobertFolder(
  tc: Record<string, unknown> = HUB_TC,
  config: Record<string, unknown> | null = DISTILKOBERT_CONFIG,
): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-distilkobert-'));
  for (const f of ['vocab.txt', 'tokenizer_78b3253a26.model']) fs.copyFileSync(path.join(TINY, f), path.join(d, f));
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(tc));
  if (config) fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
  return d;
}
/** Runs `f` with process.stderr.write captured. */
async function stderrOf<T>(f: () => Promise<T>): Promise<[T, string]> {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((c: string | Uint8Array) => {
    text += c.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return [await f(), text];
  } finally {
    process.stderr.write = write;
  }
}

// KoBERT's pieces of these texts with the fixture model (pinned in tokenizer.test.ts), and WordPiece's reading of
// the same vocab.txt by HF's rules: a word is one piece only if the whole word is a bare (non-▁) entry, and no
// entry starts with ##, so any other word is [UNK]. 공유합니다 and 밥 are bare entries; 한국어, 모델을, 먹었니 are not.
const TEXT = '한국어 모델을 공유합니다.';
const KOBERT_PIECES = ['▁', '한', '국', '어', '▁모델', '을', '▁공유합니다', '.'];
const WORDPIECE = ['[UNK]', '[UNK]', '공유합니다', '.'];

test('hub-layout DistilKoBERT folder: model_type distilbert → DistilBertTokenizer (WordPiece), one warning', async () => {
  const d = distilkobertFolder();
  const [tok, err] = await stderrOf(() => AutoTokenizer.from_pretrained(d));
  assert.ok(tok instanceof DistilBertTokenizer && tok instanceof BertTokenizer && !(tok instanceof KoBertTokenizer));
  assert.deepEqual(tok.tokenize(TEXT), WORDPIECE);
  assert.deepEqual(tok.tokenize('밥 먹었니?'), ['밥', '[UNK]', '?']);
  assert.ok(!tok.tokenize('한국어 모델을 공유합니다. 밥 먹었니? 3, 00').some((t) => t.includes('▁')), 'no ▁ pieces');
  assert.deepEqual(
    tok.encode(TEXT),
    [2, 0, 0, 39, 6, 3],
    "[UNK] is id 0 in KoBERT, so the course's mask id > 0 hides it",
  );
  assert.deepEqual(
    { ...tokenizerResolution(tok), dir: undefined },
    {
      tokenizer_class: 'DistilBertTokenizer',
      from: 'model_type',
      model_type: 'distilbert',
      sentencepiece_files: ['tokenizer_78b3253a26.model'],
      kind: 'wordpiece',
      dir: undefined,
    },
  );
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.match(
    err,
    /^hai: warning: .*DistilBertTokenizer \(model_type distilbert in config.json\) reads vocab.txt as WordPiece, but the folder holds the SentencePiece model tokenizer_78b3253a26.model/,
  );
  const [, again] = await stderrOf(() => AutoTokenizer.from_pretrained(d));
  assert.equal(again, '', 'once per folder and process');
  fs.rmSync(d, { recursive: true, force: true });
});

test("tokenizer_class KoBertTokenizer (in tokenizer_config.json, config.json or the option) gives KoBERT's pieces as before", async () => {
  const inTc = distilkobertFolder({ ...HUB_TC, tokenizer_class: 'KoBertTokenizer' });
  const inConfig = distilkobertFolder(HUB_TC, { ...DISTILKOBERT_CONFIG, tokenizer_class: 'KoBertTokenizer' });
  const plain = distilkobertFolder();
  const fixture = await AutoTokenizer.from_pretrained(TINY);
  for (const [tok, from] of [
    [await AutoTokenizer.from_pretrained(inTc), 'tokenizer_config.json'],
    [await AutoTokenizer.from_pretrained(inConfig), 'config.json'],
    [await AutoTokenizer.from_pretrained(plain, { tokenizer_class: 'KoBertTokenizer' }), 'option'],
  ] as const) {
    assert.ok(tok instanceof KoBertTokenizer, from);
    assert.equal(tokenizerResolution(tok)!.from, from);
    assert.deepEqual(tok.tokenize(TEXT), KOBERT_PIECES, from);
    for (const s of [TEXT, '사과 3, 배 3,', '모두 12,000원', 'ㅋㅋㅋ 진짜'])
      assert.deepEqual(tok.encode(s), fixture.encode(s), `${from}: ${s}`);
  }
  for (const d of [inTc, inConfig, plain]) fs.rmSync(d, { recursive: true, force: true });
});

test('resolution order and errors follow tokenization_auto.py', () => {
  const d = distilkobertFolder(
    { ...HUB_TC, tokenizer_class: 'BertTokenizerFast' },
    { ...DISTILKOBERT_CONFIG, tokenizer_class: 'KoBertTokenizer' },
  );
  assert.equal(
    resolveTokenizerClass(d).tokenizer_class,
    'BertTokenizerFast',
    'tokenizer_config.json before config.json',
  );
  assert.equal(resolveTokenizerClass(d, 'ElectraTokenizer').tokenizer_class, 'ElectraTokenizer', 'the option first');
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ ...HUB_TC, tokenizer_class: null }));
  assert.equal(resolveTokenizerClass(d).from, 'config.json', 'null counts as absent');
  for (const [type, cls] of [
    ['bert', 'BertTokenizer'],
    ['electra', 'ElectraTokenizer'],
    ['distilbert', 'DistilBertTokenizer'],
  ]) {
    fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: type }));
    assert.deepEqual([resolveTokenizerClass(d).tokenizer_class, resolveTokenizerClass(d).from], [cls, 'model_type']);
  }
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: 'xlm-roberta' }));
  assert.throws(() => resolveTokenizerClass(d), /config.json: model_type "xlm-roberta" has no tokenizer here/);
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ dim: 64 }));
  assert.throws(() => resolveTokenizerClass(d), /config.json: no "model_type" and no "tokenizer_class"/);
  fs.writeFileSync(path.join(d, 'config.json'), '{');
  assert.throws(() => resolveTokenizerClass(d), /config.json: not valid JSON/);
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: 'bert', tokenizer_class: 3 }));
  assert.throws(() => resolveTokenizerClass(d), /config.json: "tokenizer_class" must be a class name/);
  fs.rmSync(path.join(d, 'config.json'));
  const r = resolveTokenizerClass(d);
  assert.deepEqual(
    [r.tokenizer_class, r.from],
    ['BertTokenizer', 'files'],
    'no config.json: the kit reads a bare folder as WordPiece',
  );
  assert.match(sentencePieceMismatch(d, r)!, /BertTokenizer \(no config.json, no tokenizer_class\)/);
  assert.equal(sentencePieceMismatch(d, resolveTokenizerClass(d, 'KoBertTokenizer')), null);
  fs.rmSync(d, { recursive: true, force: true });
});

test('hai tokenize resolves the same way: WordPiece on the hub layout, KoBERT with --tokenizer-class or tokenizer_class', () => {
  const plain = distilkobertFolder(),
    asked = distilkobertFolder({ ...HUB_TC, tokenizer_class: 'KoBertTokenizer' });
  const run = (dir: string, extra: string[] = []) =>
    spawnSync(process.execPath, [HAI, 'tokenize', '--tokenizer', dir, ...extra], {
      input: JSON.stringify({ text: TEXT }) + '\n',
      encoding: 'utf8',
    });
  const wp = run(plain);
  assert.equal(wp.status, 0, wp.stderr);
  assert.deepEqual(JSON.parse(wp.stdout).tokens, WORDPIECE);
  assert.match(wp.stderr, /^hai: warning: .*DistilBertTokenizer/m);
  for (const r of [run(asked), run(plain, ['--tokenizer-class', 'KoBertTokenizer'])]) {
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).tokens, KOBERT_PIECES);
    assert.equal(r.stderr, '');
  }
  const bad = run(plain, ['--tokenizer-class', 'GPT2Tokenizer']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /tokenizer_class GPT2Tokenizer is not supported/);
  for (const d of [plain, asked]) fs.rmSync(d, { recursive: true, force: true });
});

const KOBERT = path.join(ROOT, '..', 'shared', 'kobert');
test(
  "the real KoBERT files laid out as the hub's distilkobert: WordPiece by default, about half [UNK] on the corpus",
  {
    skip: fs.existsSync(path.join(KOBERT, 'vocab.txt'))
      ? false
      : 'needs ../shared/kobert, which only the course machines have',
  },
  async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-distilkobert-real-'));
    for (const f of fs.readdirSync(KOBERT)) fs.copyFileSync(path.join(KOBERT, f), path.join(d, f));
    fs.writeFileSync(
      path.join(d, 'config.json'),
      JSON.stringify({ model_type: 'distilbert', vocab_size: 8002, pad_token_id: 1 }),
    );
    const [wp] = await stderrOf(() => AutoTokenizer.from_pretrained(d));
    const kb = await AutoTokenizer.from_pretrained(d, { tokenizer_class: 'KoBertTokenizer' });
    assert.ok(wp instanceof DistilBertTokenizer && kb instanceof KoBertTokenizer);
    assert.deepEqual(wp.tokenize('한국어 모델을 공유합니다.'), ['[UNK]', '[UNK]', '[UNK]', '.']);
    assert.deepEqual(kb.tokenize('한국어 모델을 공유합니다.'), ['▁한국', '어', '▁모델', '을', '▁공유', '합니다', '.']);
    const { readRowsCsv } = await import('../../src/data/rows');
    const { unkStats } = await import('../../src/text/unkstats');
    const rows = readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_train.csv')).map((r) => r.contents);
    const w = unkStats(wp, rows, 16),
      k = unkStats(kb, rows, 16);
    // Measured: WordPiece 9.2 tokens/row, 51.8 % [UNK]; KoBertTokenizer 16.1 tokens/row, 2.3 % [UNK].
    assert.ok(w.unk_share > 0.45 && w.unk_share < 0.6 && k.unk_share < 0.05, JSON.stringify({ w, k }));
    assert.ok(k.tokens_per_row > w.tokens_per_row + 5);
    fs.rmSync(d, { recursive: true, force: true });
  },
);

test('a hub id resolves the same way: the offline DistilKoBERT stand-in gives WordPiece, KoBERT when asked', async () => {
  const env = { ...process.env };
  process.env.HF_HUB_OFFLINE = '1';
  process.env.HF_HUB_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-hf-'));
  process.env.HAI_STANDIN_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-standins-'));
  try {
    const [wp, err] = await stderrOf(() => AutoTokenizer.from_pretrained('monologg/distilkobert', { standin: true }));
    assert.match(err, /STAND-IN MODEL/);
    assert.match(err, /hai: warning: .*DistilBertTokenizer \(model_type distilbert in config.json\)/);
    assert.ok(wp instanceof DistilBertTokenizer);
    const kb = await AutoTokenizer.from_pretrained('monologg/distilkobert', {
      standin: true,
      tokenizer_class: 'KoBertTokenizer',
    });
    assert.ok(kb instanceof KoBertTokenizer);
    const text = '아이고 빨리 들어와라. 밖에 덥잖아';
    assert.ok(wp.tokenize(text).includes('[UNK]') && !wp.tokenize(text).some((t) => t.includes('▁')));
    assert.ok(kb.tokenize(text).some((t) => t.startsWith('▁')) && !kb.encode(text).includes(kb.unk_token_id));
  } finally {
    for (const k of ['HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HAI_STANDIN_CACHE']) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
  }
});
