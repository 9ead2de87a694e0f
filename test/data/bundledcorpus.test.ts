/** The bundled corpus: its builder, and checks on the corpus itself (data/README.md). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eojeols, parseSource, prepareData } from '../../src/data/bundledcorpus';
import { convertFiles, listJsonFiles, readAihubFile, regionLabel } from '../../src/data/aihub';
import { PAIR_PATTERN } from '../../src/data/formrules';
import { ROOT } from '../helpers';

const SRC = `# id: DKHL22999999
# category: 경상방언 > 사적 대화 > 일상 대화
# topic: 음식
# relation: 친구
# speaker 1: name=A age=60대 sex=여성
# speaker 2: name=B age=20대 sex=남성
1: 어 니 (머하노)/(뭐 하니)?
2: @웃음 밥 (묵는다)/(먹는다) &이름1&이랑
`;

test('parseSource derives the AI Hub fields from the transcript', () => {
  const f = parseSource('x.txt', SRC);
  assert.equal(f.id, 'DKHL22999999');
  assert.equal(f.metadata.category, '경상방언 > 사적 대화 > 일상 대화');
  assert.deepEqual(
    (f.speaker as { name: string }[]).map((s) => s.name),
    ['A', 'B'],
  );
  const [u1, u2] = f.utterance as any[];
  assert.equal(u1.id, 'DKHL22999999.1.1.1');
  assert.equal(u1.standard_form, '어 니 뭐 하니?');
  assert.equal(u1.dialect_form, '어 니 머하노?');
  assert.equal(u2.standard_form, '{laughing} 밥 먹는다 &이름1&이랑');
  assert.ok(u2.start >= u1.end, 'utterances do not overlap in time');
  assert.deepEqual(eojeols('어 (머하노)/(뭐 하니)? (쑥맥)/(숙맥)이다'), [
    { id: 1, eojeol: '어', standard: '어', isDialect: false },
    { id: 2, eojeol: '머하노?', standard: '뭐 하니?', isDialect: true },
    { id: 3, eojeol: '쑥맥이다', standard: '숙맥이다', isDialect: true },
  ]);
});

test('source errors name the file and line', () => {
  assert.throws(
    () => parseSource('a.txt', SRC.replace('# topic: 음식\n', '')),
    /^Error: a\.txt: missing header '# topic:'/,
  );
  assert.throws(
    () => parseSource('a.txt', SRC + '3: 누구?\n'),
    /a\.txt: utterance 3 is by speaker 3, who has no '# speaker 3:' line/,
  );
  assert.throws(() => parseSource('a.txt', SRC + 'no speaker here\n'), /a\.txt:9: utterance line must be/);
});

const DATA = path.join(ROOT, 'data');
const REGIONS: Record<string, number> = { gyeongsang: 1, jeju: 2, jeolla: 3 };

test('data/ is exactly what `hai data prepare` builds from data/corpus-src', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-corpus-'));
  prepareData(path.join(DATA, 'corpus-src'), tmp);
  const rel = (dir: string) => listJsonFiles([dir]).map((f) => path.relative(dir, f));
  assert.deepEqual(rel(path.join(tmp, 'aihub')), rel(path.join(DATA, 'aihub')));
  for (const f of rel(path.join(tmp, 'aihub'))) {
    assert.equal(
      fs.readFileSync(path.join(tmp, 'aihub', f), 'utf8'),
      fs.readFileSync(path.join(DATA, 'aihub', f), 'utf8'),
      `${f} is stale: run npx hai data prepare`,
    );
  }
  for (const f of fs.readdirSync(path.join(tmp, 'rows'))) {
    assert.equal(
      fs.readFileSync(path.join(tmp, 'rows', f), 'utf8'),
      fs.readFileSync(path.join(DATA, 'rows', f), 'utf8'),
      `rows/${f} is stale: run npx hai data prepare`,
    );
  }
});

test('the corpus: every file parses, every marked pair differs, labels as intended, sizes as promised', () => {
  for (const [region, label] of Object.entries(REGIONS)) {
    const files = listJsonFiles([path.join(DATA, 'aihub', region)]);
    assert.ok(files.length >= 12, `${region}: ${files.length} files, want at least 12`);
    let marked = 0;
    for (const file of files) {
      const f = readAihubFile(file);
      assert.equal(regionLabel(f).label, label, `${file}: wrong region`);
      for (const u of f.utterance) {
        const pairs = u.form.match(PAIR_PATTERN) ?? [];
        if (pairs.length) marked++;
        for (const p of pairs) {
          const cut = p.indexOf(')/(');
          assert.notEqual(p.slice(1, cut), p.slice(cut + 3, -1), `${file} ${u.id}: pair ${p} has equal parts`);
        }
        // A '/(' outside any matched pair is broken markup the course's pattern would silently skip.
        assert.ok(!u.form.replace(PAIR_PATTERN, '').includes(')/('), `${file} ${u.id}: broken pair markup: ${u.form}`);
      }
    }
    assert.ok(marked >= 450, `${region}: ${marked} dialect-marked utterances, want at least 450`);
    const rows = convertFiles([path.join(DATA, 'aihub', region)]).rows;
    assert.deepEqual([...new Set(rows.map((r) => r.label))].sort(), [0, label]);
    assert.equal(rows.length, 2 * marked, 'every marked utterance gives one standard and one dialect row');
  }
});
