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
  /**
   * Micro-batch size (rows) for gradient accumulation; null: on the wasm/cpu backends (their heap), micro-batches
   * within the activation budget below (4,096 tokens for KoELECTRA-small), elsewhere none.
   */
  micro_batch: number | null;
  /** Recompute layers in the backward pass; null: on for models of 6+ layers on wasm/cpu, where they need it. */
  activation_checkpointing: boolean | null;
}

/**
 * The Trainer's memory settings for a model on a backend. On wasm/cpu, micro-batches stay within the activation
 * budget (rows × padded width ≤ the budget's tokens; where to cut: train/batching.ts `microBatches`), unless
 * `micro_batch` fixes the rows; activation checkpointing, for models of 6+ layers when not set, covers the
 * micro-batches above the budget (a fixed row count, or one row wider than the budget). `hai bench --tasks epoch`
 * trains with the same.
 *
 * Until 2026-12-07 micro-batches were 32 rows whatever their width: the fast preset's 256-row batches of ~11 tokens
 * went through in 8 micro-batches of ~350 tokens each, and the fixed cost of a micro-batch (every layer's weights
 * copied to onnxruntime-node, the gradients added up) was most of the step.
 */
export function memoryPolicy(
  r: MemoryRequest,
  modelConfig: Record<string, unknown>,
  backend = tf.getBackend(),
): Pick<
  TrainerConfig,
  'micro_batch_size' | 'micro_batch_tokens' | 'activation_checkpointing' | 'checkpoint_min_tokens'
> {
  const small = ['wasm', 'cpu'].includes(backend);
  const layers = Number(modelConfig.num_hidden_layers ?? modelConfig.n_layers ?? 0);
  const hidden = Number(modelConfig.hidden_size ?? modelConfig.dim ?? 768);
  const fused = fusesActivation(modelConfig.hidden_act ?? modelConfig.activation ?? 'gelu');
  const budget = fused ? FUSED_ACTIVATION_BUDGET : STORED_ACTIVATION_BUDGET;
  const budgetTokens = Math.max(1, Math.floor(budget / (Math.max(1, layers) * hidden)));
  return {
    micro_batch_size: r.micro_batch ?? 0,
    micro_batch_tokens: r.micro_batch === null && small ? budgetTokens : 0,
    activation_checkpointing: r.activation_checkpointing ?? (small && layers >= 6),
    checkpoint_min_tokens: r.activation_checkpointing === null && small ? budgetTokens : 0,
  };
}
