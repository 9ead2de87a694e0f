/** Session 1 conversion, on hand-made AI Hub-style fixtures (notebooks/01_data.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertDefaults, convertFiles, listJsonFiles, readAihubFile } from '../../src/data/aihub';
import { convertForm } from '../../src/data/formrules';
import { toCsv } from '../../src/data/rows';
import { hai, ROOT } from '../helpers';

const FIX = path.join(ROOT, 'test', 'fixtures', 'aihub');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hai-data-'));

test('convertForm: every markup case of the course rules', () => {
  assert.equal(convertForm('그냥 표준어 문장이야'), null, 'no pair');
  assert.equal(convertForm('(밥)/(밥) 먹었어'), null, 'only equal pairs');
  assert.deepEqual(convertForm('니 (머하노)/(뭐 하니)?'), { standard: '니 뭐 하니?', dialect: '니 머하노?' });
  assert.deepEqual(convertForm('(쫌)/(좀) 더 해라 (쫌)/(좀)'), { standard: '좀 더 해라 좀', dialect: '쫌 더 해라 쫌' });
  // `*`, `#` and `(())` go; the space around `(())` stays, as Python's str.replace leaves it.
  assert.deepEqual(convertForm('*어* 그 #음# (()) (억수로)/(엄청) 좋다'), {
    standard: '어 그 음  엄청 좋다',
    dialect: '어 그 음  억수로 좋다',
  });
  assert.equal(convertForm('(그리))/(그렇게) 했다 카이'), null, 'broken markup does not match the pattern');
  assert.deepEqual(convertForm('@웃음 엄청 (쑥맥)/(숙맥)이었거든 (가아)/(그 아이)가'), {
    standard: '@웃음 엄청 숙맥이었거든 그 아이가',
    dialect: '@웃음 엄청 쑥맥이었거든 가아가',
  });
  assert.deepEqual(convertForm('(밥)/(밥) 다 (뭇나)/(먹었니)?'), { standard: '밥 다 먹었니?', dialect: '밥 다 뭇나?' });
  // Characters outside [가-힣 .!?] inside a pair (here a comma) mean no match, as in the course.
  assert.equal(convertForm('(그래, 마)/(그래, 뭐)'), null);
});

test('convertForm finds the pairs once, on the cleaned form, as re.findall does', () => {
  // Only `(나)/(다)` matches; replacing it makes a new `(가)/(다)` that is not replaced again.
  assert.deepEqual(convertForm('(가)/((나)/(다))'), { standard: '(가)/(다)', dialect: '(가)/(나)' });
});

test('files: standard rows first, then dialect rows; lexicographic order; BOM; id-prefix fallback; unmapped regions reported', () => {
  const res = convertFiles([path.join(FIX, 'good')]);
  assert.deepEqual(
    res.files.map((f) => [path.basename(f.file), f.label, f.rows]),
    [
      ['a_gyeongsang.json', 1, 10],
      ['b_jeju_bom.json', 2, 4],
      ['c_gangwon.json', null, 0],
      ['d_jeolla.json', 3, 2],
    ],
  );
  assert.match(res.files[2].skipped!, /region '강원방언' has no label/);
  assert.deepEqual(
    res.rows.map((r) => `${r.label}|${r.contents}`),
    [
      '0|니 뭐 하니?',
      '0|좀 더 해라 좀',
      '0|어 그 음  엄청 좋다',
      '0|@웃음 엄청 숙맥이었거든 그 아이가',
      '0|밥 다 먹었니?',
      '1|니 머하노?',
      '1|쫌 더 해라 쫌',
      '1|어 그 음  억수로 좋다',
      '1|@웃음 엄청 쑥맥이었거든 가아가',
      '1|밥 다 뭇나?',
      '0|어서 오세요',
      '0|무사 경 하세요?',
      '2|혼저 옵서',
      '2|무사 경 햄수과?',
      '0|그런데 뭐 했어?',
      '3|근디 뭐 혔어?',
    ],
  );
  const mapped = convertFiles([path.join(FIX, 'good', 'c_gangwon.json')], convertDefaults({ labelMap: { 강원: 4 } }));
  assert.deepEqual(mapped.rows, [
    { contents: '그랬어요', label: 0, source: 'DGXX00000003.1.1.1' },
    { contents: '그래드래요', label: 4, source: 'DGXX00000003.1.1.1' },
  ]);
});

test('malformed files get errors naming the file and what is wrong', () => {
  const res = convertFiles([path.join(FIX, 'bad')]);
  const err = Object.fromEntries(res.files.map((f) => [path.basename(f.file), f.error]));
  assert.match(err['empty.json']!, /bad[/\\]empty\.json: empty file$/);
  assert.match(err['not_json.json']!, /not_json\.json: not valid JSON: /);
  assert.match(
    err['no_form.json']!,
    /no_form\.json: utterance\[1\] \(DKXX00000009\.1\.1\.2\): missing field "form" \(string\)/,
  );
  assert.match(err['no_utterance.json']!, /no_utterance\.json: missing field "utterance" \(array\)/);
  assert.equal(res.rows.length, 0);
  assert.throws(() => readAihubFile(path.join(FIX, 'nope.json')), /nope\.json: cannot read/);
  assert.throws(() => listJsonFiles([path.join(FIX, 'nope')]), /nope: no such file or folder/);
});

test('CSV: danfo reads back the same strings, including commas, quotes and leading spaces', async () => {
  const dfd = require('danfojs-node');
  const rows = [
    { contents: '그래, 마 "됐다" 카이', label: 1 },
    { contents: ' 앞 공백', label: 0 },
    { contents: '줄\n바꿈', label: 2 },
  ];
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'r.csv'), toCsv(rows));
  const df = await dfd.readCSV(path.join(dir, 'r.csv'));
  assert.deepEqual(df.columns, ['contents', 'label']);
  assert.deepEqual(
    df['contents'].values,
    rows.map((r) => r.contents),
  );
  assert.deepEqual(
    df['label'].values,
    rows.map((r) => r.label),
  );
});

test('hai data convert: writes the CSV, reports counts; a bad file fails the run and leaves the old output untouched', () => {
  const dir = tmp();
  const out = path.join(dir, 'rows.csv');
  let r = hai(['data', 'convert', path.join(FIX, 'good'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /rows\.csv: 16 rows from 4 files \(0 표준어: 8, 1 경상도: 5, 2 제주도: 2, 3 전라도: 1\)/);
  assert.match(r.stderr, /warning: .*c_gangwon\.json: skipped: region '강원방언' has no label/);
  const before = fs.readFileSync(out, 'utf8');
  assert.equal(before.split('\n')[0], 'contents,label');

  r = hai(['data', 'convert', path.join(FIX, 'good'), path.join(FIX, 'bad', 'not_json.json'), '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: .*not_json\.json: not valid JSON/);
  assert.match(r.stderr, /1 of 5 files could not be read; nothing was written/);
  assert.equal(fs.readFileSync(out, 'utf8'), before);
  assert.deepEqual(fs.readdirSync(dir), ['rows.csv'], 'no temporary file left behind');

  r = hai([
    'data',
    'convert',
    path.join(FIX, 'good'),
    path.join(FIX, 'bad', 'not_json.json'),
    '--out',
    out,
    '--skip-bad',
    '--label-map',
    '강원=4',
  ]);
  assert.equal(r.code, 1, 'a skipped bad file still makes the exit status non-zero');
  assert.match(r.stdout, /18 rows from 4 files/);
});

test('readRowsCsv reads what toCsv writes, and names the row of bad input', () => {
  const { readRowsCsv } = require('../../src/data/rows');
  const rows = [
    { contents: '그래, 마 "됐다"', label: 1 },
    { contents: '줄\n바꿈', label: 2 },
    { contents: ' 앞 공백', label: 0 },
  ];
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'a.csv'), toCsv(rows));
  assert.deepEqual(readRowsCsv(path.join(dir, 'a.csv')), rows);
  fs.writeFileSync(path.join(dir, 'b.csv'), 'contents,label\nfine,0\nbad,x\n');
  assert.throws(() => readRowsCsv(path.join(dir, 'b.csv')), /b\.csv: row 3: label 'x' is not a non-negative integer/);
  fs.writeFileSync(path.join(dir, 'c.csv'), 'text,y\n');
  assert.throws(() => readRowsCsv(path.join(dir, 'c.csv')), /expected a header with columns contents,label/);
  fs.writeFileSync(path.join(dir, 'd.csv'), 'contents,label\n"open,0\n');
  assert.throws(() => readRowsCsv(path.join(dir, 'd.csv')), /quoted field is not closed/);
  // The committed course split reads back to the rows that built it.
  assert.equal(readRowsCsv(path.join(ROOT, 'data', 'rows', 'course_valid.csv')).length, 767);
});
