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
import { predict } from '../infer/predict';
import { OpenedClassifier, Runtime, chooseRuntime, openClassifier } from '../infer/runtime';
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

const RUNTIME_KO = {
  onnx: 'ONNX 내보내기, onnxruntime-node',
  graph: '메모리 속 ONNX 그래프, onnxruntime-node',
  tfjs: 'TensorFlow.js',
} as const;

/** The Naive Bayes baseline (trained here from `rows`, default data/rows/clean_train.csv). */
export function naiveBayesDetector(o: { rows?: string; model?: NaiveBayesModel } = {}): Detector {
  const file = o.rows ?? repoPath('data', 'rows', 'clean_train.csv');
  const model = o.model ?? trainNaiveBayes(readRowsCsv(file));
  return {
    kind: 'naive-bayes',
    standin: true,
    dir: null,
    runtime: 'naive-bayes',
    description:
      'character 1–3-gram Naive Bayes baseline (offline, trained on ' +
      `${o.model ? 'a given model' : file.replace(repoPath(), '.')}); not a transformer`,
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
  // Opened on first use and kept: the page starts at once, the first request pays the load.
  let opened: Promise<OpenedClassifier> | null = null;
  // a checkpoint fine-tuned from a randomly initialised stand-in keeps `hai_standin` in its config.json
  const cfgFile = path.join(dir, 'config.json');
  const standin = fs.existsSync(cfgFile) && Boolean(JSON.parse(fs.readFileSync(cfgFile, 'utf8')).hai_standin);
  return {
    kind: 'checkpoint',
    standin,
    dir,
    runtime: choice.runtime,
    description: `fine-tuned checkpoint ${dir} (runtime ${choice.runtime}: ${choice.reason})`,
    descriptionKo: `미세조정한 체크포인트 ${dir} (${RUNTIME_KO[choice.runtime]})`,
    async classify(texts) {
      opened ??= openClassifier(dir, { runtime: choice.runtime, log: () => undefined });
      const c = await opened;
      const { preds, probs } = await predict(c.model, c.encodeTexts(texts), 64);
      return texts.map((_, i) => detection(preds[i], probs[i]));
    },
  };
}

/** What an answer says of the detection: the label, its name, the probabilities and which classifier decided. */
export interface DetectedSource {
  label: number;
  name: string;
  probs: number[];
  detector: string;
  /** Whether the classifier is a stand-in (the Naive Bayes baseline, or a checkpoint trained from a random init). */
  standin: boolean;
}

/** "auto" asked for, and nothing to classify with: the CLI prints it, the app answers 503 with it. */
export class NoDetectorError extends Error {}

/**
 * The source variety of `text`: `source` itself, or for "auto" the detector's label (the one place both the app's
 * /api/translate and `hai translate --from auto` decide it, so they cannot disagree).
 */
export async function detectSource(
  det: Detector | null,
  text: string,
  source: Variety | 'auto',
  noDetector = 'source "auto" needs a classifier',
): Promise<{ from: Variety; detected?: DetectedSource }> {
  if (source !== 'auto') return { from: source };
  if (!det) throw new NoDetectorError(noDetector);
  const [d] = await det.classify([text]);
  return {
    from: d.variety,
    detected: { label: d.label, name: d.name, probs: d.probs, detector: det.description, standin: det.standin },
  };
}
