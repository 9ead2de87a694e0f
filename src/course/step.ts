/**
 * `hai step`: exactly one optimiser step of a saved model on one batch, the check against PyTorch's same step.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModelAndTokenizer } from '../infer/load';
import { classificationLoss } from '../train/losses';
import { AdamW, clipGradNorm } from '../train/optim';

export interface StepConfig {
  lr: number;
  weight_decay: number;
  eps: number;
  max_grad_norm: number;
  dropout: boolean;
  adamw: 'torch' | 'hf';
  seed: number;
}
export const stepDefaults = (o: Partial<StepConfig> = {}): StepConfig => ({
  lr: 5e-5,
  weight_decay: 0,
  eps: 1e-8,
  max_grad_norm: 1.0,
  dropout: true,
  adamw: 'torch',
  seed: 0,
  ...o,
});
export interface StepBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
  labels: number[];
}

/**
 * `hai step`: exactly one optimiser step on one batch (cross-entropy, clip, AdamW), then save. Returns the
 * loss and the gradient norm before clipping, the two numbers torch prints for the same step.
 */
export async function stepOnce(
  modelDir: string,
  batch: StepBatch,
  out: string,
  cfg: Partial<StepConfig> = {},
): Promise<{ loss: number; grad_norm: number }> {
  const c = stepDefaults(cfg);
  const rows = batch.input_ids?.length;
  if (!rows || !Array.isArray(batch.labels) || batch.labels.length !== rows)
    throw new Error(`batch: input_ids and labels must be non-empty and of equal length`);
  const { model, tokenizer } = await loadModelAndTokenizer(modelDir);
  const opt = new AdamW(model.params, { lr: c.lr, eps: c.eps, weight_decay: c.weight_decay, variant: c.adamw });
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const result = tf.tidy(() => {
    const ids = tf.tensor2d(batch.input_ids, undefined, 'int32');
    const mask = tf.tensor2d(batch.attention_mask ?? batch.input_ids.map((r) => r.map(() => 1)), undefined, 'int32');
    const tt = batch.token_type_ids ? tf.tensor2d(batch.token_type_ids, undefined, 'int32') : undefined;
    const { value, grads } = tf.variableGrads(
      () =>
        classificationLoss(
          model.forward(ids, mask, { training: c.dropout, seed: c.seed, tokenTypeIds: tt }),
          tf.tensor1d(batch.labels, 'int32'),
        ),
      [...model.params.values()].filter((v) => v.trainable),
    );
    const byName: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) byName[names.get(k)!] = g;
    const { grads: clipped, norm } = clipGradNorm(byName, c.max_grad_norm);
    opt.step(clipped, c.lr);
    return { loss: value.dataSync()[0], grad_norm: norm.dataSync()[0] };
  });
  opt.dispose();
  model.save_pretrained(out, { tokenizer });
  model.dispose();
  return result;
}
