/**
 * The parity tests of test/models/models.test.ts (HF logits), test/models/gradients.test.ts (a whole ELECTRA
 * step against the cpu backend) and test/train/optim.test.ts (clipped AdamW against torch) on the `webgpu`
 * backend, reading with `await data()` (webgpu has no synchronous read under Node).
 *
 * Needs a WebGPU adapter. CI (.ci/run) sets LD_LIBRARY_PATH and VK_ICD_FILENAMES for Chromium's SwiftShader
 * (a software GPU, labelled so) and HAI_WEBGPU_REQUIRED=1, which turns a missing adapter into a failure; without
 * an adapter and without that variable every test skips with the reason.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../../src/engine/backend';
import { probeWebGpu } from '../../src/engine/webgpu';
import { AutoModelForSequenceClassification } from '../../src/models/automodel';
import { writeSafetensors } from '../../src/models/safetensors';
import { electraForward, electraSmallConfig, initElectraParams } from '../../src/models/modeling';
import { gelu, layerNorm } from '../../src/models/numerics';
import { crossEntropy, classificationLoss, lossDefaults } from '../../src/train/losses';
import { AdamW, NO_DECAY_HF, clipGradNorm, linearSchedule } from '../../src/train/optim';
import { Trainer } from '../../src/train/trainer';
import { predict } from '../../src/infer/predict';
import { assertClose } from '../helpers';
import { tinyModel } from '../train/tinymodel';
import { SHAPES, forward, ref } from '../train/optimref';

const REQUIRED = process.env.HAI_WEBGPU_REQUIRED === '1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hai-webgpu-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let ready: Promise<string | null> | null = null;
/** null when the webgpu backend is active, else why not (a failure when HAI_WEBGPU_REQUIRED=1). */
function webgpu(): Promise<string | null> {
  ready ??= (async () => {
    const p = await probeWebGpu();
    if (!p.adapter) return `no WebGPU adapter: ${p.why} ('hai doctor' prints the fix)`;
    const info = await initBackend('webgpu');
    console.log(`# ${describeBackend(info)}`);
    return null;
  })();
  return ready;
}
type Ctx = { skip(msg: string): void; diagnostic(msg: string): void };
/** Runs `body` on webgpu, or skips with the reason (fails instead where CI requires an adapter). */
const onGpu = (body: (t: Ctx) => Promise<void>) => async (t: Ctx) => {
  const why = await webgpu();
  if (why && REQUIRED) assert.fail(`HAI_WEBGPU_REQUIRED=1 but ${why}`);
  if (why) return t.skip(why);
  await body(t);
};
const read = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test(
  'the adapter is named, and a software one is labelled so',
  onGpu(async (t) => {
    const info = await initBackend('webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.ok(info.adapter, 'backend info carries the adapter');
    if (/swiftshader/i.test(info.adapter.description)) assert.equal(info.adapter.software, true);
    assert.match(describeBackend(info), info.adapter.software ? /software/ : /hardware/);
    assert.ok(info.adapter.limits.maxStorageBuffersPerShaderStage >= 8);
    t.diagnostic(describeBackend(info));
  }),
);

test(
  'AddN over more inputs than a shader may bind is summed in chunks; a synchronous read says what to use',
  onGpu(async () => {
    // 41 inputs (clipGradNorm's sum over a model's gradients) against WebGPU's 8 to 12 storage buffers a stage.
    const xs = Array.from({ length: 41 }, (_, i) => tf.fill([3], i));
    assertClose(await read(tf.addN(xs)), [820, 820, 820], 0);
    const { norm } = clipGradNorm(Object.fromEntries(xs.map((x, i) => [`p${i}`, x])), 1);
    assertClose(await read(norm), [Math.sqrt(3 * 22140)], 1e-3);
    assert.throws(() => tf.square(norm).dataSync(), /cannot read a tensor synchronously.*await t\.data\(\)/);
    tf.dispose([...xs, norm]);
  }),
);

test(
  'gelu, layerNorm and crossEntropy give the hand-worked values (modeling.test.ts)',
  onGpu(async () => {
    assertClose(await read(gelu(tf.tensor1d([1, -0.5, 3]))), [0.8413447, -0.5 * 0.3085375, 3 * 0.9986501], 1e-5);
    const ln = layerNorm(tf.tensor2d([[1, 2, 3, 4]]), tf.ones([4]), tf.zeros([4]), 1e-12);
    assertClose(
      await read(ln),
      [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(1.25)),
      1e-5,
    );
    const ce = crossEntropy(tf.tensor2d([[0, 0, 0, 0]]), tf.tensor1d([3], 'int32'));
    assertClose(await read(ce), [Math.log(4)], 1e-5);
  }),
);

type Ref = {
  config: Record<string, unknown>;
  state_dict: Record<string, { shape: number[]; data: number[] }>;
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  logits: number[];
  last_hidden_state: number[];
};

test(
  'bert, electra, distilbert: logits and last hidden state match PyTorch within 1e-4 (models.test.ts)',
  onGpu(async (t) => {
    const refs: Record<string, Ref> = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', 'reference', 'models.json'), 'utf8'),
    ).models;
    for (const family of ['bert', 'electra', 'distilbert']) {
      const r = refs[family];
      const dir = path.join(tmp, family);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(r.config));
      const state = Object.entries(r.state_dict).map(([k, v]) => [
        k,
        { shape: v.shape, data: Float32Array.from(v.data) },
      ]);
      writeSafetensors(
        path.join(dir, 'model.safetensors'),
        new Map(state as [string, { shape: number[]; data: Float32Array }][]),
      );
      const m = await AutoModelForSequenceClassification.from_pretrained(dir, { log: () => {} });
      const o = m.forwardWithHidden(
        tf.tensor2d(r.input_ids, undefined, 'int32'),
        tf.tensor2d(r.attention_mask, undefined, 'int32'),
        { tokenTypeIds: tf.tensor2d(r.token_type_ids, undefined, 'int32') },
      );
      const logits = await read(o.logits);
      const hidden = await read(o.last_hidden_state);
      tf.dispose([o.logits, o.last_hidden_state]);
      m.dispose();
      t.diagnostic(
        `${family}: max |logits diff| ${maxDiff(logits, r.logits).toExponential(2)}, ` +
          `hidden ${maxDiff(hidden, r.last_hidden_state).toExponential(2)}`,
      );
      assertClose(logits, r.logits, 1e-4, 0, `${family} logits`);
      assertClose(hidden, r.last_hidden_state, 1e-4, 0, `${family} last_hidden_state`);
    }
  }),
);

