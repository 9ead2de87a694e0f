/**
 * The course's CSVs as cached ragged encodings (src/course/encodecache.ts), the fast CSV reader beside
 * `readRowsCsv` (src/data/csvcolumns.ts), and the memory bound the padded path broke (notebooks/04_tuned.ipynb).
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { readRowsCsv } from '../../src/data/rows';
import { readCsvColumns } from '../../src/data/csvcolumns';
import { BertTokenizer } from '../../src/text/tokenizer';
import { PreTrainedTokenizer, courseEncode } from '../../src/text/pretrainedtokenizer';
import { trainWordPiece } from '../../src/text/wordpiece';
import {
  deserializeEncoding,
  encodeCsv,
  encodeTexts,
  evenIndices,
  serializeEncoding,
} from '../../src/infer/encodecache';
import { evenSubset } from '../../src/course/course';
import { ROOT } from '../helpers';

const DATA = path.join(ROOT, 'data', 'rows');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hai-enc-'));
let tok: PreTrainedTokenizer;
before(() => {
  tok = new BertTokenizer(
    trainWordPiece(
      readRowsCsv(path.join(DATA, 'course_train.csv')).map((r) => r.contents),
      { vocab_size: 3000 },
    ),
    { do_lower_case: false },
  );
});

test('readCsvColumns reads what readRowsCsv reads, with the same errors', () => {
  for (const f of fs.readdirSync(DATA).filter((x) => x.endsWith('.csv'))) {
    const rows = readRowsCsv(path.join(DATA, f)),
      cols = readCsvColumns(path.join(DATA, f));
    assert.deepEqual(cols, { contents: rows.map((r) => r.contents), labels: rows.map((r) => r.label) }, f);
  }
  const dir = tmp();
  const cases = [
    'label,contents\r\n1,"a, ""b"""\r\n\r\n2,"two\nlines"\n0,c',
    'contents,label\n"x"y,1\n"a\rb",2\n\ufeff',
    '\ufeffcontents,label\nx,1',
    'contents,label\nx,1,2\n',
    'contents,label\nx,-1\n',
    'contents,label\n"x,1\n',
    'text,y\nx,1\n',
    '',
    'contents,label\nx,1\r"q""",3',
  ];
  cases.forEach((text, i) => {
    const f = path.join(dir, `c${i}.csv`);
    fs.writeFileSync(f, text);
    let a: unknown, b: unknown;
    try {
      const r = readRowsCsv(f);
      a = { contents: r.map((x) => x.contents), labels: r.map((x) => x.label) };
    } catch (e) {
      a = (e as Error).message;
    }
    try {
      b = readCsvColumns(f);
    } catch (e) {
      b = (e as Error).message;
    }
    assert.deepEqual(b, a, `case ${i}: ${JSON.stringify(text)}`);
  });
  fs.rmSync(dir, { recursive: true });
});

test('encodeCsv: tokenizes once, then reads the cache; a changed file, maxlen or subset is a new entry; a damaged entry is rebuilt', () => {
  const dir = tmp(),
    cache = path.join(dir, 'cache'),
    csv = path.join(dir, 't.csv');
  fs.copyFileSync(path.join(DATA, 'course_valid.csv'), csv);
  const rows = readRowsCsv(csv);
  const cfg = { maxlen: 24, encoding: 'course' as const, cache, progress: false };
  const a = encodeCsv(tok, csv, cfg),
    b = encodeCsv(tok, csv, cfg);
  assert.equal(a.cached, false);
  assert.equal(b.cached, true);
  assert.deepEqual(b.enc.toPadded(), a.enc.toPadded());
  assert.deepEqual(
    a.enc.toPadded().input_ids,
    courseEncode(
      tok,
      rows.map((r) => r.contents),
      24,
    ).input_ids,
  );
  assert.deepEqual(
    a.enc.labels,
    rows.map((r) => r.label),
  );
  assert.equal(encodeCsv(tok, csv, { ...cfg, maxlen: 25 }).cached, false, 'another maxlen');
  const sub = encodeCsv(tok, csv, { ...cfg, max_rows: 100 });
  assert.equal(sub.cached, false);
  assert.deepEqual(
    sub.enc.labels,
    evenSubset(rows, 100).map((r) => r.label),
    "max_rows keeps evenSubset's rows",
  );
  assert.deepEqual(evenIndices(10, 4), [0, 2, 5, 7]);
  fs.appendFileSync(csv, '새 줄,1\n');
  const c = encodeCsv(tok, csv, cfg);
  assert.equal(c.cached, false, 'the file changed');
  assert.equal(c.enc.size, rows.length + 1);
  fs.writeFileSync(c.cache_file!, fs.readFileSync(c.cache_file!).subarray(0, 100));
  const notes: string[] = [];
  const d = encodeCsv(tok, csv, { ...cfg, write: (s) => notes.push(s) });
  assert.equal(d.cached, false);
  assert.match(notes.join(''), /truncated or corrupt.*tokenizing again/);
  assert.equal(encodeCsv(tok, csv, cfg).cached, true, 'rebuilt');
  assert.equal(encodeCsv(tok, csv, { ...cfg, cache: null }).cache_file, null);
  assert.throws(() => encodeCsv(tok, path.join(dir, 'none.csv'), cfg), /none\.csv: no such file/);
  assert.deepEqual(deserializeEncoding(serializeEncoding(a.enc)).toPadded(), a.enc.toPadded());
  fs.rmSync(dir, { recursive: true });
});

test('memory: 200k rows encode into a few MiB, where padding every row to 256 took over 400 MB', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const base = readRowsCsv(path.join(DATA, 'course_train.csv')).map((r) => r.contents);
  const n = 200_000,
    texts = Array.from({ length: n }, (_, i) => base[i % base.length]),
    labels = texts.map((_, i) => i % 4);
  gc();
  const before = process.memoryUsage().heapUsed;
  const bar: string[] = [];
  const { enc } = encodeTexts(tok, texts, labels, { maxlen: 256, write: (s) => bar.push(s) });
  gc();
  const held = process.memoryUsage().heapUsed - before + enc.bytes; // typed arrays live outside the JS heap
  // The padded form holds n × 256 ids and as many mask entries, 8 bytes each as JS numbers: 819 MB here.
  const padded = n * 256 * 2 * 8;
  assert.ok(held < 48 * 2 ** 20, `the encoding holds ${(held / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(held * 10 < padded);
  assert.equal(enc.size, n);
  assert.ok(
    bar.some((s) => s.includes('100%|') && s.includes(`${n}/${n}`)),
    'a progress bar for 200k rows',
  );
});
