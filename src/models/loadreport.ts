/**
 * What `from_pretrained` did with a checkpoint's tensors (used, unused, newly initialised, mismatched, ignored),
 * and transformers' two load warnings that say so, in its words.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */

export interface LoadReport {
  name_or_path: string;
  dir: string;
  files: string[];
  format: string;
  /** Checkpoint tensors the model has no place for (HF: "were not used when initializing"). */
  unused: string[];
  /** Model parameters not in the checkpoint, initialised as HF does (HF: "newly initialized"). */
  newly_initialized: string[];
  mismatched: { name: string; checkpoint: number[]; model: number[] }[];
  /** Buffers that are not parameters, e.g. `*.embeddings.position_ids` (int64). */
  ignored: string[];
  standin: boolean;
}

/** transformers' two load warnings, in its words; empty when the checkpoint matched exactly. */
export function formatLoadReport(r: LoadReport, architecture: string): string {
  const out: string[] = [];
  if (r.unused.length) {
    out.push(
      `Some weights of the model checkpoint at ${r.name_or_path} were not used when initializing ${architecture}: ` +
        `[${r.unused.join(', ')}]\n` +
        `- This IS expected if you are initializing ${architecture} from the checkpoint of a model trained on ` +
        'another task or with another architecture (e.g. a pre-training checkpoint).',
    );
  }
  if (r.newly_initialized.length) {
    out.push(
      `Some weights of ${architecture} were not initialized from the model checkpoint at ${r.name_or_path} ` +
        `and are newly initialized: [${r.newly_initialized.join(', ')}]`,
    );
  }
  if (r.mismatched.length) {
    out.push(
      `Some weights of ${architecture} were not initialized from the model checkpoint at ${r.name_or_path} ` +
        'and are newly initialized because the shapes did not match:\n' +
        r.mismatched
          .map(
            (m) =>
              `- ${m.name}: found shape [${m.checkpoint}] in the checkpoint and [${m.model}] in the model instantiated`,
          )
          .join('\n'),
    );
  }
  if (r.newly_initialized.length || r.mismatched.length)
    out.push(
      'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.',
    );
  return out.join('\n');
}
