/**
 * What really runs behind the app, for the page's footer, its stand-in banner and /api/info: the classifier
 * (checkpoint folder, runtime, training recipe from its training_args.json) and the translator (its file and
 * recipe). A stand-in is anything that is not what the original app ran: a checkpoint fine-tuned from a
 * randomly initialised stand-in (`hai_standin` in its config.json), the Naive Bayes baseline, or the corpus tables
 * in place of the four KoBART models.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Translator } from '../translate/corpustranslator';
import type { Detector } from './detect';

export interface Part {
  /** 'classifier' or 'translator'. */
  role: string;
  kind: string;
  standin: boolean;
  /** What runs, in English and Korean. */
  en: string;
  ko: string;
  /** The banner shown when `standin` (what it means for the answers), else null. */
  banner: { en: string; ko: string } | null;
}

const RECIPE_KEYS = ['model_ckpt', 'epochs', 'batch', 'lr', 'maxlen', 'encoding', 'seed'];

/** The recipe a checkpoint was trained with (a few fields of its training_args.json), or '' when it has none. */
export function recipeOf(dir: string): string {
  const f = path.join(dir, 'training_args.json');
  if (!fs.existsSync(f)) return '';
  let a: Record<string, unknown>;
  try {
    a = JSON.parse(fs.readFileSync(f, 'utf8'));
  } catch {
    return `(${f} is not JSON)`;
  }
  return RECIPE_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(a, k))
    .map((k) => `${k} ${JSON.stringify(a[k])}`)
    .join(', ');
}

export function classifierPart(d: Detector | null): Part | null {
  if (!d) return null;
  if (d.kind !== 'checkpoint' || !d.dir)
    return {
      role: 'classifier',
      kind: d.kind,
      standin: d.standin,
      en: d.description,
      ko: d.descriptionKo,
      banner: d.standin
        ? {
            en:
              'auto-detect is a character n-gram Naive Bayes baseline, not the fine-tuned transformer the ' +
              'original app used',
            ko: '자동 분류는 원래 앱의 미세조정 트랜스포머가 아니라 문자 n-gram 나이브 베이즈 기준 모델입니다',
          }
        : null,
    };
  const recipe = recipeOf(d.dir);
  const runtime = d.runtime === 'onnx' ? 'ONNX on onnxruntime-node' : 'TensorFlow.js';
  return {
    role: 'classifier',
    kind: d.kind,
    standin: d.standin,
    en: `checkpoint ${d.dir}, runtime ${runtime}${recipe ? `, recipe: ${recipe}` : ''}`,
    ko: `체크포인트 ${d.dir}, 실행: ${runtime}${recipe ? `, 학습 설정: ${recipe}` : ''}`,
    banner: d.standin
      ? {
          en:
            'STAND-IN classifier: this checkpoint was fine-tuned from a randomly initialised stand-in, not the ' +
            'pre-trained model (no weights could be downloaded); its labels and confidences are not the course model’s',
          ko:
            '대체(stand-in) 분류기: 이 체크포인트는 사전학습 모델이 아니라 무작위로 초기화한 대체 모델에서 ' +
            '미세조정했습니다. 분류 결과와 확률은 강의 모델의 것이 아닙니다',
        }
      : null,
  };
}

export function translatorPart(t: Translator): Part {
  const d = t.describe();
  return {
    role: 'translator',
    kind: t.kind,
    standin: t.standin,
    ...d,
    banner: t.standin
      ? {
          en:
            'the translator is offline corpus tables standing in for the original app’s KoBART models: it rewrites ' +
            'only words the corpus shows with confidence, and says when it leaves a text unchanged',
          ko:
            '번역기는 원래 앱의 KoBART 모델 대신 쓰는 오프라인 말뭉치 번역표입니다. 말뭉치가 확실히 보여 준 ' +
            '낱말만 바꾸고, 바꾸지 않은 문장은 그렇다고 알립니다',
        }
      : null,
  };
}
