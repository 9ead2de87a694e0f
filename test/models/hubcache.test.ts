/**
 * Hub ids through Python's cache layout (built here by hand, as huggingface_hub leaves it), downloads from a
 * fake hub (a `fetch` that answers the hub's API in memory: no network), offline failures, and stand-ins.
 */
import { after, afterEach, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { AutoModelForSequenceClassification } from '../../src/models/automodel';
import { writeSafetensors } from '../../src/models/safetensors';
import { ModelUnavailableError, hubCacheDir } from '../../src/models/hubcache';
import { AutoTokenizer } from '../../src/models/autotokenizer';

const REF = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'reference', 'models.json'), 'utf8')).models.bert;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-hub-'));
const ENV = [
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'XDG_CACHE_HOME',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_OFFLINE',
  'HAI_STANDIN',
  'HAI_STANDIN_CACHE',
  'HF_ENDPOINT',
];
let saved: Record<string, string | undefined> = {};
let n = 0;
const fresh = (name: string) => path.join(tmp, `${name}-${n++}`);

before(async () => {
  await initBackend('wasm');
});
beforeEach(() => {
  saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const k of ENV) delete process.env[k];
  process.env.HF_HUB_CACHE = fresh('hf');
  process.env.HAI_STANDIN_CACHE = fresh('standins');
});
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The files of a tiny BERT repository: config, safetensors and a (broken) .bin beside it, tokenizer. */
function repoFiles(): Record<string, Buffer> {
  const st = path.join(tmp, `w-${n++}.safetensors`);
  writeSafetensors(
    st,
    new Map(
      Object.entries(REF.state_dict as Record<string, { shape: number[]; data: number[] }>).map(([k, v]) => [
        k,
        { shape: v.shape, data: Float32Array.from(v.data) },
      ]),
    ),
  );
  return {
    'config.json': Buffer.from(JSON.stringify(REF.config)),
    'model.safetensors': fs.readFileSync(st),
    'pytorch_model.bin': Buffer.from('a .bin that must not be read when safetensors exists'),
    'vocab.txt': Buffer.from(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '가', '##나'].join('\n') + '\n'),
    'tokenizer_config.json': Buffer.from(JSON.stringify({ do_lower_case: false })),
    'README.md': Buffer.from('# not fetched\n'),
  };
}
const oid = (b: Buffer) => crypto.createHash('sha1').update(b).digest('hex');
const SHA = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';

/** What huggingface_hub leaves on disk: blobs named by etag, snapshot symlinks, refs/main. */
function pythonCache(cache: string, repoId: string, files: Record<string, Buffer>): string {
  const repo = path.join(cache, `models--${repoId.replace('/', '--')}`);
  const snap = path.join(repo, 'snapshots', SHA);
  fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  fs.mkdirSync(snap, { recursive: true });
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'refs', 'main'), SHA);
  for (const [f, b] of Object.entries(files)) {
    fs.writeFileSync(path.join(repo, 'blobs', oid(b)), b);
    fs.symlinkSync(path.join('..', '..', 'blobs', oid(b)), path.join(snap, f));
  }
  return snap;
}

