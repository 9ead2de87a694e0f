/**
 * Tokenizers (notebooks/03_baseline.ipynb): WordPiece and KoBERT against the published examples and Hugging
 * Face's slow-tokenizer rules. Expected values are derived in the comments from HF's algorithm:
 *   basic tokenizer: drop U+0000, U+FFFD and category C*; whitespace and Zs → space; space out CJK ideographs;
 *   NFC only with normalize_nfc (transformers ≥ 4.29); split on whitespace; (lower-case + strip Mn when do_lower_case); split off punctuation (P* + ASCII symbols);
 *   WordPiece: longest vocabulary prefix, then longest `##` piece, …; no cover or > 100 characters → [UNK].
 * Tests on ../shared (the real KoBERT files and KoELECTRA's v1/v2 vocabulary) skip in a clone without it; each has
 * a twin on the fixtures in test/fixtures/tokenizers (a hand-written vocab.txt and a 4 kB SentencePiece model made
 * by make-kobert-tiny.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AutoTokenizer } from '../../src/models/autotokenizer';
import { BertTokenizer, KoBertTokenizer } from '../../src/text/tokenizer';
import {
  PreTrainedTokenizer,
  courseEncode,
  padSequences,
  toTensors,
  tokenizeJsonl,
} from '../../src/text/pretrainedtokenizer';
import {
  KOELECTRA_SPECIAL_TOKENS,
  readVocabLines,
  saveWordPieceTokenizer,
  trainWordPiece,
  trainWordPieceTokenizer,
} from '../../src/text/wordpiece';
import { SentencePieceLike, isCombining, kobertPieces, kobertPreprocess } from '../../src/text/sentencepiece';
import { ROOT } from '../helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'tokenizers');
const WP = path.join(FIX, 'wordpiece'),
  TINY = path.join(FIX, 'kobert-tiny');
const SHARED = path.join(ROOT, '..', 'shared');
const KOBERT = path.join(SHARED, 'kobert'),
  V1V2 = path.join(SHARED, 'vocab', 'koelectra-v1v2-vocab.txt');
const needs = (file: string) =>
  fs.existsSync(file) ? false : `needs ${path.relative(ROOT, file)}, which only the course machines have`;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hai-tok-'));
const bert = (o = {}) => new BertTokenizer(readVocabLines(path.join(WP, 'vocab.txt')), { do_lower_case: false, ...o });

// Fixture vocabulary ids: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 . 6 , 7 ! 8 [ 9 ] 10 한국 11 한국어 12 ##어 13 E
// 14 EL 15 ##L 16 ##E 17 ##EC 18 ##T 19 ##TRA 20 ##RA 21 ##를 22 공유 23 ##합니다 24 ##합 25 모델 26 ##을 27 ㅋ 28 ##ㅋ
// 29 漢 30 字 31 를 32 쓴다 33 0 34 1 35 2 36 ##0 37 ##2 38 ##년 39 cls 40 cafe 41 naive 42 σοφοσ 43 σοφος 44 x 45 ##x 46 😀 47 ##😀

test('KoELECTRA v3 example on a vocabulary with its pieces (and shorter decoys): longest match wins', async () => {
  const tok = await AutoTokenizer.from_pretrained(WP);
  assert.ok(tok instanceof BertTokenizer);
  // [CLS]/[SEP] are cut out first. Words: 한국어 | ELECTRA를 | 공유합니다 | . (punctuation).
  // ELECTRA를 → EL (E is shorter) + ##EC (not ##E) + ##TRA (not ##T) + ##를; 공유합니다 → 공유 + ##합니다 (not ##합).
  assert.deepEqual(tok.tokenize('[CLS] 한국어 ELECTRA를 공유합니다. [SEP]'), [
    '[CLS]',
    '한국어',
    'EL',
    '##EC',
    '##TRA',
    '##를',
    '공유',
    '##합니다',
    '.',
    '[SEP]',
  ]);
  assert.deepEqual(tok.encode('한국어 ELECTRA를 공유합니다.'), [2, 11, 14, 17, 19, 21, 22, 23, 5, 3]);
});

test('KoELECTRA v1/v2 vocabulary: the published example, tokens and ids', { skip: needs(V1V2) }, () => {
  const lines = readVocabLines(V1V2);
  const tok = new BertTokenizer(lines, { do_lower_case: false });
  // v1/v2 has E, ##L, ##EC, ##T, ##RA but not EL or ##TRA: greedy matching then takes the shorter pieces.
  for (const t of ['E', '##L', '##EC', '##T', '##RA']) assert.ok(lines.includes(t), t);
  for (const t of ['EL', 'ELE', '##LE', '##ECT', '##TR', '##TRA']) assert.ok(!lines.includes(t), t);
  const tokens = ['[CLS]', '한국어', 'E', '##L', '##EC', '##T', '##RA', '##를', '공유', '##합니다', '.', '[SEP]'];
  assert.deepEqual(tok.tokenize('[CLS] 한국어 ELECTRA를 공유합니다. [SEP]'), tokens);
  // KoELECTRA's README (v1): [2, 18429, 41, 6240, 15229, 6204, 20894, 5689, 12622, 10690, 18, 3]; each id is the line of its token.
  const ids = [2, 18429, 41, 6240, 15229, 6204, 20894, 5689, 12622, 10690, 18, 3];
  assert.deepEqual(tok.encode('한국어 ELECTRA를 공유합니다.'), ids);
  assert.deepEqual(
    ids,
    tokens.map((t) => lines.indexOf(t)),
  );
});

test('WordPiece edge cases as HF BertTokenizer (cased, as KoELECTRA)', () => {
  const tok = bert();
  const t = (s: string) => tok.tokenize(s);
  assert.deepEqual(t(''), []);
  assert.deepEqual(tok.call(''), { input_ids: [2, 3], attention_mask: [1, 1], token_type_ids: [0, 0] });
  assert.deepEqual(t(' \t\n\u3000 '), [], 'tab, newline and U+3000 (Zs) are whitespace');
  // U+0000 (NUL), U+200B (Cf) and U+0007 (Cc) are removed, so the word closes up again.
  assert.deepEqual(t('공\u0000유\u200b합니다\u0007'), ['공유', '##합니다']);
  // A tab splits: 합니다 at a word start has no piece (only ##합니다), so that word is [UNK] as a whole.
  assert.deepEqual(t('공유\t합니다'), ['공유', '[UNK]']);
  // Emoji are symbols (So), not punctuation: they stay inside the word.
  assert.deepEqual(t('😀'), ['😀']);
  assert.deepEqual(t('공유😀'), ['공유', '##😀']);
  assert.deepEqual(t('공유👍'), ['[UNK]'], '공유 matches but ##👍 does not: the whole word is [UNK]');
  assert.deepEqual(t('ㅋㅋㅋ'), ['ㅋ', '##ㅋ', '##ㅋ'], 'compatibility jamo are letters (Lo), not split');
  assert.deepEqual(t('Café'), ['[UNK]'], 'cased: no piece starts Café');
  // CJK ideographs are spaced out (Hangul is not): 漢 | 字 | 를.
  assert.deepEqual(t('漢字를'), ['漢', '字', '를']);
  assert.deepEqual(bert({ tokenize_chinese_chars: false }).tokenize('漢字를'), ['[UNK]']);
  // 2022년: 2 (no 20 in the vocabulary), ##0, ##2, ##2, ##년. 1,000: the comma is punctuation.
  assert.deepEqual(t('2022년'), ['2', '##0', '##2', '##2', '##년']);
  assert.deepEqual(t('1,000'), ['1', ',', '0', '##0', '##0']);
  assert.deepEqual(t('모델을!'), ['모델', '##을', '!']);
  // A literal special token in the text is that token; in lower case it is just text ([ and ] are punctuation).
  assert.deepEqual(t('한국어[CLS]모델'), ['한국어', '[CLS]', '모델']);
  assert.deepEqual(tok.encode('한국어[CLS]모델'), [2, 11, 2, 25, 3]);
  assert.deepEqual(t('[cls]'), ['[', 'cls', ']']);
  // Words over 100 characters are [UNK] even when pieces cover them; characters are code points, not UTF-16 units.
  assert.deepEqual(t('x'.repeat(100)), ['x', ...Array(99).fill('##x')]);
  assert.deepEqual(t('x'.repeat(101)), ['[UNK]']);
  assert.deepEqual(t('x'.repeat(150)), ['[UNK]']);
  assert.deepEqual(t('😀'.repeat(60)), ['😀', ...Array(59).fill('##😀')], '60 characters, 120 UTF-16 units');
  assert.deepEqual(t('😀'.repeat(101)), ['[UNK]']);
  // No NFC (transformers ≤ 4.28): decomposed Hangul (ᄒ ᅡ ᆫ …, as macOS writes file names) is conjoining jamo, not in vocab.txt.
  assert.deepEqual(t('한국어'.normalize('NFD')), ['[UNK]']);
  assert.deepEqual(t('a\u00a0b\u2028x'), ['[UNK]', '[UNK]', 'x'], 'NBSP (Zs) and U+2028 separate words');
});

test('do_lower_case: lower-case and strip accents; HF lowers one character at a time, so final Σ gives σ', () => {
  const tok = bert({ do_lower_case: true });
  assert.deepEqual(tok.tokenize('Café NAÏVE'), ['cafe', 'naive'], 'NFD, then every Mn mark dropped');
  assert.deepEqual(tok.tokenize('cafe\u0483'), ['cafe'], 'U+0483 (Cyrillic titlo) is Mn too, outside U+0300–U+036F');
  assert.deepEqual(tok.tokenize('ΣΟΦΟΣ'), ['σοφοσ'], 'not σοφος: per-character lowering knows no word end');
  assert.deepEqual(tok.tokenize('[CLS] x'), ['[CLS]', 'x'], 'special tokens are not lowered');
});

test(
  'KoBERT: the published example with the real files, ids from vocab.txt',
  { skip: needs(path.join(KOBERT, 'vocab.txt')) },
  async () => {
    // The real folder has no tokenizer_class: KoBertTokenizer is asked for, as monologg's README says to.
    const tok = await AutoTokenizer.from_pretrained(KOBERT, { tokenizer_class: 'KoBertTokenizer' });
    assert.ok(tok instanceof KoBertTokenizer);
    assert.deepEqual(tok.tokenize('[CLS] 한국어 모델을 공유합니다. [SEP]'), [
      '[CLS]',
      '▁한국',
      '어',
      '▁모델',
      '을',
      '▁공유',
      '합니다',
      '.',
      '[SEP]',
    ]);
    assert.deepEqual(tok.encode('한국어 모델을 공유합니다.'), [2, 4958, 6855, 2046, 7088, 1050, 7843, 54, 3]);
    assert.deepEqual(
      [tok.unk_token_id, tok.pad_token_id, tok.cls_token_id, tok.sep_token_id, tok.mask_token_id],
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      tok.call('한국어', { max_length: 6, padding: 'max_length' }).input_ids,
      [2, 4958, 6855, 3, 1, 1],
      'pads with [PAD] = 1',
    );
    // Edge cases, as Python's KoBertTokenizer with the C++ SentencePiece gives them:
    const t = (s: string) => tok.tokenize(s);
    assert.deepEqual(t(''), []);
    assert.deepEqual(t('  \t '), []);
    // NFKD maps compatibility jamo ㅋ (U+314B) to choseong ᄏ (U+110F); KoBERT has ᄏ but no ▁ᄏ.
    assert.deepEqual(t('ㅋㅋㅋ'), ['▁', 'ᄏ', 'ᄏ', 'ᄏ']);
    assert.deepEqual(tok.convert_tokens_to_ids(t('😀 안녕')), [517, 0, 3135, 5724], '▁ 😀(unknown → [UNK] 0) ▁안 녕');
    assert.deepEqual(t('Café'), ['▁C', 'a', 'f', 'e'], 'NFKD + combining marks dropped: é → e');
    assert.deepEqual(
      t('이건 [CLS] 토큰'),
      ['▁이', '건', '[CLS]', '▁토', '큰'],
      'each side of a special token gets its own ▁',
    );
    assert.equal(t('가'.repeat(150)).includes('[UNK]'), false, 'SentencePiece has no word-length limit');
    // The same folder read as WordPiece (what a BertTokenizer over KoBERT's vocab.txt does): no ## pieces, so [UNK]s.
    const wp = await AutoTokenizer.from_pretrained(KOBERT, { tokenizer_class: 'BertTokenizer' });
    assert.deepEqual(wp.tokenize('한국어 모델을 공유합니다.'), ['[UNK]', '[UNK]', '[UNK]', '.']);
    // …which is also what the folder gives by default now: no tokenizer_class, no config.json.
    assert.deepEqual((await AutoTokenizer.from_pretrained(KOBERT)).tokenize('한국어 모델을 공유합니다.'), [
      '[UNK]',
      '[UNK]',
      '[UNK]',
      '.',
    ]);
  },
);

test('KoBERT twin on a tiny SentencePiece model (fixture): pieces, ids, digit-comma split, unknowns', async () => {
  const tok = await AutoTokenizer.from_pretrained(TINY); // its tokenizer_config.json names KoBertTokenizer
  assert.ok(tok instanceof KoBertTokenizer);
  // Expected pieces are what the C++ SentencePiece (Python sentencepiece 0.1.97) gives for the NFKD text.
  assert.deepEqual(tok.tokenize('[CLS] 한국어 모델을 공유합니다. [SEP]'), [
    '[CLS]',
    '▁',
    '한',
    '국',
    '어',
    '▁모델',
    '을',
    '▁공유합니다',
    '.',
    '[SEP]',
  ]);
  assert.deepEqual(tok.encode('한국어 모델을 공유합니다.'), [2, 21, 114, 44, 88, 28, 101, 25, 6, 3]);
  // SentencePiece gives ▁3, (ends in digit + comma): it is encoded again as "3" → ▁ 3, and the comma appended.
  assert.deepEqual(tok.tokenize('사과 3, 배 3,'), ['▁', '사', '과', '▁', '3', ',', '▁', '배', '▁', '3', ',']);
  // 12,000 gives ▁1 2, …: "2," does not start with ▁, so the ▁ that re-encoding "2" adds is dropped.
  assert.deepEqual(tok.tokenize('모두 12,000원'), ['▁모', '두', '▁1', '2', ',', '00', '0', '원']);
  assert.deepEqual([tok.tokenize(''), tok.tokenize(' \t\u3000 ')], [[], []]);
  assert.equal(tok.tokenize('가'.repeat(150)).includes('[UNK]'), false, 'no word-length limit in SentencePiece');
  // ᄏᄏᄏ (after NFKD) is not in this model: one unknown piece → [UNK] = 0.
  assert.deepEqual(tok.convert_tokens_to_ids(tok.tokenize('ㅋㅋㅋ')), [21, 0]);
  assert.deepEqual(
    tok.call(['모델', '한국어 모델을'], { padding: true }).input_ids,
    [
      [2, 28, 3, 1, 1, 1, 1, 1],
      [2, 21, 114, 44, 88, 28, 101, 3],
    ],
    'padded with [PAD] = 1',
  );
});

test('KoBERT preprocessing and piece splitting with a stub SentencePiece', () => {
  const cfg = { remove_space: true, keep_accents: false, do_lower_case: false };
  assert.equal(
    kobertPreprocess('  한국어 \t\u3000 모델  ', cfg),
    '한국어 모델'.normalize('NFKD'),
    'Python strip/split whitespace, NFKD',
  );
  assert.equal(kobertPreprocess("``인용''", cfg), '"인용"'.normalize('NFKD'));
  assert.equal(kobertPreprocess('Café e\u0301 ① ﬁ', cfg), 'Cafe e 1 fi');
  assert.equal(kobertPreprocess('a\ufeffb\x1cc', cfg), 'a\ufeffb c', 'U+FEFF is not Python whitespace, U+001C is');
  assert.equal(kobertPreprocess('Café', { ...cfg, keep_accents: true }), 'Café');
  assert.ok(
    isCombining('\u0301') &&
      isCombining('\u094d') &&
      !isCombining('a') &&
      !isCombining('\u093f') &&
      !isCombining('\u1161'),
  );
  const table: Record<string, string[]> = {
    text: ['▁12,', '3,', '²,', 'a,', ','],
    '12': ['▁12'],
    '3': ['▁', '3'],
    '²': ['▁²'],
  };
  const sp: SentencePieceLike = { encodePieces: (s) => table[s] ?? [`▁${s}`] };
  // ▁12, → encode "12" → ▁12, kept (the piece had ▁); 3, → ▁ 3 → the lone ▁ dropped; ², (Python isdigit) → ², ; a, and , unchanged.
  assert.deepEqual(kobertPieces(sp, 'text'), ['▁12', ',', '3', ',', '²', ',', 'a,', ',']);
  const tok = new KoBertTokenizer(['[UNK]', '[PAD]', '[CLS]', '[SEP]', '[MASK]', '▁12', ',', '3', ' ²  '], sp);
  assert.deepEqual(tok.encode('text'), [2, 5, 6, 7, 6, 8, 6, 0, 6, 3], 'vocab lines are stripped; a, is unknown → 0');
});

test('call forms: pairs, truncation (post, [SEP] kept), padding, batches, tensors', () => {
  const tok = bert();
  assert.deepEqual(tok.call('한국어 공유', { text_pair: '모델 쓴다' }), {
    input_ids: [2, 11, 22, 3, 25, 32, 3],
    attention_mask: [1, 1, 1, 1, 1, 1, 1],
    token_type_ids: [0, 0, 0, 0, 1, 1, 1],
  });
  // 한국어 ELECTRA를 is 5 tokens; max_length 5 leaves 3 after [CLS] … [SEP]: the end is cut, [SEP] stays.
  assert.deepEqual(tok.encode('한국어 ELECTRA를', undefined, { max_length: 5, truncation: true }), [2, 11, 14, 17, 3]);
  assert.deepEqual(
    tok.encode('한국어 ELECTRA를', undefined, { max_length: 5 }),
    [2, 11, 14, 17, 3],
    'max_length alone truncates, as HF',
  );
  assert.deepEqual(tok.call('한국어', { max_length: 5, padding: 'max_length', truncation: true }), {
    input_ids: [2, 11, 3, 0, 0],
    attention_mask: [1, 1, 1, 0, 0],
    token_type_ids: [0, 0, 0, 0, 0],
  });
  assert.deepEqual(
    tok.encode('한국어 ELECTRA를', undefined, { max_length: 5, padding: 'max_length' }).length,
    7,
    'padding alone does not truncate',
  );
  // longest_first on a pair: 2 + 2 tokens, 3 specials, max 5 → remove 2, one at a time from the longer; a tie cuts the pair.
  assert.deepEqual(
    tok.call('한국어 공유', { text_pair: '모델 쓴다', max_length: 5, truncation: true }).input_ids,
    [2, 11, 3, 25, 3],
  );
  assert.deepEqual(
    tok.call('한국어 공유', { text_pair: '모델 쓴다', max_length: 6, truncation: 'only_first' }).input_ids,
    [2, 11, 3, 25, 32, 3],
  );
  assert.throws(
    () => tok.encode('한국어 공유', undefined, { max_length: 2, truncation: true }),
    /max_length 2 is too short/,
  );
  assert.deepEqual(tok.encode('한국어', undefined, { add_special_tokens: false }), [11]);
  const batch = tok.call(['한국어', '모델 공유 쓴다'], { padding: true });
  assert.deepEqual(batch.input_ids, [
    [2, 11, 3, 0, 0],
    [2, 25, 22, 32, 3],
  ]);
  assert.deepEqual(batch.attention_mask, [
    [1, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
  ]);
  assert.deepEqual(tok.call(['한국어'], { max_length: 4, padding: 'max_length' }).input_ids, [[2, 11, 3, 0]]);
  const tensors = toTensors(batch);
  assert.deepEqual([tensors.input_ids.dtype, tensors.input_ids.shape], ['int32', [2, 5]]);
  assert.deepEqual(tensors.attention_mask.arraySync(), batch.attention_mask);
  Object.values(tensors).forEach((x) => x.dispose());
  assert.throws(() => toTensors(tok.call(['한국어', '모델 공유'])), /row 1 has 4 ids, row 0 has 3: pad the batch/);
});

test("the course's recipe: [CLS] text [SEP], Keras pad_sequences post/post with 0, mask = id > 0", async () => {
  assert.deepEqual(
    padSequences([[1, 2, 3], [4]], { maxlen: 2 }),
    [
      [2, 3],
      [0, 4],
    ],
    'Keras defaults: pre',
  );
  assert.deepEqual(padSequences([[1, 2, 3], [4]], { maxlen: 2, padding: 'post', truncating: 'post', value: 9 }), [
    [1, 2],
    [4, 9],
  ]);
  const enc = courseEncode(bert(), ['한국어 ELECTRA를', '모델'], 4);
  assert.deepEqual(
    enc.input_ids,
    [
      [2, 11, 14, 17],
      [2, 25, 3, 0],
    ],
    'maxlen 4 cuts the [SEP] off the long row',
  );
  assert.deepEqual(enc.attention_mask, [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
  ]);
  // KoBERT: 0 is [UNK], so the course padded with [UNK] ids and its mask also hid real [UNK] tokens (ᄏᄏᄏ here).
  const kb = await AutoTokenizer.from_pretrained(TINY);
  const k = courseEncode(kb, ['ㅋㅋㅋ 모델'], 6);
  assert.deepEqual(k, { input_ids: [[2, 21, 0, 28, 3, 0]], attention_mask: [[1, 1, 0, 1, 1, 0]] });
});

test('AutoTokenizer: clear errors for hub ids, missing folders, files and bad models', async () => {
  // A hub id resolves through the Hugging Face cache like a model: offline and not cached is an error naming
  // the model; with the stand-in switch it is an explicit stand-in's tokenizer.
  const env = { ...process.env };
  process.env.HF_HUB_OFFLINE = '1';
  process.env.HF_HUB_CACHE = tmp();
  process.env.HAI_STANDIN_CACHE = tmp();
  try {
    await assert.rejects(
      AutoTokenizer.from_pretrained('monologg/koelectra-small-v3-discriminator'),
      /monologg\/koelectra-small-v3-discriminator/,
    );
    const st = await AutoTokenizer.from_pretrained('monologg/koelectra-small-v3-discriminator', { standin: true });
    assert.deepEqual(st.convert_tokens_to_ids(['[PAD]', '[UNK]', '[CLS]', '[SEP]']), [0, 1, 2, 3]);
  } finally {
    for (const k of ['HF_HUB_OFFLINE', 'HF_HUB_CACHE', 'HAI_STANDIN_CACHE']) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
  }
  await assert.rejects(AutoTokenizer.from_pretrained('./no/such/dir'), /no\/such\/dir: no such folder/);
  await assert.rejects(
    AutoTokenizer.from_pretrained(path.join(WP, 'vocab.txt')),
    /expected a tokenizer folder, got a file/,
  );
  const d = tmp();
  await assert.rejects(AutoTokenizer.from_pretrained(d), /no vocab\.txt \(found: nothing\)/);
  fs.copyFileSync(path.join(WP, 'vocab.txt'), path.join(d, 'vocab.txt'));
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), '{"tokenizer_class": "XLMRobertaTokenizer"}');
  await assert.rejects(AutoTokenizer.from_pretrained(d), /tokenizer_class XLMRobertaTokenizer is not supported/);
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), '{"do_lower_case": true, "unk_token": {"content": "[UNK]"}}');
  assert.deepEqual(
    (await AutoTokenizer.from_pretrained(d)).tokenize('CAFÉ'),
    ['cafe'],
    'config read, AddedToken objects accepted',
  );
  fs.writeFileSync(path.join(d, 'tokenizer_78b3253a26.model'), 'not a model');
  await assert.rejects(
    AutoTokenizer.from_pretrained(d, { tokenizer_class: 'KoBertTokenizer' }),
    /not a valid SentencePiece model/,
  );
  fs.rmSync(d, { recursive: true, force: true });
});

test('WordPiece trainer: a hand-checkable merge, KoELECTRA layout, determinism', () => {
  // Words ab ×3, ac ×1. Alphabet: a b c, and ##b ##c (seen inside words). Pairs: (a, ##b) = 3, (a, ##c) = 1.
  // (a, ##b) → ab; the next best pair occurs once, under min_frequency 2: training stops.
  assert.deepEqual(trainWordPiece(['ab ab ab', 'ac'], { vocab_size: 100 }), [
    ...KOELECTRA_SPECIAL_TOKENS,
    'a',
    'b',
    'c',
    '##b',
    '##c',
    'ab',
  ]);
  assert.deepEqual(trainWordPiece(['ab ab ab', 'ac'], { vocab_size: 100, min_frequency: 1 }).slice(-2), ['ab', 'ac']);
  assert.deepEqual(trainWordPiece(['ab ab ab', 'ac'], { vocab_size: 10 }).length, 10, 'stops at vocab_size');
  const corpus = ['한국어 모델을 공유합니다.', '한국어 모델이 좋다', '모델을 공유했다'];
  assert.deepEqual(
    trainWordPiece(corpus, { vocab_size: 60 }),
    trainWordPiece([...corpus].reverse(), { vocab_size: 60 }),
  );
});

/** The course's own corpus (data/corpus-src), standard and dialect sides, as plain sentences. */
function corpusLines(): string[] {
  const dir = path.join(ROOT, 'data', 'corpus-src');
  const lines: string[] = [];
  for (const region of fs.readdirSync(dir)) {
    if (!fs.statSync(path.join(dir, region)).isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, region))) {
      for (const l of fs.readFileSync(path.join(dir, region, f), 'utf8').split('\n')) {
        const m = /^\d+: (.*)$/.exec(l);
        if (m)
          for (const side of [1, 2])
            lines.push(m[1].replace(/\(([^()]*)\)\/\(([^()]*)\)/g, (_, d, s) => (side === 1 ? d : s)));
      }
    }
  }
  return lines;
}

