/**
 * The wasm/cpu memory policy of a training run: how big a micro-batch trains at once and when layers are
 * recomputed in the backward pass instead of stored (activation checkpointing). The wasm heap is 4 GiB at most,
 * so a batch of 256 rows is split into micro-batches; GPU backends keep their batch whole.
 *
 * Introduced in notebooks/04_tuned.ipynb.
 */
import * as tf from '@tensorflow/tfjs';
import { fusesActivation } from '../engine/fusedlayer';
import type { TrainerConfig } from './trainer';

/**
 * Tokens × layers × hidden size of a micro-batch that trains with stored activations on wasm. Op-by-op layers:
 * KoELECTRA-small (12 layers, hidden 256) trained at 32 rows × 128 tokens without checkpointing; half that, for a
 * 2x margin. Fused layers (src/engine/fusedlayer.ts, every GELU model) keep ~40 MB per layer at 32 × 64: 32 × 128
 * takes a 2.0 GiB heap (`hai bench --seqs 128`), 32 × 256 all of its 4 GiB, so the budget is 32 × 128.
 */
const STORED_ACTIVATION_BUDGET = 32 * 64 * 12 * 256;
const FUSED_ACTIVATION_BUDGET = 32 * 128 * 12 * 256;

export interface MemoryRequest {
  /** Micro-batch size for gradient accumulation; null: 32 on the wasm/cpu backends (their heap), else none. */
  micro_batch: number | null;
  /** Recompute layers in the backward pass; null: on for models of 6+ layers on wasm/cpu, where they need it. */
  activation_checkpointing: boolean | null;
}

/**
 * The Trainer's memory settings for a model on a backend: micro-batches of 32 rows on wasm/cpu; activation
 * checkpointing for models of 6+ layers, when not set, for the micro-batches above the budget (with dynamic
 * padding most are far below it, and skip the recomputation). `hai bench --tasks epoch` trains with the same.
 */
export function memoryPolicy(
  r: MemoryRequest,
  modelConfig: Record<string, unknown>,
  backend = tf.getBackend(),
): Pick<TrainerConfig, 'micro_batch_size' | 'activation_checkpointing' | 'checkpoint_min_tokens'> {
  const small = ['wasm', 'cpu'].includes(backend);
  const layers = Number(modelConfig.num_hidden_layers ?? modelConfig.n_layers ?? 0);
  const hidden = Number(modelConfig.hidden_size ?? modelConfig.dim ?? 768);
  const fused = fusesActivation(modelConfig.hidden_act ?? modelConfig.activation ?? 'gelu');
  const budget = fused ? FUSED_ACTIVATION_BUDGET : STORED_ACTIVATION_BUDGET;
  return {
    micro_batch_size: r.micro_batch ?? (small ? 32 : 0),
    activation_checkpointing: r.activation_checkpointing ?? (small && layers >= 6),
    checkpoint_min_tokens:
      r.activation_checkpointing === null && small ? Math.floor(budget / (Math.max(1, layers) * hidden)) : 0,
  };
}