/** An in-memory hub: model info, file tree, paths-info and resolve (with Range), counting requests. */
function fakeHub(repoId: string, files: Record<string, Buffer>) {
  const calls: string[] = [];
  const json = (x: unknown) => new Response(JSON.stringify(x), { headers: { 'Content-Type': 'application/json' } });
  const entry = (p: string) => ({
    type: 'file',
    path: p,
    size: files[p].length,
    oid: oid(files[p]),
    lastCommit: { id: SHA, date: '2024-01-01', title: 'x' },
  });
  const fetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    calls.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const api = `/api/models/${repoId}`;
    if (url.pathname.startsWith(`${api}/revision/`)) return json({ _id: '1', id: repoId, sha: SHA, private: false });
    if (url.pathname.startsWith(`${api}/tree/`)) return json(Object.keys(files).map(entry));
    if (url.pathname.startsWith(`${api}/paths-info/`))
      return json((JSON.parse(String(init!.body)).paths as string[]).map(entry));
    const m = url.pathname.match(new RegExp(`^/${repoId}/resolve/[^/]+/(.+)$`));
    if (m && files[m[1]]) {
      const b = files[m[1]],
        range = new Headers(init?.headers).get('Range');
      const headers = { ETag: `"${oid(b)}"`, 'Content-Type': 'application/octet-stream' };
      if (!range) return new Response(b, { headers });
      const [, a, z] = range.match(/bytes=(\d+)-(\d+)/)!.map(Number);
      return new Response(b.subarray(a, z + 1), {
        status: 206,
        headers: { ...headers, 'Content-Range': `bytes ${a}-${Math.min(z, b.length - 1)}/${b.length}` },
      });
    }
    return new Response('{"error":"Repository Not Found"}', {
      status: 404,
      headers: { 'X-Error-Code': 'RepoNotFound' },
    });
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

test('the cache folder follows huggingface_hub: HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub', () => {
  process.env.HF_HUB_CACHE = '/x/cache';
  process.env.HF_HOME = '/y/home';
  assert.equal(hubCacheDir(), '/x/cache');
  delete process.env.HF_HUB_CACHE;
  assert.equal(hubCacheDir(), '/y/home/hub');
  delete process.env.HF_HOME;
  process.env.XDG_CACHE_HOME = '/z';
  assert.equal(hubCacheDir(), '/z/huggingface/hub');
});

test('a model Python already downloaded loads from its cache offline, safetensors preferred over pytorch_model.bin', async () => {
  delete process.env.HF_HUB_CACHE;
  process.env.HF_HOME = fresh('hfhome');
  process.env.HF_HUB_OFFLINE = '1';
  const snap = pythonCache(path.join(process.env.HF_HOME, 'hub'), 'hai-test/tiny-bert', repoFiles());
  const m = await AutoModelForSequenceClassification.from_pretrained('hai-test/tiny-bert', { log: () => {} });
  assert.equal(m.report!.dir, snap);
  assert.deepEqual(m.report!.files, [path.join(snap, 'model.safetensors')]);
  m.dispose();
  const byCommit = await AutoModelForSequenceClassification.from_pretrained('hai-test/tiny-bert', {
    revision: SHA,
    log: () => {},
  });
  assert.equal(byCommit.report!.dir, snap);
  byCommit.dispose();
  assert.deepEqual((await AutoTokenizer.from_pretrained(snap)).tokenize('가나'), ['가', '##나']);
});

test('offline and not cached: the error names the model, the cache and how to get it', async () => {
  process.env.HF_HUB_OFFLINE = '1';
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained('monologg/koelectra-small-v3-discriminator', { log: () => {} }),
    (e: Error) =>
      e instanceof ModelUnavailableError &&
      e.message.includes("'monologg/koelectra-small-v3-discriminator'") &&
      e.message.includes(process.env.HF_HUB_CACHE!) &&
      e.message.includes('HF_HUB_OFFLINE=1') &&
      e.message.includes('huggingface-cli download monologg/koelectra-small-v3-discriminator') &&
      e.message.includes('HAI_STANDIN=1'),
  );
});

test("downloads into the cache in Python's layout (refs, snapshots → blobs), with progress, then needs no network", async () => {
  const files = repoFiles();
  const hub = fakeHub('hai-test/tiny-bert', files);
  const logs: string[] = [];
  const m = await AutoModelForSequenceClassification.from_pretrained('hai-test/tiny-bert', {
    hubUrl: 'https://hub.test',
    fetch: hub.fetch,
    log: (s) => logs.push(s),
  });
  const repo = path.join(process.env.HF_HUB_CACHE!, 'models--hai-test--tiny-bert');
  assert.equal(fs.readFileSync(path.join(repo, 'refs', 'main'), 'utf8'), SHA);
  const snap = path.join(repo, 'snapshots', SHA);
  assert.deepEqual(fs.readdirSync(snap).sort(), [
    'config.json',
    'model.safetensors',
    'tokenizer_config.json',
    'vocab.txt',
  ]);
  assert.equal(
    fs.readlinkSync(path.join(snap, 'model.safetensors')),
    path.join('..', '..', 'blobs', oid(files['model.safetensors'])),
  );
  assert.match(logs.join('\n'), /downloading hai-test\/tiny-bert \(4 files/);
  assert.equal(m.report!.dir, snap);
  m.dispose();
  const before = hub.calls.length;
  const again = await AutoModelForSequenceClassification.from_pretrained('hai-test/tiny-bert', {
    hubUrl: 'https://hub.test',
    fetch: hub.fetch,
    log: () => {},
  });
  assert.equal(hub.calls.length, before, 'a cached model was fetched again');
  again.dispose();
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained('hai-test/missing', {
      hubUrl: 'https://hub.test',
      fetch: hub.fetch,
      log: () => {},
    }),
    /'hai-test\/missing' was not found on the Hugging Face hub/,
  );
});

test('no network: a clear error, or, only when asked for, a stand-in with a banner', async () => {
  const down = (async () => {
    throw new TypeError('fetch failed');
  }) as unknown as typeof fetch;
  const id = 'monologg/distilkobert';
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained(id, { fetch: down, log: () => {} }),
    (e: Error) => e instanceof ModelUnavailableError && /the hub could not be reached \(fetch failed\)/.test(e.message),
  );
  const logs: string[] = [];
  const m = await AutoModelForSequenceClassification.from_pretrained(id, {
    fetch: down,
    standin: true,
    num_labels: 4,
    log: (s) => logs.push(s),
  });
  assert.match(logs[0], /STAND-IN MODEL: this is NOT the pre-trained 'monologg\/distilkobert'/);
  assert.equal(m.config.model_type, 'distilbert');
  assert.ok(m.is_standin);
  assert.ok(
    !fs.existsSync(process.env.HF_HUB_CACHE!) || fs.readdirSync(process.env.HF_HUB_CACHE!).length === 0,
    'stand-in written into the HF cache',
  );
  m.dispose();
});

