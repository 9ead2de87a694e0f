/**
 * The optimiser side of the course's training loop, with PyTorch / Hugging Face semantics to the letter:
 * AdamW (two variants, see below), HF's linear schedule with warmup, and `clip_grad_norm_`.
 *
 * Two AdamWs existed in 2022 notebooks, and they differ:
 * - `torch`: `torch.optim.AdamW` — decay first (`p *= 1 - lr·wd`), then
 *   `p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps)`; default weight_decay 0.01.
 * - `hf`: the old `transformers.AdamW` the course's notebook imported —
 *   `p -= lr·sqrt(bc2)/bc1 · m / (sqrt(v) + eps)`,
 *   then decay on the updated weights (`p -= lr·wd·p`); default weight_decay 0.0.
 * where bc1 = 1 - β1^t, bc2 = 1 - β2^t. Frozen variables (`trainable === false`) get no state and no update.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  variant: 'torch' | 'hf';
  /** Parameters whose name contains one of these get weight_decay 0 (HF's usual group: bias and LayerNorm.weight). */
  no_decay: string[];
}

export function adamwDefaults(o: Partial<AdamWConfig> = {}): AdamWConfig {
  const variant = o.variant ?? 'torch';
  return {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weight_decay: variant === 'torch' ? 0.01 : 0.0,
    variant,
    no_decay: [],
    ...o,
  };
}

/** HF's conventional decay groups: no decay for biases and LayerNorm weights. */
export const NO_DECAY_HF = ['bias', 'LayerNorm.weight'];

export class AdamW {
  readonly cfg: AdamWConfig;
  /** Optimiser steps taken (torch's per-parameter `step`, identical for all parameters here). */
  t = 0;
  private state = new Map<string, { m: tf.Variable; v: tf.Variable; decay: number }>();

  constructor(
    private params: Map<string, tf.Variable>,
    cfg: Partial<AdamWConfig> = {},
  ) {
    this.cfg = adamwDefaults(cfg);
    const [b1, b2] = this.cfg.betas;
    if (
      !(this.cfg.lr >= 0) ||
      !(b1 >= 0 && b1 < 1) ||
      !(b2 >= 0 && b2 < 1) ||
      !(this.cfg.eps >= 0) ||
      !(this.cfg.weight_decay >= 0)
    ) {
      throw new Error(`invalid AdamW settings: ${JSON.stringify(this.cfg)}`);
    }
    for (const [name, p] of params) {
      if (!p.trainable) continue;
      const decay = this.cfg.no_decay.some((s) => name.includes(s)) ? 0 : this.cfg.weight_decay;
      // In a tidy: tf.variable keeps its value, and the zerosLike tensors it was made from go (no leak per
      // Trainer.fit).
      this.state.set(name, {
        ...tf.tidy(() => ({ m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) })),
        decay,
      });
    }
  }

  /** Names of the parameters this optimiser updates, with their weight decay. */
  groups(): { name: string; weight_decay: number }[] {
    return [...this.state].map(([name, s]) => ({ name, weight_decay: s.decay }));
  }

  /** One update from `grads` (by parameter name). `lr` overrides the configured rate (the scheduler's value). */
  step(grads: Record<string, tf.Tensor>, lr = this.cfg.lr): void {
    this.t += 1;
    const [b1, b2] = this.cfg.betas;
    const bc1 = 1 - b1 ** this.t,
      bc2 = 1 - b2 ** this.t;
    for (const [name, s] of this.state) {
      const g = grads[name];
      if (!g) continue; // torch skips parameters whose .grad is None
      const p = this.params.get(name)!;
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
        let next: tf.Tensor;
        if (this.cfg.variant === 'torch') {
          const decayed = s.decay ? tf.mul(p, 1 - lr * s.decay) : p;
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.cfg.eps);
          next = tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1));
        } else {
          const denom = tf.add(tf.sqrt(v), this.cfg.eps);
          next = tf.sub(p, tf.mul(tf.div(m, denom), (lr * Math.sqrt(bc2)) / bc1));
          if (s.decay) next = tf.sub(next, tf.mul(next, lr * s.decay));
        }
        s.m.assign(m);
        s.v.assign(v);
        p.assign(next);
      });
    }
  }

  dispose(): void {
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
  }
}

/** HF `get_linear_schedule_with_warmup`: the multiplier of the base lr for the update at `step` (0-based). */
export function linearSchedule(totalSteps: number, warmupSteps = 0): (step: number) => number {
  return (step) =>
    step < warmupSteps
      ? step / Math.max(1, warmupSteps)
      : Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

/**
 * `torch.nn.utils.clip_grad_norm_(params, maxNorm)`: scales all gradients by min(1, maxNorm / (norm + 1e-6))
 * where norm is the L2 norm over every gradient together. Returns the new gradients and the norm before
 * clipping (a scalar tensor: reading it is the caller's choice, so no host sync is forced here).
 */
export function clipGradNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))))) as tf.Scalar;
    const coef = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
    const out: Record<string, tf.Tensor> = {};
    for (const n of names) out[n] = tf.mul(grads[n], coef);
    return { grads: out, norm };
  });
}
