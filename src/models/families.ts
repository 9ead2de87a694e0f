/**
 * The three families as Hugging Face's `*ForSequenceClassification` builds them, with its parameter names:
 *
 * - `bert` (BertForSequenceClassification): embeddings (word + token type + position, LayerNorm), post-LN
 *   layers, then the pooler (`bert.pooler.dense` + tanh on the first token) and `classifier`.
 * - `electra` (ElectraForSequenceClassification): BERT's embeddings at `embedding_size`, `embeddings_project`
 *   when `embedding_size != hidden_size`, BERT's layers, and the head `classifier.dense` → GELU (erf, whatever
 *   `hidden_act` says: HF hard-codes it) → `classifier.out_proj` on the first token.
 * - `distilbert` (DistilBertForSequenceClassification): word + position embeddings (no token types), layers
 *   with `q_lin`/`k_lin`/`v_lin`/`out_lin` (no dropout after `out_lin`, LayerNorm eps fixed at 1e-12), and
 *   `pre_classifier` → ReLU → `classifier` on the first token.
 *
 * Dropout sits where HF has it and runs only in training (`drop` is the identity otherwise). Each family is in its
 * own file (bertfamily.ts holds BERT and ELECTRA, distilbertfamily.ts DistilBERT), built from familybase.ts.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import type { ModelType } from './config';
import type { Family } from './familybase';
import { bert, electra } from './bertfamily';
import { distilbert } from './distilbertfamily';

export const FAMILIES: Record<ModelType, Family> = { bert, distilbert, electra };
