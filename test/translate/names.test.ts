/**
 * Names from users are names, never paths into Object.prototype: varieties from a Map, table look-ups by own
 * property; and the route table and hub regions agree with the hub models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HUB_MODELS,
  HUB_REGIONS,
  UnknownVarietyError,
  VARIETY_NAMES,
  applyTable,
  buildTranslator,
  own,
  parseVariety,
  readParallel,
  routeTable,
  tableActive,
  trainTable,
} from '../../src/translate';
import type { ParallelUtterance } from '../../src/translate';
import { repoPath } from '../../src/util/paths';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

test('parseVariety: Object.prototype member names are unknown varieties, with the accepted names', () => {
  for (const n of HOSTILE) {
    assert.throws(
      () => parseVariety(n),
      (e: unknown) => e instanceof UnknownVarietyError && e.given === n && e.accepted.includes('표준어'),
    );
  }
  for (const n of VARIETY_NAMES) assert.doesNotThrow(() => parseVariety(n), n);
});

test('own(): only own properties', () => {
  const rec: Record<string, number> = { a: 1 };
  assert.equal(own(rec, 'a'), 1);
  for (const n of HOSTILE) assert.equal(own(rec, n), undefined, n);
});

test('a table learns and applies words named like Object.prototype members', () => {
  const u = (dialect: string, standard: string, i: number): ParallelUtterance => ({
    id: `u${i}`,
    conversation: `c${i}`,
    label: 1,
    dialect,
    standard,
    units: dialect.split(' ').map((d, k) => ({ dialect: d, standard: standard.split(' ')[k] })),
  });
  const utts = [u('constructor 묵었나', 'builder 먹었니', 0), u('__proto__ 묵었나', 'proto 먹었니', 1)];
  const t = trainTable(utts, 1, 'to_standard', { wordThreshold: 0.3, smoothing: 0 });
  // learned as own properties (an assignment to __proto__ would have set the prototype instead)
  assert.ok(Object.prototype.hasOwnProperty.call(t.words, '__proto__'));
  assert.ok(Object.prototype.hasOwnProperty.call(t.words, 'constructor'));
  assert.equal(applyTable(t, 'constructor 묵었나').output, 'builder 먹었니');
  assert.equal(applyTable(t, '__proto__ 묵었나').output, 'proto 먹었니');
  // a round trip through JSON keeps them
  const back = JSON.parse(JSON.stringify(t));
  assert.equal(applyTable(back, '__proto__ 묵었나').output, 'proto 먹었니');
  // words never seen are kept, whatever their name
  const other = trainTable([u('억수로 좋다', '엄청 좋다', 0)], 1, 'to_standard');
  assert.equal(applyTable(other, HOSTILE.join(' ')).output, HOSTILE.join(' '));
});

test('HUB_REGIONS are the regions of HUB_MODELS; the route table covers all 16 pairs', () => {
  const regions = new Set(
    Object.keys(HUB_MODELS)
      .flatMap((k) => k.split('→'))
      .filter((v) => v !== 'standard'),
  );
  assert.deepEqual([...regions].sort(), [...HUB_REGIONS].sort());
  const some = readParallel([repoPath('data', 'aihub')]).filter((x) => Number(x.conversation.slice(-2)) <= 3);
  const tr = buildTranslator(some);
  const rows = routeTable(tr);
  assert.equal(rows.length, 16);
  assert.equal(rows.find((r) => r.from === 'jeju' && r.to === 'jeju')!.corpus, 'echo');
  const j = rows.find((r) => r.from === 'standard' && r.to === 'jeolla')!;
  assert.equal(j.hub, 'no model');
  const t = tr.tables.find((x) => x.label === 3 && x.direction === 'from_standard')!;
  assert.equal(j.corpus, `standard→jeolla: ${tableActive(t) ? 'rewrites' : 'copies (tuned off)'}`);
  assert.equal(rows.find((r) => r.from === 'gyeongsang' && r.to === 'jeju')!.route, 'gyeongsang→standard→jeju');
});
