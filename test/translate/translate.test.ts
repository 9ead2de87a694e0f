import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  corpusBleu,
  corpusChrf,
  changeF1,
  wordEdits,
  tokenize13a,
  formUnits,
  readParallel,
  splitParallel,
  trainTable,
  applyTable,
  route,
  parseVariety,
  buildTranslator,
  saveTranslator,
  loadTranslator,
  evaluateTranslation,
  mostFrequentTable,
  ParallelUtterance,
  NEVER,
} from '../../src/translate';
import { repoPath } from '../../src/util/paths';
import { colloquialOnly } from '../../src/data/formrules';

// sacrebleu 2.x's own README example (two reference streams): BLEU = 48.53, chrF2 = 59.73.
const SYS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];

test('BLEU and chrF equal sacrebleu on its published examples', () => {
  assert.ok(Math.abs(corpusBleu(SYS, REFS) - 48.53) < 0.005, String(corpusBleu(SYS, REFS)));
  assert.ok(Math.abs(corpusChrf(SYS, REFS) - 59.73) < 0.005, String(corpusChrf(SYS, REFS)));
  // the datasets/evaluate chrF metric card (sacrebleu underneath): 61.576379378113785 and 84.64214891738334
  assert.ok(
    Math.abs(
      corpusChrf(
        ['The relationship between Obama and Netanyahu is not exactly friendly.'],
        ['The ties between Obama and Netanyahu are not particularly friendly.'],
      ) - 61.576379378113785,
    ) < 1e-9,
  );
  assert.ok(
    Math.abs(
      corpusChrf(
        [
          'The relationship between cats and dogs is not exactly friendly.',
          'a good bookshop is just a genteel black hole that knows how to read.',
        ],
        [
          'The relationship between dogs and cats is not exactly friendly.',
          'A good bookshop is just a genteel Black Hole that knows how to read.',
        ],
      ) - 84.64214891738334,
    ) < 1e-9,
  );
  // 13a keeps apostrophes and decimals
  assert.deepEqual(tokenize13a("It wasn't 3.5, ok."), ['It', "wasn't", '3.5', ',', 'ok', '.']);
  assert.ok(Math.abs(corpusBleu(['오늘 밥 먹었어 너는 먹었니?'], ['오늘 밥 먹었어 너는 먹었니?']) - 100) < 1e-9);
  // as sacrebleu: no 4-gram at all (3 tokens), no effective order by default
  assert.equal(corpusBleu(['밥 먹었어?'], ['밥 먹었어?']), 0);
  assert.equal(corpusChrf(['밥 먹었어?'], ['밥 먹었어?']), 100);
  assert.equal(corpusBleu(['가'], ['나']), 0);
  assert.throws(() => corpusBleu(['a'], ['a', 'b']), /1 hypotheses but a reference stream of 2/);
});

test("change-F1 counts only the reference's own edits; copying scores 0", () => {
  assert.deepEqual(wordEdits('밥 묵었나 니', '밥 먹었니 너'), [{ start: 1, end: 3, to: '먹었니 너' }]);
  assert.deepEqual(wordEdits('억수로 좋다', '엄청 좋다'), [{ start: 0, end: 1, to: '엄청' }]);
  const src = ['억수로 좋다 아이가', '밥 뭇나'],
    ref = ['엄청 좋다 아니냐', '밥 먹었니'];
  const copy = changeF1(src, src, ref);
  assert.equal(copy.f1, 0);
  assert.equal(copy.gold, 3);
  assert.equal(copy.predicted, 0);
  const half = changeF1(src, ['엄청 좋다 아이가', '밥 묵었니'], ref);
  assert.equal(half.tp, 1);
  assert.equal(half.predicted, 2);
  assert.equal(half.precision, 0.5);
  assert.ok(Math.abs(half.recall - 1 / 3) < 1e-12);
});

test('formUnits: pairs stay in their word, equal-length phrases split, noise removed, eojeolList without pairs', () => {
  assert.deepEqual(formUnits('엄청 (쑥맥)/(숙맥)이었거든'), [
    { dialect: '엄청', standard: '엄청' },
    { dialect: '쑥맥이었거든', standard: '숙맥이었거든' },
  ]);
  assert.deepEqual(formUnits('(이레 왕)/(이리 와서) 앉아'), [
    { dialect: '이레', standard: '이리' },
    { dialect: '왕', standard: '와서' },
    { dialect: '앉아', standard: '앉아' },
  ]);
  assert.deepEqual(formUnits('(왕 앉이라)/(와서 앉아라 빨리)'), [
    { dialect: '왕 앉이라', standard: '와서 앉아라 빨리' },
  ]);
  assert.deepEqual(formUnits('&이름1&아 @웃음 (()) ((밥)) 먹자 -있- 그래'), [
    { dialect: '아', standard: '아' },
    { dialect: '밥', standard: '밥' },
    { dialect: '먹자', standard: '먹자' },
    { dialect: '그래', standard: '그래' },
  ]);
  assert.deepEqual(formUnits('무사 경 햄서', [{ eojeol: '무사', standard: '왜' }]), [
    { dialect: '무사', standard: '왜' },
    { dialect: '경', standard: '경' },
    { dialect: '햄서', standard: '햄서' },
  ]);
});

