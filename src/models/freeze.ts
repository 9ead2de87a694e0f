/**
 * Freezing: which parameters the optimiser may change. A frozen parameter is a `tf.Variable` whose
 * `trainable` is false; the trainer (src/train/trainer.ts) only differentiates the trainable ones, which is what
 * `requires_grad = False` does in PyTorch. Groups follow the model's structure: the embeddings (with
 * ELECTRA's `embeddings_project`), each encoder layer, BERT's pooler, and the head (everything outside the
 * family's base-model prefix, as HF's `base_model` draws the line).
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import { familyOf } from './modeling';
import type { SequenceClassifier } from './modeling';

export interface FreezeSpec {
  /** The embeddings (word, position, token type, their LayerNorm, ELECTRA's embeddings_project). */
  embeddings?: boolean;
  /** Encoder layers by index. */
  layers?: number[];
  /** Encoder layers 0..k (inclusive). */
  upToLayer?: number;
  /** Everything but the head: embeddings, all layers, and BERT's pooler. */
  allButHead?: boolean;
  /** Parameter names matching this (a string is a regular expression). */
  pattern?: RegExp | string;
}

/** The group of a parameter: 'embeddings', 'layer N', 'pooler', 'head' or 'other' (still under the base prefix). */
export function paramGroup(model: SequenceClassifier, name: string): string {
  const prefix = familyOf(model.config.model_type).prefix + '.';
  if (!name.startsWith(prefix)) return 'head';
  const layer = /\.layer\.(\d+)\./.exec(name);
  if (layer) return `layer ${layer[1]}`;
  if (/\.embeddings[._]/.test(name)) return 'embeddings';
  if (name.includes('.pooler.')) return 'pooler';
  return 'other';
}

function selects(model: SequenceClassifier, spec: FreezeSpec): (name: string) => boolean {
  const re = typeof spec.pattern === 'string' ? new RegExp(spec.pattern) : spec.pattern;
  const n = Number(model.config[familyOf(model.config.model_type).keys.layers]);
  for (const l of [...(spec.layers ?? []), ...(spec.upToLayer !== undefined ? [spec.upToLayer] : [])]) {
    if (!Number.isInteger(l) || l < 0 || l >= n)
      throw new Error(`layer ${l} does not exist: this ${model.config.model_type} model has layers 0..${n - 1}`);
  }
  return (name) => {
    const g = paramGroup(model, name);
    const layer = g.startsWith('layer ') ? Number(g.slice(6)) : -1;
    return Boolean(
      (spec.allButHead && g !== 'head') ||
      (spec.embeddings && g === 'embeddings') ||
      spec.layers?.includes(layer) ||
      (spec.upToLayer !== undefined && layer >= 0 && layer <= spec.upToLayer) ||
      (re && re.test(name)),
    );
  };
}

/** Marks the selected parameters frozen; returns their names. A spec that selects nothing is an error. */
export function freeze(model: SequenceClassifier, spec: FreezeSpec): string[] {
  return setTrainable(model, spec, false);
}
/** Marks the selected parameters trainable again; returns their names. */
export function unfreeze(model: SequenceClassifier, spec: FreezeSpec): string[] {
  return setTrainable(model, spec, true);
}

export function setTrainable(model: SequenceClassifier, spec: FreezeSpec, trainable: boolean): string[] {
  const pick = selects(model, spec);
  const names = [...model.params.keys()].filter(pick);
  if (!names.length)
    throw new Error(
      `the freeze spec ${JSON.stringify(spec, (_, v) => (v instanceof RegExp ? String(v) : v))} selects no parameter`,
    );
  for (const k of names) model.params.get(k)!.trainable = trainable;
  return names;
}

export interface TrainableRow {
  group: string;
  tensors: number;
  params: number;
  trainable: number;
}

/** Parameter counts per group, in model order, with a total row last. */
export function trainableTable(model: SequenceClassifier): TrainableRow[] {
  const rows = new Map<string, TrainableRow>();
  const total: TrainableRow = { group: 'total', tensors: 0, params: 0, trainable: 0 };
  for (const [name, v] of model.params) {
    const g = paramGroup(model, name);
    const r = rows.get(g) ?? { group: g, tensors: 0, params: 0, trainable: 0 };
    rows.set(g, r);
    for (const x of [r, total]) {
      x.tensors++;
      x.params += v.size;
      if (v.trainable) x.trainable += v.size;
    }
  }
  return [...rows.values(), total];
}

export function formatTrainableTable(rows: TrainableRow[]): string {
  const head = ['group', 'tensors', 'params', 'trainable', 'frozen'];
  const body = rows.map((r) => [
    r.group,
    String(r.tensors),
    r.params.toLocaleString('en-US'),
    r.trainable.toLocaleString('en-US'),
    r.trainable === r.params ? '' : r.trainable === 0 ? 'all' : 'partly',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (c: string[]) =>
    c
      .map((x, i) => (i === 0 || i === 4 ? x.padEnd(w[i]) : x.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...body.map(fmt)].join('\n');
}
