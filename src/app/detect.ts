/**
 * Classifiers for the app's "자동" (auto) source: a fine-tuned checkpoint (loaded once, kept), or the
 * offline character n-gram Naive Bayes baseline trained on the bundled rows, each named in every answer.
 * Both take the argmax over all four labels; the original app looked only at the first three logits, so
 * it could never answer 전라도.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABELS, readRowsCsv } from '../data/rows';
import { repoPath } from '../util/paths';
import { NaiveBayesModel, naiveBayesPredict, trainNaiveBayes } from '../models/naivebayes';
import { encodeRows, loadModelAndTokenizer, trainingArgs } from '../course/course';
import { predict } from '../train/trainer';
import { Runtime, chooseRuntime, openOnnx, predictOnnx } from '../course/onnxeval';
import { VARIETIES, Variety } from '../translate/corpustranslator';

export interface Detection {
  label: number;
  name: string;
  variety: Variety;
  probs: number[];
}
export interface Detector {
  readonly kind: string;
  readonly description: string;
  /** For the Korean page. */ readonly descriptionKo: string;
  /** Not what the original app ran: the Naive Bayes baseline, or a checkpoint fine-tuned from a stand-in. */
  readonly standin: boolean;
  /** The checkpoint folder, and what runs it ('onnx' | 'tfjs' | 'naive-bayes'), for the app's footer. */
  readonly dir: string | null;
  readonly runtime: string;
  classify(texts: string[]): Promise<Detection[]>;
}

const detection = (label: number, probs: number[]): Detection => ({
  label,
  name: LABELS[label] ?? String(label),
  variety: VARIETIES[label] ?? 'standard',
  probs,
});

/** The Naive Bayes baseline (trained here from `rows`, default data/rows/clean_train.csv). */
export function naiveBayesDetector(o: { rows?: string; model?: NaiveBayesModel } = {}): Detector {
  const file = o.rows ?? repoPath('data', 'rows', 'clean_train.csv');
  const model = o.model ?? trainNaiveBayes(readRowsCsv(file));
  return {
    kind: 'naive-bayes',
    standin: true,
    dir: null,
    runtime: 'naive-bayes',
    description: `character 1–3-gram Naive Bayes baseline (offline, trained on ${o.model ? 'a given model' : file.replace(repoPath(), '.')}); not a transformer`,
    descriptionKo:
      '문자 1–3-gram 나이브 베이즈 기준 모델 (Naive Bayes, 오프라인, 번들 말뭉치로 학습; 트랜스포머가 아님)',
    async classify(texts) {
      return texts.map((t) => {
        const p = naiveBayesPredict(model, t);
        return detection(p.label, p.probs);
      });
    },
  };
}

/**
 * A fine-tuned checkpoint folder (`hai train`'s final/), loaded on first use and then kept. `runtime` as for
 * `hai eval`: 'auto' runs the folder's ONNX export (`hai export --onnx`) on onnxruntime-node when it is current,
 * else tfjs; which one, and why, is in `description`.
 */
export function checkpointDetector(dir: string, o: { runtime?: Runtime } = {}): Detector {
  if (!fs.existsSync(dir))
    throw new Error(`${dir}: no such checkpoint folder (train one with: hai train --preset fast --standin)`);
  const choice = chooseRuntime(dir, o.runtime ?? 'tfjs');
  let loaded: Promise<(texts: string[]) => Promise<{ preds: number[]; probs: number[][] }>> | null = null;
  const open = async () => {
    if (choice.runtime === 'onnx') {
      const { session, encode } = await openOnnx(dir);
      return (texts: string[]) => predictOnnx(session, encode(texts.map((contents) => ({ contents, label: 0 }))), 64);
    }
    const args = trainingArgs(dir);
    const { model, tokenizer } = await loadModelAndTokenizer(dir);
    return async (texts: string[]) =>
      predict(
        model,
        encodeRows(
          tokenizer,
          texts.map((contents) => ({ contents, label: 0 })),
          args.maxlen ?? 256,
          args.encoding ?? 'course',
        ),
        64,
      );
  };
  // a checkpoint fine-tuned from a randomly initialised stand-in keeps `hai_standin` in its config.json
  const cfgFile = path.join(dir, 'config.json');
  const standin = fs.existsSync(cfgFile) && Boolean(JSON.parse(fs.readFileSync(cfgFile, 'utf8')).hai_standin);
  return {
    kind: 'checkpoint',
    standin,
    dir,
    runtime: choice.runtime,
    description: `fine-tuned checkpoint ${dir} (runtime ${choice.runtime}: ${choice.reason})`,
    descriptionKo: `미세조정한 체크포인트 ${dir} (${choice.runtime === 'onnx' ? 'ONNX, onnxruntime-node' : 'TensorFlow.js'})`,
    async classify(texts) {
      loaded ??= open();
      const { preds, probs } = await (await loaded)(texts);
      return texts.map((_, i) => detection(preds[i], probs[i]));
    },
  };
}