const U = (conversation: string, i: number, pairs: [string, string][], label = 1): ParallelUtterance => ({
  id: `${conversation}.1.1.${i}`,
  conversation,
  label,
  units: pairs.map(([dialect, standard]) => ({ dialect, standard })),
  dialect: pairs.map((p) => p[0]).join(' '),
  standard: pairs.map((p) => p[1]).join(' '),
});

test('the table rewrites only on evidence: unchanged occurrences count against, endings need several words', () => {
  const utts = [
    U('A', 1, [
      ['억수로', '엄청'],
      ['좋다', '좋다'],
    ]),
    U('A', 2, [
      ['억수로', '엄청'],
      ['크다', '크다'],
    ]),
    U('A', 3, [['억수로', '억수로']]),
    U('B', 1, [
      ['가가', '그 아이가'],
      ['와', '와'],
    ]),
    U('B', 2, [['가가', '가가']]),
    U('B', 3, [['가가', '가가']]),
    U('C', 1, [
      ['먹었나', '먹었니'],
      ['봤나', '봤니'],
      ['갔나', '갔니'],
    ]),
    U('C', 2, [['했나', '했나']]),
  ];
  const m = trainTable(utts, 1, 'to_standard', { wordThreshold: 0.5, suffixThreshold: 0.5, smoothing: 0 });
  assert.equal(m.words['억수로'].n, 3);
  assert.equal(applyTable(m, '억수로 좋다').output, '엄청 좋다'); // 2 of 3
  assert.equal(applyTable(m, '가가 와').output, '가가 와'); // 1 of 3: below 0.5
  assert.equal(applyTable(m, '억수로 좋다', { wordThreshold: 0.7 }).output, '억수로 좋다');
  const r = applyTable(m, '잤나?'); // unseen word, ending 나 → 니 seen in 3 words of 4 ending in 나
  assert.equal(r.output, '잤니?');
  assert.equal(r.steps[0].level, 'ending');
  assert.equal(applyTable(m, '했나').output, '했나'); // seen, kept: the ending rule never overrides the corpus
  assert.equal(applyTable(m, '잤나', { minSuffixTypes: 4 }).output, '잤나');
  assert.equal(applyTable(m, '억수로 잤나', { wordThreshold: NEVER, suffixThreshold: NEVER }).output, '억수로 잤나');
  // the plain baseline ignores unchanged counts
  assert.equal(mostFrequentTable(utts, 1, 'to_standard')('가가 와'), '그 아이가 와');
  // standard → dialect learns the other way round
  assert.equal(applyTable(trainTable(utts, 1, 'from_standard', { smoothing: 0 }), '엄청 좋다').output, '억수로 좋다');
});

test('colloquial-only rewrites pool their evidence over the regions; regional ones do not', () => {
  const utts = [
    // Jeolla (3) keeps 쫌 twice and rewrites it once; Gyeongsang (1) always rewrites it, and 억수로 too
    U(
      'J',
      1,
      [
        ['쫌', '쫌'],
        ['가', '가'],
      ],
      3,
    ),
    U('J', 2, [['쫌', '쫌']], 3),
    U(
      'J',
      3,
      [
        ['쫌', '좀'],
        ['겁나', '엄청'],
      ],
      3,
    ),
    U('G', 1, [['쫌', '좀']]),
    U('G', 2, [['쫌', '좀']]),
    U('G', 3, [['쫌', '좀']]),
    U('G', 4, [['억수로', '엄청']]),
    U('S', 1, [['쫌', '쫌']], 0), // standard speakers' rows are not a region's evidence
  ];
  const pooled = trainTable(utts, 3, 'to_standard', { wordThreshold: 0.5 });
  assert.deepEqual(pooled.words['쫌'], {
    n: 6,
    to: [
      ['좀', 4],
      ['쫌', 2],
    ],
  });
  assert.equal(applyTable(pooled, '쫌 가').output, '좀 가'); // 4 / (6 + 1) ≥ 0.5
  const alone = trainTable(utts, 3, 'to_standard', { wordThreshold: 0.5, poolColloquial: false });
  assert.deepEqual(alone.words['쫌'], {
    n: 3,
    to: [
      ['쫌', 2],
      ['좀', 1],
    ],
  });
  assert.equal(applyTable(alone, '쫌 가').output, '쫌 가'); // 1 / (3 + 1)
  assert.equal(pooled.words['억수로'], undefined, 'a regional word stays in its region');
  assert.ok(!colloquialOnly('겁나', '엄청') && colloquialOnly('쫌', '좀') && colloquialOnly('가지구', '가지고'));
});

