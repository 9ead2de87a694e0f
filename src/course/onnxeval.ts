/**
 * `hai eval` and `hai predict` on an ONNX export (`--runtime onnx`): the checkpoint's `onnx/model.onnx`
 * (src/models/onnxexport.ts) runs in onnxruntime-node, with everything else as the tfjs path does it — the folder's
 * tokenizer and training_args.json (maxlen, encoding), the same batches (sorted by length, dynamic padding),
 * softmax and metrics — so both runtimes give the same labels, and probabilities to float32 rounding
 * (test/course/onnxeval.test.ts).
 *
 * `--runtime auto` takes ONNX when the folder has a current export and onnxruntime-node loads, else tfjs, and
 * says which and why on stderr; `--runtime onnx` fails with the reason instead of falling back.
 *
 * Introduced with notebooks/06_inference.ipynb (serving the trained model; the notebook does not show it yet: README "Exporting to ONNX").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LABELS, readRowsCsv } from '../data/rows';
import { AutoTokenizer } from '../models/autotokenizer';
import { OnnxClassifier, onnxRuntimeProblem, onnxRuntimeVersion } from '../models/onnxruntime';
import { Encoded, batches, rowLengths } from '../train/batching';
import { EvalResult, PredictOptions, classificationMetrics, predictDefaults } from '../train/trainer';
import { encodeRows, evalCsv, predictTexts, trainingArgs } from './course';

export const RUNTIMES = ['tfjs', 'onnx', 'auto'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface RuntimeOptions extends Partial<PredictOptions> {
  maxlen?: number;
  batch?: number;
  /** tfjs (default: the kit's models), onnx (the folder's export; an error if it cannot run), auto (onnx when it can). */
  runtime?: Runtime;
  /** Where the choice and its reason go (default stderr). */
  log?: (s: string) => void;
}

/** Which runtime runs `modelDir`, and why; throws when `onnx` was asked for and cannot run. */
export function chooseRuntime(
  modelDir: string,
  requested: Runtime = 'tfjs',
): { runtime: 'tfjs' | 'onnx'; reason: string } {
  if (!(RUNTIMES as readonly string[]).includes(requested))
    throw new Error(`runtime '${requested}' is not one of ${RUNTIMES.join(', ')}`);
  if (requested === 'tfjs') {
    const has = fs.existsSync(path.join(modelDir, 'onnx', 'model.onnx'));
    return {
      runtime: 'tfjs',
      reason: has
        ? 'the default (this folder also has onnx/model.onnx: --runtime onnx runs it)'
        : 'the default (--runtime onnx runs an ONNX export: hai export --onnx)',
    };
  }
  const problem = fs.existsSync(modelDir)
    ? onnxRuntimeProblem(modelDir)
    : `${modelDir} is not a local folder (ONNX exports are read from checkpoint folders)`;
  if (!problem)
    return {
      runtime: 'onnx',
      reason: `${path.join(modelDir, 'onnx', 'model.onnx')} on onnxruntime-node ${onnxRuntimeVersion()}`,
    };
  if (requested === 'onnx') throw new Error(`--runtime onnx: ${problem}`);
  return { runtime: 'tfjs', reason: `ONNX not used: ${problem}` };
}

/** `predict` of src/train/trainer.ts with the logits from onnxruntime-node: same order, batches, softmax, argmax. */
export async function predictOnnx(
  session: OnnxClassifier,
  enc: Encoded,
  batchSize = 64,
  opts: Partial<PredictOptions> = {},
) {
  const o = predictDefaults(opts);
  const n = enc.labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  if (o.sort_by_length) {
    const len = rowLengths(enc);
    order.sort((a, b) => len[b] - len[a]);
  }
  const preds: number[] = new Array(n),
    probs: number[][] = new Array(n),
    logits: number[][] = new Array(n);
  let at = 0;
  for (const b of batches(enc, order, batchSize, o.dynamic_padding)) {
    const zs = await session.logits(b);
    const ps = tf.tidy(() => tf.softmax(tf.tensor2d(zs)).arraySync() as number[][]); // tf's softmax, as the tfjs path
    ps.forEach((r, j) => {
      const i = order[at + j];
      probs[i] = r;
      logits[i] = zs[j];
      preds[i] = r.indexOf(Math.max(...r));
    });
    at += ps.length;
  }
  return { preds, probs, logits };
}

/** The export's session and the folder's tokenizer and encoding, opened once (the web app keeps them). */
export async function openOnnx(modelDir: string, o: RuntimeOptions = {}) {
  const session = await OnnxClassifier.load(modelDir);
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const args = trainingArgs(modelDir);
  const encode = (rows: { contents: string; label: number }[]) =>
    encodeRows(tokenizer, rows, o.maxlen ?? args.maxlen ?? 256, args.encoding ?? 'course');
  return { session, encode };
}

const say = (o: RuntimeOptions, modelDir: string) => {
  const choice = chooseRuntime(modelDir, o.runtime);
  (o.log ?? ((s: string) => process.stderr.write(s + '\n')))(`runtime ${choice.runtime}: ${choice.reason}`);
  return choice.runtime;
};

/** `hai eval --runtime …`: `evalCsv`'s result from the chosen runtime. */
export async function evalCsvWith(modelDir: string, csv: string, o: RuntimeOptions = {}): Promise<EvalResult> {
  if (say(o, modelDir) === 'tfjs') return evalCsv(modelDir, csv, o);
  const { session, encode } = await openOnnx(modelDir, o);
  const enc = encode(readRowsCsv(csv));
  return classificationMetrics(
    enc.labels,
    (await predictOnnx(session, enc, o.batch ?? 64, o)).preds,
    LABELS.length,
    o.batch ?? 64,
  );
}

/** `hai predict --runtime …`: `predictTexts`'s result from the chosen runtime. */
export async function predictTextsWith(modelDir: string, texts: string[], o: RuntimeOptions = {}) {
  if (say(o, modelDir) === 'tfjs') return predictTexts(modelDir, texts, o);
  const { session, encode } = await openOnnx(modelDir, o);
  const { preds, probs } = await predictOnnx(
    session,
    encode(texts.map((contents) => ({ contents, label: 0 }))),
    o.batch ?? 64,
    o,
  );
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as {
    id2label?: Record<string, string>;
  };
  const names = config.id2label ?? {};
  return texts.map((text, i) => ({
    text,
    label: preds[i],
    name: names[String(preds[i])] ?? LABELS[preds[i]] ?? String(preds[i]),
    probs: probs[i],
  }));
}