for (const [name, cfg] of [
  ['torch_decay_all', { variant: 'torch', no_decay: [], weight_decay: 0.1 }],
  ['hf_decay_groups', { variant: 'hf', no_decay: NO_DECAY_HF, weight_decay: 0.1 }],
] as const) {
  test(
    `3 clipped AdamW steps (${name}) match torch within 10x optim.test.ts's tolerances`,
    onGpu(async (t) => {
      const p = new Map(
        Object.entries(SHAPES).map(([k, s]) => [k, tf.variable(tf.tensor(ref.init[k], s), true, `${k}_wg_${name}`)]),
      );
      const opt = new AdamW(p, { lr: 0.05, eps: 1e-8, ...cfg, no_decay: [...cfg.no_decay] });
      const sched = linearSchedule(3, 1);
      const y = tf.tensor1d(ref.labels, 'int32');
      let worst = 0;
      for (const [step, want] of (ref.runs[name] as { loss: number; grad_norm: number; params: any }[]).entries()) {
        const { value, grads } = tf.variableGrads(() => classificationLoss(forward(p), y));
        const named: Record<string, tf.Tensor> = {};
        for (const [k, v] of p) named[k] = grads[v.name];
        const { grads: clipped, norm } = clipGradNorm(named, 0.5);
        assertClose(await read(value), [want.loss], 1e-5, 1e-4, `step ${step} loss`);
        assertClose(await read(norm), [want.grad_norm], 1e-5, 1e-4, `step ${step} grad norm`);
        opt.step(clipped, 0.05 * sched(step));
        for (const [k, v] of p) {
          const got = await read(v);
          worst = Math.max(worst, maxDiff(got, want.params[k]));
          assertClose(got, want.params[k], 2e-5, 1e-4, `step ${step} ${k}`);
        }
        tf.dispose([value, norm, ...Object.values(grads), ...Object.values(clipped)]);
      }
      t.diagnostic(`${name}: max |param diff| after 3 steps ${worst.toExponential(2)}`);
      opt.dispose();
      tf.dispose([y, ...p.values()]);
    }),
  );
}

