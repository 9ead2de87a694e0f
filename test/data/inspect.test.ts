/** The clean mode's rules and the inspection helpers (notebooks/01_data.ipynb, 02_inspect.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { convertDefaults, convertFiles } from '../../src/data/aihub';
import { cleanForm, colloquialOnly, emptyCleanStats } from '../../src/data/formrules';
import { Row } from '../../src/data/rows';
import {
  duplicates,
  labelCounts,
  lengthStats,
  longestLabelRun,
  rowsOf,
  splitByConversation,
  splitByRows,
  toDataFrame,
  twins,
} from '../../src/data/inspect';
import { htmlTable } from '../../src/util/html';
import { ROOT } from '../helpers';

test('colloquialOnly: tensing and ㅗ→ㅜ raising only, syllable by syllable', () => {
  assert.equal(colloquialOnly('쫌', '좀'), true);
  assert.equal(colloquialOnly('쩍었잖아', '적었잖아'), true);
  assert.equal(colloquialOnly('가지구', '가지고'), true);
  assert.equal(colloquialOnly('머하노', '뭐하니'), false);
  assert.equal(colloquialOnly('억수로', '엄청'), false);
  assert.equal(colloquialOnly('좀', '좀'), false, 'equal parts are not a colloquial difference');
  assert.equal(colloquialOnly('깝', '갑'), true);
  assert.equal(colloquialOnly('깞', '갑'), false, 'a different final consonant is more than spelling');
});

test('cleanForm: each rule, and its count', () => {
  const st = emptyCleanStats();
  assert.deepEqual(cleanForm('@웃음 &이름1&이가 ((그래서)) (억수로)/(엄청)  좋다 카더라', st), {
    standard: '이가 그래서 엄청 좋다 카더라',
    dialect: '이가 그래서 억수로 좋다 카더라',
  }); // the name goes, its particle stays
  assert.equal(st.events_removed, 1);
  assert.equal(st.names_removed, 1);
  assert.equal(st.uncertain_unwrapped, 1);
  assert.equal(cleanForm('(쫌)/(좀) 더 해 봐', st), null, 'only a colloquial pair: dropped');
  assert.equal(st.dropped_colloquial_only, 1);
  assert.deepEqual(cleanForm('(쫌)/(좀) -그- 그 (머하노)/(뭐 하니) ((일xx))', st), {
    standard: '좀 그 뭐 하니',
    dialect: '좀 그 머하노',
  });
  assert.equal(st.colloquial_pairs_neutralised, 2);
  assert.equal(st.false_starts_removed, 1);
  assert.equal(st.uncertain_dropped, 1);
});

test('clean mode drops exact duplicates and reports every rule', () => {
  const res = convertFiles([path.join(ROOT, 'test', 'fixtures', 'aihub', 'good')], convertDefaults({ mode: 'clean' }));
  assert.ok(res.stats);
  assert.deepEqual(
    res.rows.filter((r) => r.label === 1).map((r) => r.contents),
    ['니 머하노?', '어 그 음 억수로 좋다', '엄청 숙맥이었거든 가아가', '밥 다 뭇나?'],
  ); // 쑥맥 is only tensing
  assert.equal(res.stats!.dropped_colloquial_only, 1); // (쫌)/(좀) 더 해라 (쫌)/(좀)
});

const rows: Row[] = [
  { contents: '좀 해', label: 0, source: 'A.1.1.1' },
  { contents: '쫌 해라', label: 0, source: 'A.1.1.2' },
  { contents: '머 하노', label: 1, source: 'A.1.1.1' },
  { contents: '쫌 해라 카이', label: 1, source: 'A.1.1.2' },
  { contents: '뭐 하니', label: 0, source: 'B.1.1.1' },
  { contents: '뭐하니?', label: 0, source: 'B.1.1.2' },
  { contents: '뭐 하니', label: 2, source: 'B.1.1.1' },
  { contents: '뭐 하니', label: 0, source: 'C.1.1.1' },
  { contents: '어데 가노', label: 1, source: 'C.1.1.1' },
];

test('label counts, duplicates, conflicts, near duplicates, twins, lengths, label runs', () => {
  assert.deepEqual(
    labelCounts(rows).map((c) => [c.label, c.count]),
    [
      [0, 5],
      [1, 3],
      [2, 1],
    ],
  );
  const d = duplicates(rows);
  assert.deepEqual(d.exact, [{ contents: '뭐 하니', label: 0, count: 2 }]);
  assert.deepEqual(d.conflicting, [{ contents: '뭐 하니', labels: [0, 2] }]);
  assert.deepEqual(d.near, [{ key: '뭐하니', variants: ['뭐 하니', '뭐하니?'] }]);
  const tw = twins(rows);
  assert.equal(tw.pairs, 4);
  assert.deepEqual(
    lengthStats(rows).map((s) => [s.label, s.min, s.max]),
    [
      [0, 3, 4],
      [1, 4, 7],
      [2, 4, 4],
    ],
  );
  assert.deepEqual(longestLabelRun(rows), { label: 0, length: 2, start: 0 });
  // readCsvColumns' two columns give the same answers; measure is called once per row, with its index
  const cols = { contents: rows.map((r) => r.contents), labels: rows.map((r) => r.label) };
  assert.deepEqual(lengthStats(cols), lengthStats(rows));
  assert.deepEqual(longestLabelRun(cols), longestLabelRun(rows));
  const seen: number[] = [];
  const byIndex = lengthStats(cols, (_, i) => {
    seen.push(i);
    return i;
  });
  assert.deepEqual(
    seen,
    rows.map((_, i) => i),
  );
  assert.deepEqual(
    byIndex.map((s) => [s.label, s.count, s.min, s.max]),
    [0, 1, 2].map((l) => {
      const ix = rows.flatMap((r, i) => (r.label === l ? [i] : []));
      return [l, ix.length, Math.min(...ix), Math.max(...ix)];
    }),
  );
});

test('lengthStats on 200,000 rows of one label: each measured once (a copy of the list per row made this quadratic)', () => {
  const n = 200_000,
    cols = { contents: Array.from({ length: n }, (_, i) => 'ㄱ'.repeat(1 + (i % 7))), labels: new Array(n).fill(1) };
  let calls = 0;
  const [s] = lengthStats(cols, (x) => {
    calls++;
    return x.length;
  });
  assert.equal(calls, n);
  assert.deepEqual([s.count, s.min, s.p50, s.max], [n, 1, 4, 7]);
});

test('splits: by rows leaks twins, by conversation never does; both keep row order and are seeded', () => {
  const many: Row[] = [];
  for (let c = 0; c < 40; c++)
    for (let u = 0; u < 5; u++) {
      many.push(
        { contents: `s${c}.${u}`, label: 0, source: `F${c}.1.1.${u}` },
        { contents: `d${c}.${u}`, label: 1 + (c % 3), source: `F${c}.1.1.${u}` },
      );
    }
  const a = splitByRows(many);
  assert.equal(a.train.length + a.valid.length, 400);
  assert.equal(a.valid.length, 80);
  assert.ok(a.leakedTwins > 30, `expected many leaked twins, got ${a.leakedTwins}`);
  const b = splitByConversation(many);
  assert.equal(b.leakedTwins, 0);
  assert.equal(b.valid.length, 8 * 10);
  const trainConv = new Set(b.train.map((r) => r.source!.split('.')[0]));
  assert.ok(b.valid.every((r) => !trainConv.has(r.source!.split('.')[0])));
  assert.deepEqual(
    b.train,
    many.filter((r) => b.train.includes(r)),
    'order kept',
  );
  assert.deepEqual(splitByConversation(many).valid, b.valid, 'same seed, same split');
  assert.notDeepEqual(splitByConversation(many, { validFraction: 0.2, seed: 7 }).valid, b.valid);
  assert.throws(() => splitByConversation([{ contents: 'x', label: 0 }]), /row 0 has no source utterance id/);
});

test('danfo DataFrames in, the same answers out; htmlTable escapes', () => {
  const df = toDataFrame(rows);
  assert.deepEqual(rowsOf(df), rows);
  assert.deepEqual(labelCounts(df), labelCounts(rows));
  const html = htmlTable([{ text: '<b>&', n: 2, share: 0.123456 }], 'cap');
  assert.equal(
    html,
    '<table><caption>cap</caption><thead><tr><th>text</th><th>n</th><th>share</th></tr></thead><tbody><tr><td>&lt;b&gt;&amp;</td><td style="text-align:right">2</td><td style="text-align:right">0.1235</td></tr></tbody></table>',
  );
});