test('stand-ins: HAI_STANDIN=1, same model_type and head as the real model, deterministic, banner on every load', async () => {
  process.env.HF_HUB_OFFLINE = '1';
  process.env.HAI_STANDIN = '1';
  const logs: string[] = [];
  const log = (s: string) => logs.push(s);
  const e = await AutoModelForSequenceClassification.from_pretrained('monologg/koelectra-small-v3-discriminator', {
    num_labels: 4,
    log,
  });
  assert.equal(e.config.model_type, 'electra');
  assert.ok(
    e.params.has('electra.embeddings_project.weight'),
    'KoELECTRA has embeddings_project; so must its stand-in',
  );
  assert.deepEqual(e.report!.newly_initialized, [
    'classifier.dense.weight',
    'classifier.dense.bias',
    'classifier.out_proj.weight',
    'classifier.out_proj.bias',
  ]);
  assert.deepEqual(e.config.id2label, { 0: '표준어', 1: '경상도', 2: '제주도', 3: '전라도' });
  const dir = e.report!.dir;
  assert.match(dir, /models--monologg--koelectra-small-v3-discriminator[\\/]snapshots[\\/][0-9a-f]{40}$/);
  // Its tokenizer: WordPiece trained on the course corpus.
  const tok = await AutoTokenizer.from_pretrained(dir);
  assert.ok(tok.vocab_size > 1000);
  assert.ok(!tok.tokenize('아이고 빨리 들어와라').includes('[UNK]'));
  // Deterministic: a second build elsewhere gives the same bytes.
  process.env.HAI_STANDIN_CACHE = fresh('standins2');
  const e2 = await AutoModelForSequenceClassification.from_pretrained('monologg/koelectra-small-v3-discriminator', {
    num_labels: 4,
    log,
  });
  for (const f of ['model.safetensors', 'vocab.txt', 'config.json'])
    assert.ok(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(e2.report!.dir, f))), f);
  // The banner on every load, also of the folder by path and of a model saved from a stand-in.
  const saved = path.join(fresh('saved'));
  e.save_pretrained(saved);
  logs.length = 0;
  (await AutoModelForSequenceClassification.from_pretrained(saved, { log })).dispose();
  assert.match(logs.join('\n'), /STAND-IN MODEL/);
  for (const [id, type, head] of [
    ['monologg/kobert', 'bert', 'classifier.weight'],
    ['klue/bert-base', 'bert', 'classifier.weight'],
    ['monologg/distilkobert', 'distilbert', 'pre_classifier.weight'],
  ]) {
    const m = await AutoModelForSequenceClassification.from_pretrained(id, { num_labels: 4, log });
    assert.equal(m.config.model_type, type);
    assert.ok(m.report!.newly_initialized.includes(head));
    if (id !== 'klue/bert-base') {
      // KoBERT's kind of folder, as on the hub: SentencePiece model, ▁ vocabulary, no tokenizer_class. AutoTokenizer
      // resolves it by model_type to WordPiece ([UNK]s, as the course got); KoBertTokenizer only when asked for.
      const d = m.report!.dir;
      assert.ok(fs.existsSync(path.join(d, 'tokenizer_78b3253a26.model')));
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8')), {
        do_lower_case: false,
        model_max_length: 512,
      });
      assert.equal(m.config.pad_token_id, 1, "KoBERT's [PAD]");
      const wp = await AutoTokenizer.from_pretrained(d);
      assert.equal(wp.constructor.name, type === 'bert' ? 'BertTokenizer' : 'DistilBertTokenizer');
      assert.ok(wp.tokenize('아이고 빨리 들어와라').includes('[UNK]'));
      const kb = await AutoTokenizer.from_pretrained(d, { tokenizer_class: 'KoBertTokenizer' });
      assert.ok(
        kb.tokenize('아이고 빨리 들어와라').some((t) => t.startsWith('▁')) &&
          !kb.encode('아이고 빨리 들어와라').includes(0),
      );
    }
    m.dispose();
  }
  assert.equal(logs.filter((l) => l.includes('STAND-IN MODEL')).length, 4);
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained('someone/mystery-model', { log }),
    /cannot tell the model_type of 'someone\/mystery-model'/,
  );
  delete process.env.HAI_STANDIN;
  await assert.rejects(
    AutoModelForSequenceClassification.from_pretrained('monologg/kobert', { log }),
    ModelUnavailableError,
  );
  e.dispose();
  e2.dispose();
});