const tinyElectra = () =>
  electraSmallConfig({
    vocab_size: 50,
    embedding_size: 8,
    hidden_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    intermediate_size: 20,
    max_position_embeddings: 16,
  });

test(
  'a whole 2-layer ELECTRA step: loss and every gradient agree with the cpu backend (gradients.test.ts)',
  onGpu(async (t) => {
    const c = tinyElectra();
    const ids = [
      [2, 7, 9, 3, 0, 0],
      [2, 11, 49, 5, 8, 3],
    ];
    const mask = ids.map((r) => r.map((v, i) => (i < 4 || v ? 1 : 0)));
    const results: Record<string, { loss: number; grads: Map<string, Float32Array> }> = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tf.setBackend(backend);
      const params = initElectraParams(c, 3);
      const { value, grads } = tf.variableGrads(() =>
        crossEntropy(
          electraForward(params, c, tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'), {
            training: true,
            seed: 5,
          }),
          tf.tensor1d([1, 3], 'int32'),
        ),
      );
      const byVar = new Map([...params].map(([k, v]) => [v.name, k]));
      const g = new Map<string, Float32Array>();
      for (const [k, v] of Object.entries(grads)) g.set(byVar.get(k) ?? k, await read(v));
      results[backend] = { loss: (await read(value))[0], grads: g };
      tf.dispose([value, ...Object.values(grads), ...params.values()]);
    }
    await tf.setBackend('webgpu');
    assertClose([results.webgpu.loss], [results.cpu.loss], 1e-5, 1e-5, 'loss');
    assert.equal(results.webgpu.grads.size, results.cpu.grads.size);
    let worst = 0;
    for (const [name, g] of results.cpu.grads) {
      worst = Math.max(worst, maxDiff(results.webgpu.grads.get(name)!, g));
      assertClose(results.webgpu.grads.get(name)!, g, 1e-5, 1e-3, name);
    }
    t.diagnostic(`max |gradient diff| webgpu vs cpu ${worst.toExponential(2)}`);
  }),
);

test(
  'tensor count is flat across clipped AdamW steps, and the loss goes down (modeling.test.ts)',
  onGpu(async () => {
    const c = tinyElectra();
    const params = initElectraParams(c, 1);
    const opt = new AdamW(params, { lr: 1e-2 });
    const ids = tf.tensor2d([[2, 5, 3, 4]], undefined, 'int32');
    const mask = tf.ones([1, 4], 'int32');
    const y = tf.tensor1d([2], 'int32');
    const counts: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { value, grads } = tf.variableGrads(() =>
        crossEntropy(electraForward(params, c, ids as tf.Tensor2D, mask as tf.Tensor2D, { training: false }), y),
      );
      const named: Record<string, tf.Tensor> = {};
      for (const [k, v] of params) named[k] = grads[v.name];
      const { grads: clipped, norm } = clipGradNorm(named, 1);
      opt.step(clipped, 1e-2);
      losses.push((await read(value))[0]);
      tf.dispose([value, norm, ...Object.values(grads), ...Object.values(clipped)]);
      counts.push(tf.memory().numTensors);
    }
    assert.equal(new Set(counts.slice(1)).size, 1, `tensor count drifts: ${counts}`);
    assert.ok(losses[4] < losses[0], `loss did not go down: ${losses}`);
    opt.dispose();
    tf.dispose([ids, mask, y, ...params.values()]);
  }),
);

