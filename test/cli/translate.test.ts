/**
 * `hai translate` and `hai serve` as a user runs them (the built CLI): JSON lines in and out, Korean names,
 * errors that name the line, --eval's table, a server that prints its URL and answers.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { HAI, ROOT, hai } from '../helpers';
import { readParallel, buildTranslator, saveTranslator } from '../../src/translate';

// a small translator folder keeps each CLI call fast (the default one is built from all of data/aihub)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-cli-tr-'));
const translator = buildTranslator(
  readParallel([path.join(ROOT, 'data', 'aihub')]).filter((u) => Number(u.conversation.slice(-2)) <= 4),
);
before(() => saveTranslator(translator, dir));

const run = (args: string[], input: string) =>
  spawnSync(process.execPath, [HAI, 'translate', '--translator', dir, ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    timeout: 120000,
  });

test('hai translate: one JSON line out per line in, with text, output, from, to, route; Korean names accepted', () => {
  const r = run(['--from', '제주도', '--to', '표준어'], '{"text": "혼저 옵서예"}\n\n{"text": "무사 경 햄수광"}\n');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].text, '혼저 옵서예');
  assert.equal(lines[0].from, 'jeju');
  assert.equal(lines[0].to, 'standard');
  assert.equal(lines[0].route, 'jeju→standard');
  assert.equal(lines[0].output, translator.translateSync('혼저 옵서예', 'jeju', 'standard').output);
  const chain = run(['--from', 'gyeongsang', '--to', 'jeolla'], '{"text": "억수로 좋더라"}\n');
  assert.equal(JSON.parse(chain.stdout).route, 'gyeongsang→standard→jeolla');
  // every line says whether it changed the text, and why not; the tables are a stand-in for the KoBART models
  assert.equal(lines[0].changed, lines[0].output !== '혼저 옵서예');
  assert.equal(lines[0].standin, true);
  const c = JSON.parse(chain.stdout);
  const expected = translator.translateSync('억수로 좋더라', 'gyeongsang', 'jeolla');
  assert.deepEqual([c.changed, c.reason], [expected.changed, expected.reason]);
  const echo = JSON.parse(run(['--from', 'jeju', '--to', '제주도'], '{"text": "그냥 그래"}\n').stdout);
  assert.deepEqual([echo.changed, echo.reason.code], [false, 'same-variety']);
});

test('hai translate --from auto: the Naive Bayes baseline (bannered) or --model; --detector none is an error', () => {
  const r = run(['--from', 'auto', '--to', 'standard'], '{"text": "겁나 좋당께 뭣허냐"}\n');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /auto-detect: character 1–3-gram Naive Bayes baseline/);
  const j = JSON.parse(r.stdout);
  assert.equal(j.detected.label, 3);
  assert.equal(j.from, 'jeolla');
  const none = run(['--from', '자동', '--to', 'standard', '--detector', 'none'], '{"text": "밥 뭇나"}\n');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /--from auto needs a classifier: give --model <checkpoint>/);
  const missing = run(['--from', 'auto', '--to', 'standard', '--model', '/nonexistent/ckpt'], '{"text": "밥"}\n');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/nonexistent\/ckpt: no such checkpoint folder/);
});

test('hai translate: bad input names the line or the option and exits 1', () => {
  const cases: [string[], string, RegExp][] = [
    [['--from', 'jeju', '--to', 'standard'], '{"text": "혼저"}\nnot json\n', /stdin line 2: not JSON/],
    [['--from', 'jeju', '--to', 'standard'], '{"txt": "혼저"}\n', /stdin line 1: expected \{"text": "…"\}/],
    [['--from', 'jeju', '--to', 'standard'], '{"text": "  "}\n', /stdin line 1: field "text" is empty/],
    [['--from', '강원도', '--to', 'standard'], '', /unknown variety '강원도'/],
    [['--to', 'standard'], '', /give --from and --to/],
    [['--from', 'standard', '--to', 'jeolla', '--hub'], '', /no hub model translates standard→jeolla/],
    [['--from', 'standard', '--to', 'jeju', '--hub'], '', /kobart_jeju_translator is not available/],
  ];
  for (const [args, input, re] of cases) {
    const r = run(args, input);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re);
  }
  const bad = hai(['translate', '--translator', os.tmpdir(), '--from', 'jeju', '--to', 'standard']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /translator\.json: cannot read a translator/);
});

test('hai serve prints its URL and answers the API; --port is checked', async () => {
  const child = spawn(process.execPath, [HAI, 'serve', '--port', '0', '--translator', dir], { cwd: ROOT });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving the translator at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (c) => reject(new Error(`hai serve exited ${c}`)));
      setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 60000);
    });
    const body = JSON.stringify({ text: '혼저 옵서예', source: '제주도', target: '표준어' });
    const headers = { 'content-type': 'application/json' };
    const r = await fetch(url + 'api/translate', { method: 'POST', headers, body });
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as any).output, translator.translateSync('혼저 옵서예', 'jeju', 'standard').output);
    assert.equal((await fetch(url + 'api/translate', { method: 'POST', headers, body: '{' })).status, 400);
    // fetch sends a string body as text/plain: not declared JSON, so 415 (it used to be parsed anyway)
    assert.equal((await fetch(url + 'api/translate', { method: 'POST', body })).status, 415);
    assert.match(await (await fetch(url)).text(), /번역하기/);
  } finally {
    child.kill();
  }
  const bad = hai(['serve', '--port', '70000']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--port must be 0–65535, got '70000'/);
});

test('hai translate --eval prints copy, most_frequent and corpus rows for each region and direction', () => {
  const r = hai([
    'translate',
    '--eval',
    '--json',
    '--data',
    ...['DKHL22000001', 'DKHL22000002', 'DKHL22000003', 'DKHL22000004', 'DKHL22000005'].map((f) =>
      path.join(ROOT, 'data', 'aihub', 'gyeongsang', `${f}.json`),
    ),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    j.rows.map((x: any) => `${x.label} ${x.direction}`),
    ['1 to_standard', '1 from_standard'],
  );
  for (const row of j.rows)
    for (const sys of ['copy', 'most_frequent', 'corpus'])
      for (const k of ['bleu', 'chrf', 'exact']) assert.equal(typeof row[sys][k], 'number');
  assert.equal(j.split.seed, 42);
});
