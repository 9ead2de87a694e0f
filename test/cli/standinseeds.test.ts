/**
 * scripts/standin-seeds.sh, the stand-in recipe's seed study (docs/training.md "Padding and batching"): one line per seed
 * with each CSV's accuracy and macro-F1 from `hai eval`, finished seeds skipped on a re-run, bad input refused.
 * Runs a smoke-sized training (HAI_SMOKE=1, one epoch), so it checks the plumbing, not the recipe.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers';

const SCRIPT = path.join(ROOT, 'scripts', 'standin-seeds.sh');
const run = (args: string[]) =>
  spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 300000, env: { ...process.env, HAI_SMOKE: '1' } });

test('standin-seeds.sh: usage and a missing CSV exit 2 and train nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-seeds-'));
  const usage = run([]);
  assert.equal(usage.status, 2);
  assert.match(usage.stdout, /scripts\/standin-seeds\.sh OUT "SEEDS"/);
  const missing = run([path.join(dir, 'out'), '1', '', path.join(dir, 'nope.csv')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such CSV: .*nope\.csv/);
  assert.ok(!fs.existsSync(path.join(dir, 'out')), 'nothing is written');
});

test('standin-seeds.sh: one line per seed with each CSV scored; a second run reuses the trained seed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-seeds-'));
  const out = path.join(dir, 'out');
  const extra = '--max_train 64 --max_valid 32 --standin_recipe {"epochs":1,"batch":16}';
  const valid = path.join(ROOT, 'data', 'rows', 'clean_valid.csv');
  const first = run([out, '3', extra, valid]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^seed 3  clean_valid (0|1)\.\d{3} \/ (0|1)\.\d{3}\n$/);
  assert.match(first.stderr, /seed 3: trained in \d+ s/);
  const j = JSON.parse(fs.readFileSync(path.join(out, 'seed-3', 'eval-clean_valid.json'), 'utf8'));
  assert.equal(j.n, 700, 'hai eval scored every row of the CSV');
  assert.equal(first.stdout.split(/\s+/)[3], j.accuracy.toFixed(3));
  const again = run([out, '3', extra, valid]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.doesNotMatch(again.stderr, /trained in/);
});