test(
  'a float32 cast of an int32 mask reduces over a non-last axis (tfjs-backend-webgpu 4.22 aliases that cast)',
  onGpu(async () => {
    tf.env().set('WEBGPU_CPU_FORWARD', false); // small inputs would run on the CPU and hide the shader
    try {
      const mask = tf.add(tf.tensor2d([[1, 1, 0, 0]], undefined, 'int32'), tf.zeros([2, 4], 'int32'));
      const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
      assertClose(await read(tf.sum(m, 1)), [2, 2], 0);
    } finally {
      tf.env().set('WEBGPU_CPU_FORWARD', true);
    }
  }),
);

const toy = () => {
  const enc = { input_ids: [] as number[][], attention_mask: [] as number[][], labels: [] as number[] };
  for (let i = 0; i < 64; i++) {
    const ids = [2, 4 + (i % 4), 8 + ((i * 7) % 12), i % 3 ? 9 : 0];
    enc.input_ids.push(ids);
    enc.attention_mask.push(ids.map((x) => (x > 0 ? 1 : 0)));
    enc.labels.push(i % 4);
  }
  return enc;
};

test(
  "the Trainer's epochs (AdamW, warmup, clipping, class weights, smoothing, micro-batches) match the cpu backend",
  onGpu(async () => {
    const losses: Record<string, number[]> = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tf.setBackend(backend);
      const model = tinyModel(4);
      const seen: number[] = [];
      const loss = lossDefaults({ class_weights: [1, 1, 2, 1], label_smoothing: 0.1 });
      const cfg = { epochs: 2, batch_size: 16, micro_batch_size: 8, lr: 0.05, warmup_steps: 2, max_grad_norm: 1, loss };
      const history = await new Trainer(model, toy(), null, cfg, {
        onStepEnd: (st) => {
          seen.push(st.loss(), st.gradNorm());
        },
      }).fit();
      assert.equal(seen.length, 2 * 2 * 4, 'two numbers per step, 4 steps an epoch');
      assert.ok(seen.every(Number.isFinite), `callback values: ${seen}`);
      losses[backend] = [...history.map((h) => h.train_loss), ...seen];
      model.dispose();
    }
    await tf.setBackend('webgpu');
    assertClose(losses.webgpu, losses.cpu, 1e-5, 1e-4, 'epoch losses, step losses and gradient norms');
    assert.ok(losses.webgpu[1] < losses.webgpu[0], `train loss ${losses.webgpu.slice(0, 2)}`);
  }),
);

test(
  "evaluation and predict on webgpu: the one predict loop reads asynchronously, with the cpu backend's numbers",
  onGpu(async () => {
    const out: Record<string, { preds: number[]; probs: number[][]; valid: unknown }> = {};
    for (const backend of ['webgpu', 'cpu']) {
      await tf.setBackend(backend);
      const model = tinyModel(6);
      const enc = toy();
      const history = await new Trainer(model, enc, enc, {
        epochs: 1,
        batch_size: 16,
        lr: 0.05,
        eval_graph: false,
      }).fit();
      const before = tf.memory().numTensors;
      const p = await predict(model, enc, 16);
      assert.equal(tf.memory().numTensors, before, `${backend}: predict keeps no tensor`);
      out[backend] = { preds: p.preds, probs: p.probs, valid: history[0].valid };
      model.dispose();
    }
    await tf.setBackend('webgpu');
    assert.deepEqual(out.webgpu.preds, out.cpu.preds);
    assertClose(out.webgpu.probs.flat(), out.cpu.probs.flat(), 1e-5, 0, 'probabilities');
    assert.deepEqual(out.webgpu.valid, out.cpu.valid);
  }),
);
