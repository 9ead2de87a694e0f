/**
 * `hai eval` and `hai predict`: a saved classifier on a labelled CSV (accuracy, macro-F1, confusion matrix) or on
 * texts (label name and probabilities per text), on the runtime `runtime` chooses (src/infer/runtime.ts). Both
 * runtimes read the CSV the same checked, cached way (`encodeCsv`) and predict through the same loop.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import { checkRowsCsv } from '../data/csvcolumns';
import { LABELS } from '../data/rows';
import { encodeCsv, encodingCacheDir } from './encodecache';
import { labelName } from './load';
import { EvalResult } from './metrics';
import { PredictOptions, evaluate, predict } from './predict';
import { OpenOptions, openClassifier } from './runtime';

export interface ClassifyOptions extends Partial<PredictOptions>, OpenOptions {
  /** Tokens per row; default the checkpoint's training maxlen (training_args.json), else 256. */
  maxlen?: number;
  batch?: number;
}

export interface TextPrediction {
  text: string;
  label: number;
  name: string;
  probs: number[];
}

/** Accuracy, macro-F1 and the confusion matrix of a saved model on a CSV (no result depends on the options). */
export async function evalCsv(modelDir: string, csv: string, o: ClassifyOptions = {}): Promise<EvalResult> {
  checkRowsCsv(csv, LABELS.length); // bad rows stop the run before the model loads
  const c = await openClassifier(modelDir, o);
  try {
    const { enc } = encodeCsv(c.tokenizer, csv, {
      maxlen: o.maxlen ?? c.args.maxlen ?? 256,
      encoding: c.args.encoding ?? 'course',
      num_labels: LABELS.length,
      cache: encodingCacheDir(),
    });
    return await evaluate(c.model, enc, LABELS.length, o.batch ?? 64, o);
  } finally {
    c.dispose();
  }
}

/** Label name and probabilities per text (label i is the checkpoint's id2label[i], else LABELS[i]). */
export async function predictTexts(modelDir: string, texts: string[], o: ClassifyOptions = {}) {
  const c = await openClassifier(modelDir, o);
  try {
    const { preds, probs } = await predict(c.model, c.encodeTexts(texts, o.maxlen), o.batch ?? 64, o);
    return texts.map((text, i): TextPrediction => ({
      text,
      label: preds[i],
      name: labelName(preds[i], c.id2label),
      probs: probs[i],
    }));
  } finally {
    c.dispose();
  }
}

/** `evalCsv` that says which runtime ran and why (stderr unless `log`), `tfjs` unless `runtime` is given. */
export const evalCsvWith = (modelDir: string, csv: string, o: ClassifyOptions = {}) =>
  evalCsv(modelDir, csv, { runtime: 'tfjs', ...o });

/** `predictTexts` that says which runtime ran and why (stderr unless `log`), `tfjs` unless `runtime` is given. */
export const predictTextsWith = (modelDir: string, texts: string[], o: ClassifyOptions = {}) =>
  predictTexts(modelDir, texts, { runtime: 'tfjs', ...o });
