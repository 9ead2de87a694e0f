/**
 * Classification metrics from predicted labels: accuracy, the original notebook's mean of per-batch accuracies,
 * macro-F1, per-class precision/recall and the confusion matrix. Shared by `evaluate` (src/infer/predict.ts), the
 * trainer's validation, the Naive Bayes baseline and the grader's checks.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
export interface EvalResult {
  n: number;
  accuracy: number;
  /** The original notebook's number: the mean of per-batch accuracies (differs when the last batch is short). */
  mean_batch_accuracy: number;
  macro_f1: number;
  per_class: { label: number; precision: number; recall: number; f1: number; support: number }[];
  /** confusion[true][pred] */
  confusion: number[][];
}
/** Accuracy, macro-F1, per-class precision/recall and the confusion matrix from predictions. */
export function classificationMetrics(
  labels: number[],
  preds: number[],
  numLabels: number,
  batchSize = labels.length,
): EvalResult {
  const confusion = Array.from({ length: numLabels }, () => new Array(numLabels).fill(0));
  labels.forEach((y, i) => confusion[y][preds[i]]++);
  const per_class = confusion.map((row, c) => {
    const tp = row[c],
      support = row.reduce((a, b) => a + b, 0),
      predicted = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predicted ? tp / predicted : 0,
      recall = support ? tp / support : 0;
    return {
      label: c,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      support,
    };
  });
  const batchAcc: number[] = [];
  for (let s = 0; s < labels.length; s += batchSize) {
    const idx = labels.slice(s, s + batchSize);
    batchAcc.push(idx.filter((y, j) => preds[s + j] === y).length / idx.length);
  }
  const present = per_class.filter((c) => c.support > 0 || confusion.some((r) => r[c.label] > 0));
  return {
    n: labels.length,
    accuracy: labels.length ? labels.filter((y, i) => preds[i] === y).length / labels.length : 0,
    mean_batch_accuracy: batchAcc.length ? batchAcc.reduce((a, b) => a + b, 0) / batchAcc.length : 0,
    macro_f1: present.length ? present.reduce((a, c) => a + c.f1, 0) / present.length : 0,
    per_class,
    confusion,
  };
}