test('routing: same variety echoes, standard ↔ dialect is one hop, dialect → dialect via standard; Korean', () => {
  assert.deepEqual(route('jeju', 'jeju'), []);
  assert.deepEqual(route('standard', 'jeolla'), [{ from: 'standard', to: 'jeolla' }]);
  assert.deepEqual(route('gyeongsang', 'jeju'), [
    { from: 'gyeongsang', to: 'standard' },
    { from: 'standard', to: 'jeju' },
  ]);
  assert.equal(parseVariety('표준어'), 'standard');
  assert.equal(parseVariety('경상도'), 'gyeongsang');
  assert.equal(parseVariety('제주도 방언'), 'jeju');
  assert.equal(parseVariety('전라도'), 'jeolla');
  assert.equal(parseVariety('Jeolla'), 'jeolla');
  assert.equal(parseVariety('3'), 'jeolla');
  assert.throws(() => parseVariety('강원도'), /unknown variety '강원도'/);
});

const bundled = readParallel([repoPath('data', 'aihub')]);

test('splits are by conversation, per region, deterministic', () => {
  const a = splitParallel(bundled),
    b = splitParallel(bundled);
  assert.deepEqual(
    a.test.map((u) => u.id),
    b.test.map((u) => u.id),
  );
  const conv = (xs: ParallelUtterance[]) => new Set(xs.map((u) => u.conversation));
  for (const [x, y] of [
    [a.train, a.dev],
    [a.train, a.test],
    [a.dev, a.test],
  ])
    for (const c of conv(x)) assert.ok(!conv(y).has(c), c);
  assert.equal(a.train.length + a.dev.length + a.test.length, bundled.length);
  for (const label of [1, 2, 3])
    assert.ok(a.test.some((u) => u.label === label) && a.dev.some((u) => u.label === label));
  assert.notDeepEqual(
    splitParallel(bundled, { seed: 7 }).test.map((u) => u.id),
    a.test.map((u) => u.id),
  );
});

// on held-out bundled conversations
test('the corpus translator beats copying and the plain table to standard, and does no harm from standard', () => {
  const r = evaluateTranslation(bundled);
  assert.equal(r.rows.length, 6);
  for (const row of r.rows) {
    const name = `${row.label} ${row.direction}`;
    assert.ok(row.n > 50, name);
    if (row.direction === 'to_standard') {
      assert.ok(row.corpus.chrf > row.copy.chrf + 5, `${name}: chrF ${row.corpus.chrf} vs copy ${row.copy.chrf}`);
      assert.ok(
        row.corpus.chrf > row.most_frequent.chrf,
        `${name}: chrF ${row.corpus.chrf} vs most frequent ${row.most_frequent.chrf}`,
      );
      assert.ok(row.corpus.change.precision > row.most_frequent.change.precision, name);
    } else
      assert.ok(row.corpus.chrf >= row.copy.chrf - 0.5, `${name}: chrF ${row.corpus.chrf} vs copy ${row.copy.chrf}`);
    assert.equal(row.copy.change.f1, 0);
  }
});

test('a built translator saves, loads and translates; bad files are named', () => {
  const t = buildTranslator(
    bundled.filter((u) => ['DKHL22000001', 'DKHL22000002', 'DKHL22000003', 'DKHL22000004'].includes(u.conversation)),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-tr-'));
  saveTranslator(t, dir);
  const back = loadTranslator(dir);
  const s = '억수로 좋더라 아이가';
  assert.deepEqual(back.translateSync(s, 'gyeongsang', 'standard'), t.translateSync(s, 'gyeongsang', 'standard'));
  assert.equal(back.translateSync(s, 'gyeongsang', 'gyeongsang').output, s);
  assert.match(back.translateSync(s, 'gyeongsang', 'standard').route, /^gyeongsang→standard$/);
  assert.throws(() => back.translateSync(s, 'jeju', 'standard'), /no table for jeju to_standard/);
  fs.writeFileSync(path.join(dir, 'translator.json'), '{"format":"x"}');
  assert.throws(() => loadTranslator(dir), /translator\.json: not a translator/);
  fs.writeFileSync(
    path.join(dir, 'translator.json'),
    JSON.stringify({ format: 'hai-corpus-translator', tables: [{ config: { wordThreshold: null } }] }),
  );
  assert.throws(() => loadTranslator(dir), /tables\[0\]\.config\.wordThreshold must be a number/);
});
