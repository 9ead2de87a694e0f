import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as http from 'node:http';
import { readParallel, buildTranslator, HubTranslator, HUB_GENERATION, CorpusTranslator } from '../../src/translate';
import { appDefaults, createAppServer, handleApi, naiveBayesDetector, listen } from '../../src/app';
import { repoPath } from '../../src/util/paths';

// A small translator (four conversations per region) keeps the suite fast; the real default is in runs/translator/.
const some = readParallel([repoPath('data', 'aihub')]).filter((u) => Number(u.conversation.slice(-2)) <= 4);
const translator: CorpusTranslator = buildTranslator(some);
const detector = naiveBayesDetector();
let server: http.Server,
  base = '';

before(async () => {
  ({ server } = await listen(createAppServer(appDefaults({ translator, detector, maxChars: 50 })), 0, '127.0.0.1'));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

async function post(route: string, body: unknown, raw = false) {
  const r = await fetch(base + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as any };
}

test("the page has the original app's widgets, in Korean, and says detection looks at all four labels", async () => {
  const r = await fetch(base + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/html; charset=utf-8/);
  const html = await r.text();
  for (const s of [
    '입력 언어',
    '발화 텍스트 입력',
    '목표 언어',
    '번역하기',
    '자동',
    '표준어',
    '경상도 방언',
    '제주도 방언',
    '전라도 방언',
    '입력 텍스트 자동 분류: ',
    '앞의 3개만',
    'Naive Bayes',
  ])
    assert.ok(html.includes(s), s);
});

test('POST /api/translate: a chosen source, and auto with the detected label', async () => {
  const a = await post('/api/translate', { text: '억수로 좋더라', source: 'gyeongsang', target: 'standard' });
  assert.equal(a.status, 200);
  assert.equal(a.json.output, translator.translateSync('억수로 좋더라', 'gyeongsang', 'standard').output);
  assert.equal(a.json.route, 'gyeongsang→standard');
  assert.equal(a.json.detected, undefined);
  const b = await post('/api/translate', { text: '혼저 옵서예 무사 경 햄수광', source: '자동', target: '표준어' });
  assert.equal(b.status, 200);
  assert.equal(b.json.detected.label, 2);
  assert.equal(b.json.detected.name, '제주도');
  assert.equal(b.json.detected.probs.length, 4);
  assert.ok(Math.abs(b.json.detected.probs.reduce((x: number, y: number) => x + y, 0) - 1) < 1e-9);
  assert.equal(b.json.from, 'jeju');
  assert.equal(b.json.route, 'jeju→standard');
  const c = await post('/api/translate', { text: '억수로 좋더라', source: '경상도', target: '제주도' });
  assert.equal(c.json.route, 'gyeongsang→standard→jeju');
  assert.equal(c.json.hops.length, 2);
  const d = await post('/api/translate', { text: '그냥 그래', source: 'jeju', target: 'jeju' });
  assert.equal(d.json.output, '그냥 그래');
  assert.equal(d.json.route, 'jeju (echo)');
});

test('POST /api/classify uses all four labels (Jeolla can be answered)', async () => {
  const r = await post('/api/classify', { text: '겁나 좋당께 뭣허냐 거시기' });
  assert.equal(r.status, 200);
  assert.equal(r.json.label, 3);
  assert.equal(r.json.name, '전라도');
  assert.match(r.json.detector, /Naive Bayes/);
});

test('bad input gets a 400 that says what is wrong', async () => {
  const cases: [unknown, RegExp][] = [
    [{ text: '', source: 'standard', target: 'jeju' }, /empty/],
    [{ text: '   \n', source: 'standard', target: 'jeju' }, /empty/],
    [{ text: '가'.repeat(51), source: 'standard', target: 'jeju' }, /51 characters; the limit is 50/],
    [{ text: '밥', source: 'gangwon', target: 'jeju' }, /field "source": unknown variety 'gangwon'/],
    [{ text: '밥', source: 'standard', target: 'auto' }, /field "target": unknown variety 'auto'/],
    [{ text: 3, source: 'standard', target: 'jeju' }, /"text" must be a string/],
    [{ source: 'standard', target: 'jeju' }, /missing field "text"/],
    [{ text: '밥', target: 'jeju' }, /missing field "source"/],
    [[1, 2], /JSON object/],
    [{ text: '밥', source: 'standard', target: 'jeju', translator: 'gpt' }, /"translator" must be "corpus" or "hub"/],
  ];
  for (const [body, re] of cases) {
    const r = await post('/api/translate', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.error, re);
  }
  const bad = await post('/api/translate', '{"text": "밥", ', true);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /malformed JSON/);
  assert.equal((await post('/api/classify', { text: ' ' })).status, 400);
  assert.equal((await post('/api/nothing', {})).status, 404);
  assert.equal((await fetch(base + '/api/translate')).status, 405);
});

test('source auto without a classifier is a 503 that says how to get one; the hub path without models', async () => {
  const cfg = appDefaults({ translator, detector: null });
  const r = await handleApi(cfg, '/api/translate', { text: '밥 뭇나', source: 'auto', target: 'standard' });
  assert.equal(r.status, 503);
  assert.match((r.json as any).error, /--model <checkpoint>.*hai train --preset fast --standin/);
  assert.equal((await handleApi(cfg, '/api/classify', { text: '밥' })).status, 503);
  assert.equal(
    (await handleApi(cfg, '/api/translate', { text: '밥', source: 'standard', target: 'jeju', translator: 'hub' }))
      .status,
    503,
  );
  const hub = new HubTranslator({ localDir: null, allowRemote: false });
  const h = await handleApi({ ...cfg, hub }, '/api/translate', {
    text: '밥',
    source: 'standard',
    target: 'jeju',
    translator: 'hub',
  });
  assert.equal(h.status, 503);
  assert.match((h.json as any).error, /eunjin\/kobart_jeju_translator is not available/);
});

test('the hub translator: the original four models, routing, beam 4, no_repeat_ngram_size 2, loaded once', async () => {
  const loads: string[] = [],
    calls: { model: string; text: string; opts: Record<string, unknown> }[] = [];
  const factory = async (task: string, model: string) => {
    assert.equal(task, 'text2text-generation');
    loads.push(model);
    return async (text: string, opts: Record<string, unknown>) => {
      calls.push({ model, text, opts });
      return [{ generated_text: `${model.split('/')[1]}(${text})` }];
    };
  };
  const hub = new HubTranslator({ factory });
  assert.equal(hub.unavailable(), null);
  const r = await hub.translate('밥 뭇나', 'gyeongsang', 'jeju');
  assert.equal(r.route, 'gyeongsang→standard→jeju');
  assert.equal(r.output, 'kobart_jeju_translator(kobart_gyeongsang_to_standard_translator(밥 뭇나))');
  assert.deepEqual(
    calls.map((c) => c.opts),
    [HUB_GENERATION, HUB_GENERATION],
  );
  assert.deepEqual(HUB_GENERATION, { num_beams: 4, no_repeat_ngram_size: 2 });
  await hub.translate('밥 먹었니', 'standard', 'gyeongsang');
  await hub.translate('밥 먹었니', 'standard', 'jeju');
  assert.deepEqual(loads, [
    'eunjin/kobart_gyeongsang_to_standard_translator',
    'eunjin/kobart_jeju_translator',
    'eunjin/kobart_gyeongsang_translator',
  ]);
  assert.equal((await hub.translate('같은 말', 'jeju', 'jeju')).output, '같은 말');
  assert.match(hub.unavailable('standard', 'jeolla') ?? '', /no hub model translates standard→jeolla/);
  await assert.rejects(hub.translate('밥', 'jeolla', 'standard'), /no hub model translates jeolla→standard/);
  assert.match(
    new HubTranslator({ localDir: '/nonexistent', allowRemote: false }).unavailable('jeju', 'standard') ?? '',
    /kobart_jeju_to_standard_translator.*onnx.*remote loading is off/,
  );
  // a model that fails to load is a 503 naming it, and is retried on the next call (not cached as failed)
  let fail = true;
  const flaky = new HubTranslator({
    factory: async (t, m) => {
      if (fail) throw new Error('tokenizer.json not found');
      return factory(t, m);
    },
  });
  const f1 = await handleApi(appDefaults({ translator, hub: flaky }), '/api/translate', {
    text: '밥',
    source: 'standard',
    target: 'jeju',
    translator: 'hub',
  });
  assert.equal(f1.status, 503);
  assert.match((f1.json as any).error, /eunjin\/kobart_jeju_translator could not be loaded: tokenizer.json not found/);
  fail = false;
  assert.equal((await flaky.translate('밥', 'standard', 'jeju')).output, 'kobart_jeju_translator(밥)');
  // served: the hub's answer is returned as the hub gave it
  const s = await handleApi(appDefaults({ translator, hub, detector }), '/api/translate', {
    text: '밥',
    source: 'standard',
    target: 'jeju',
    translator: 'hub',
  });
  assert.equal(s.status, 200);
  assert.equal((s.json as any).output, 'kobart_jeju_translator(밥)');
  assert.equal((s.json as any).translator, 'hub');
});
