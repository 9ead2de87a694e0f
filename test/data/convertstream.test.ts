/** `convertFilesToCsv` (src/data/convertstream.ts) writes what `toCsv(convertFiles(…).rows)` writes, file by file (notebooks/01_data.ipynb). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertDefaults, convertFiles } from '../../src/data/aihub';
import { convertFilesToCsv } from '../../src/data/convertstream';
import { toCsv } from '../../src/data/rows';
import { ROOT } from '../helpers';

test('streamed conversion: the same CSV bytes, reports and clean statistics; a progress bar; nothing written over bad files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-conv-')),
    out = path.join(dir, 'rows.csv');
  for (const mode of ['course', 'clean'] as const) {
    const cfg = convertDefaults({ mode });
    const ref = convertFiles([path.join(ROOT, 'data', 'aihub')], cfg);
    const bar: string[] = [];
    const r = convertFilesToCsv([path.join(ROOT, 'data', 'aihub')], out, cfg, {
      progress: true,
      write: (s) => bar.push(s),
    });
    assert.equal(fs.readFileSync(out, 'utf8'), toCsv(ref.rows), mode);
    assert.equal(r.rows, ref.rows.length);
    assert.deepEqual(r.files, ref.files);
    assert.deepEqual(r.stats, ref.stats);
    assert.ok(bar.join('').includes(`${ref.files.length}/${ref.files.length}`), 'progress over files');
  }
  const fx = path.join(ROOT, 'test', 'fixtures', 'aihub');
  fs.writeFileSync(out, 'keep me');
  const bad = convertFilesToCsv([fx], out, convertDefaults(), { progress: false });
  assert.equal(bad.written, false);
  assert.ok(bad.files.some((f) => f.error));
  assert.equal(fs.readFileSync(out, 'utf8'), 'keep me', "nothing of the user's overwritten");
  assert.deepEqual(fs.readdirSync(dir), ['rows.csv'], 'no temporary file left');
  const skip = convertFilesToCsv([fx], out, convertDefaults(), { progress: false, skipBad: true });
  assert.equal(skip.written, true);
  assert.equal(fs.readFileSync(out, 'utf8'), toCsv(convertFiles([fx]).rows));
  fs.rmSync(dir, { recursive: true });
});
