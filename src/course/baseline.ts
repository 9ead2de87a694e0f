/**
 * "Do we even need BERT?": the character n-gram Naive Bayes baseline (src/models/naivebayes.ts) run on a course
 * config's own data — the same train and valid CSVs, the same `max_train` / `max_valid` subsets — so its
 * accuracy, macro-F1 and confusion matrix sit beside a transformer run's in one table.
 *
 * Introduced in notebooks/05_further.ipynb.
 */
import { LABELS, Row, readRowsCsv } from '../data/rows';
import { NaiveBayesConfig, NaiveBayesModel, naiveBayesPredict, trainNaiveBayes } from '../models/naivebayes';
import { EvalResult, classificationMetrics } from '../infer/metrics';
import { CourseConfig, courseDefaults } from './config';
import { evenSubset } from './course';

/** Accuracy, macro-F1 and confusion of a Naive Bayes model on rows (argmax over all labels). */
export function evalNaiveBayes(m: NaiveBayesModel, rows: Row[]): EvalResult {
  return classificationMetrics(
    rows.map((r) => r.label),
    rows.map((r) => naiveBayesPredict(m, r.contents).label),
    Math.max(LABELS.length, m.classes),
  );
}

export interface NaiveBayesRun {
  model: NaiveBayesModel;
  valid: EvalResult;
  seconds: number;
  train_rows: number;
}

/** Trains the baseline on `c.train_path` (its `max_train` subset) and evaluates it on `c.valid_path` (`max_valid`). */
export function naiveBayesBaseline(c: Partial<CourseConfig> = {}, nb: Partial<NaiveBayesConfig> = {}): NaiveBayesRun {
  const cfg = courseDefaults(c);
  const t0 = Date.now();
  const train = evenSubset(readRowsCsv(cfg.train_path, { numLabels: LABELS.length }), cfg.max_train);
  const model = trainNaiveBayes(train, nb);
  const valid = evalNaiveBayes(
    model,
    evenSubset(readRowsCsv(cfg.valid_path, { numLabels: LABELS.length }), cfg.max_valid),
  );
  return { model, valid, seconds: (Date.now() - t0) / 1000, train_rows: train.length };
}