test('WordPiece trainer round trip: train on the course corpus, write the folder, load it, tokenize', async () => {
  const lines = corpusLines();
  assert.ok(lines.length > 100, 'the bundled corpus is there');
  const d = path.join(tmp(), 'standin');
  const vocab = trainWordPieceTokenizer(d, lines, { vocab_size: 3000 });
  assert.deepEqual(vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.deepEqual(readVocabLines(path.join(d, 'vocab.txt')), vocab);
  assert.equal(JSON.parse(fs.readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8')).do_lower_case, false);
  assert.deepEqual(fs.readdirSync(d).sort(), ['tokenizer_config.json', 'vocab.txt'], 'no temporary files left');
  const tok = await AutoTokenizer.from_pretrained(d);
  assert.ok(tok instanceof BertTokenizer);
  for (const line of lines.slice(0, 200)) {
    const pieces = tok.tokenize(line);
    assert.ok(!pieces.includes('[UNK]'), `every training word is covered: ${line}`);
    const words = pieces.reduce<string[]>(
      (w, p) => (p.startsWith('##') ? [...w.slice(0, -1), w[w.length - 1] + p.slice(2)] : [...w, p]),
      [],
    );
    assert.equal(words.join(''), line.replace(/\s+/g, ''), 'the pieces spell the text');
  }
  assert.deepEqual(tok.call('[CLS]').input_ids, [2, 2, 3]);
  fs.rmSync(path.dirname(d), { recursive: true, force: true });
});

test('tokenizeJsonl (hai tokenize): tokens without specials, callable-form ids, padding, errors with line numbers', () => {
  const tok = bert();
  const out = tokenizeJsonl(tok, '{"text": "한국어 공유"}\n\n{"text": "모델", "text_pair": "쓴다"}\n').split('\n');
  assert.deepEqual(
    out.slice(0, 2).map((l) => JSON.parse(l)),
    [
      {
        tokens: ['한국어', '공유'],
        input_ids: [2, 11, 22, 3],
        attention_mask: [1, 1, 1, 1],
        token_type_ids: [0, 0, 0, 0],
      },
      {
        tokens: ['모델'],
        input_ids: [2, 25, 3, 32, 3],
        attention_mask: [1, 1, 1, 1, 1],
        token_type_ids: [0, 0, 0, 1, 1],
      },
    ],
  );
  assert.equal(out[2], '', 'one line per input, newline-terminated');
  const padded = JSON.parse(tokenizeJsonl(tok, '{"text": "한국어"}', 5));
  assert.deepEqual(padded, {
    tokens: ['한국어'],
    input_ids: [2, 11, 3, 0, 0],
    attention_mask: [1, 1, 1, 0, 0],
    token_type_ids: [0, 0, 0, 0, 0],
  });
  assert.deepEqual(JSON.parse(tokenizeJsonl(tok, '{"text": "한국어 ELECTRA를"}', 4)).input_ids, [2, 11, 14, 3]);
  assert.throws(() => tokenizeJsonl(tok, '{"text": "a"}\n{"text": '), /^Error: line 2: not valid JSON/);
  assert.throws(() => tokenizeJsonl(tok, '{"txt": "a"}'), /line 1: missing field "text" \(string\)/);
  assert.throws(() => tokenizeJsonl(tok, '["a"]'), /line 1: expected a JSON object/);
  assert.throws(
    () => tokenizeJsonl(tok, '{"text": "a", "text_pair": 3}'),
    /line 1: field "text_pair" must be a string/,
  );
  assert.throws(() => tokenizeJsonl(tok, '\n{"text": "한국어 공유"}', 2), /line 2: max_length 2 is too short/);
});

/** transformers.js's BertTokenizer over the same vocab.txt (its tokenizer.json built by hand), or null if it cannot load. */
async function xenovaBert(lines: string[], lower = false): Promise<any> {
  let X: any;
  try {
    X = await import('@xenova/transformers');
  } catch {
    return null;
  }
  const vocab = Object.fromEntries(lines.map((t, i) => [t, i]));
  return new X.BertTokenizer(
    {
      normalizer: {
        type: 'BertNormalizer',
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: lower,
      },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      model: {
        type: 'WordPiece',
        unk_token: '[UNK]',
        continuing_subword_prefix: '##',
        max_input_chars_per_word: 100,
        vocab,
      },
      post_processor: { type: 'BertProcessing', sep: ['[SEP]', vocab['[SEP]']], cls: ['[CLS]', vocab['[CLS]']] },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      added_tokens: KOELECTRA_SPECIAL_TOKENS.map((c) => ({
        id: vocab[c],
        content: c,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
    },
    {
      do_lower_case: lower,
      model_max_length: 512,
      unk_token: '[UNK]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      cls_token: '[CLS]',
      mask_token: '[MASK]',
    },
  );
}

test('@xenova/transformers 2.17 gives the same ids on the course corpus; its known differences stay pinned', async (t) => {
  const lines = corpusLines();
  const vocab = trainWordPiece(lines, { vocab_size: 2000 });
  const xen = await xenovaBert(vocab);
  if (!xen) return t.skip('@xenova/transformers (ESM only) cannot be imported on this Node version');
  const ours = new BertTokenizer(vocab, { do_lower_case: false });
  for (const line of lines) assert.deepEqual(ours.encode(line), Array.from(xen.encode(line), Number), line);
  // Where it differs from HF's slow BertTokenizer (reasons in src/text/wordpiece.ts):
  const fx = readVocabLines(path.join(WP, 'vocab.txt'));
  const x = (await xenovaBert(fx))!,
    xl = (await xenovaBert(fx, true))!,
    b = bert(),
    bl = bert({ do_lower_case: true });
  const nfd = '한국어'.normalize('NFD');
  assert.deepEqual(
    [b.tokenize(nfd), x._encode_text(nfd)],
    [['[UNK]'], ['[UNK]']],
    'no NFC in transformers.js, nor by default here',
  );
  assert.deepEqual(
    bert({ normalize_nfc: true }).tokenize(nfd),
    ['한국어'],
    'with normalize_nfc (transformers ≥ 4.29), unlike transformers.js',
  );
  assert.deepEqual(
    [b.tokenize('𠀀𠀁'), x._encode_text('𠀀𠀁')],
    [['[UNK]', '[UNK]'], ['[UNK]']],
    'astral CJK ideographs not spaced out',
  );
  assert.deepEqual(
    [bl.tokenize('cafe\u0483'), xl._encode_text('cafe\u0483')],
    [['cafe'], ['[UNK]']],
    'only U+0300–U+036F stripped',
  );
  assert.deepEqual(
    [bl.tokenize('ΣΟΦΟΣ'), xl._encode_text('ΣΟΦΟΣ')],
    [['σοφοσ'], ['σοφος']],
    'whole-word lowering: final ς',
  );
  const pair = { text_pair: '모델 쓴다', max_length: 5, truncation: true };
  assert.deepEqual(
    [b.call('한국어 공유', pair).input_ids, Array.from(x('한국어 공유', pair).input_ids.data, Number)],
    [
      [2, 11, 3, 25, 3],
      [2, 11, 22, 3, 25],
    ],
    'pairs: it cuts [CLS] A [SEP] B [SEP] at max_length, losing the last [SEP]',
  );
});

test('PreTrainedTokenizer is the common base of both tokenizers', async () => {
  assert.ok(bert() instanceof PreTrainedTokenizer);
  assert.ok((await AutoTokenizer.from_pretrained(TINY)) instanceof PreTrainedTokenizer);
});

test('normalize_nfc: off by default (transformers ≤ 4.28, the course), on from tokenizer_config.json or options (≥ 4.29)', async () => {
  const nfd = '한국어 모델을'.normalize('NFD'),
    nfc = '한국어 모델을';
  assert.notEqual(nfd, nfc);
  // Default: the jamo words are not covered by vocab.txt, so each whole word is [UNK]: the course's ids.
  const old = bert();
  assert.deepEqual(old.tokenize(nfd), ['[UNK]', '[UNK]']);
  assert.deepEqual(old.encode(nfc), bert({ normalize_nfc: true }).encode(nfc), 'NFC input: the same ids either way');
  // ≥ 4.29: composed again before the whitespace split, so NFD text gives the NFC text's ids.
  const neu = bert({ normalize_nfc: true });
  assert.deepEqual(neu.encode(nfd), neu.encode(nfc));
  assert.deepEqual(neu.tokenize(nfd), ['한국어', '모델', '##을']);
  // do_lower_case strips accents: NFD, then drop Mn. Hangul jamo are Lo, not Mn, so both versions give jamo
  // (4.29 composes, then strip_accents decomposes again): NFC or not, the same [UNK]s.
  for (const o of [{}, { normalize_nfc: true }])
    assert.deepEqual(bert({ do_lower_case: true, ...o }).tokenize(nfc), ['[UNK]', '[UNK]']);
  // From a folder: the field in tokenizer_config.json, an option over it, a wrong type named.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-nfc-'));
  fs.copyFileSync(path.join(WP, 'vocab.txt'), path.join(dir, 'vocab.txt'));
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ do_lower_case: false, normalize_nfc: true }),
  );
  assert.deepEqual((await AutoTokenizer.from_pretrained(dir)).tokenize(nfd), ['한국어', '모델', '##을']);
  assert.deepEqual((await AutoTokenizer.from_pretrained(dir, { normalize_nfc: false })).tokenize(nfd), [
    '[UNK]',
    '[UNK]',
  ]);
  fs.writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({ do_lower_case: false, normalize_nfc: 'yes' }),
  );
  await assert.rejects(
    AutoTokenizer.from_pretrained(dir),
    /hai-nfc-.*: normalize_nfc must be true or false, got "yes"/,
  );
  // Written back by saveWordPieceTokenizer (and so save_pretrained) only when on: course folders stay as they were.
  saveWordPieceTokenizer(dir, readVocabLines(path.join(WP, 'vocab.txt')), { normalize_nfc: true });
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')).normalize_nfc, true);
  assert.deepEqual((await AutoTokenizer.from_pretrained(dir)).tokenize(nfd), ['한국어', '모델', '##을']);
  saveWordPieceTokenizer(dir, readVocabLines(path.join(WP, 'vocab.txt')));
  assert.ok(!('normalize_nfc' in JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'))));
});
