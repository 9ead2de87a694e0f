/**
 * `AutoModelForSequenceClassification.from_pretrained(idOrPath, { num_labels })`, as in Python: reads
 * config.json, picks the family by `model_type`, loads the weights (model.safetensors preferred over
 * pytorch_model.bin, as transformers does), and reports, as transformers' warnings do, which checkpoint
 * weights were unused (a pre-training head) and which model weights were newly initialised (the
 * classification head, normal(0, initializer_range) and zero bias). `save_pretrained` writes a folder that
 * this loader and Python's both read.
 *
 * Checkpoints saved from the bare encoder (`BertModel`: no `bert.` prefix, e.g. monologg/kobert and
 * distilkobert) get the prefix added, and old LayerNorm names `gamma`/`beta` become `weight`/`bias`, as
 * transformers does. int64 buffers (`*.position_ids`) are ignored.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LABELS } from '../data/rows';
import { StateDict, TensorEntry, isFloat } from './safetensors';
import { readCheckpoint } from './checkpoint';
import { HubOptions, ModelUnavailableError, resolveModel } from './hubcache';
import {
  ModelConfig,
  ModelType,
  Params,
  TransformerClassifier,
  familyOf,
  initParams,
  nextModelTag,
  paramSpecs,
} from './modeling';
import { buildStandin, standinBanner, standinRequested } from './standin';
import { LoadReport, formatLoadReport } from './loadreport';
import { SaveOptions, savePretrained, toLabelMap } from './savepretrained';

export interface FromPretrainedOptions extends HubOptions {
  num_labels?: number;
  /**
   * Label names by id; default: the config's own names, else the course's four (0 표준어 … 3 전라도) when
   * there are 4.
   */
  id2label?: string[] | Record<string, string>;
  /** Seed of the newly initialised weights (the head). */
  seed?: number;
  /** For a config.json without `model_type` (old checkpoints), and for stand-ins of unknown ids. */
  model_type?: ModelType;
  /**
   * Re-initialise checkpoint tensors whose shape differs (a head trained for another label count) instead of
   * failing.
   */
  ignore_mismatched_sizes?: boolean;
  /** Offline stand-in when the id is neither cached nor downloadable (default: $HAI_STANDIN). */
  standin?: boolean;
}

const defaultLog = (s: string) => process.stderr.write(s + '\n');
const isGeneric = (m: Record<string, string>) => Object.values(m).every((v) => /^LABEL_\d+$/.test(String(v)));
/** The label count and names from the options and config.json, refusing contradictions. */
function resolveLabels(config: Record<string, any>, o: FromPretrainedOptions, file: string, log: (s: string) => void) {
  const cfgMap: Record<string, string> | undefined =
    config.id2label && typeof config.id2label === 'object' ? config.id2label : undefined;
  const cfgN = cfgMap ? Object.keys(cfgMap).length : typeof config.num_labels === 'number' ? config.num_labels : 2;
  if (cfgMap && typeof config.num_labels === 'number' && config.num_labels !== cfgN) {
    log(
      `${file}: num_labels ${config.num_labels} disagrees with id2label (${cfgN} labels); ` +
        'using id2label, as transformers does',
    );
  }
  const optMap = o.id2label ? toLabelMap(o.id2label) : undefined;
  if (optMap && o.num_labels !== undefined && Object.keys(optMap).length !== o.num_labels) {
    throw new Error(
      `num_labels ${o.num_labels} conflicts with id2label, which names ${Object.keys(optMap).length} labels`,
    );
  }
  const n = o.num_labels ?? (optMap ? Object.keys(optMap).length : cfgN);
  if (!Number.isInteger(n) || n < 1) throw new Error(`num_labels must be a positive integer, got ${n}`);
  const id2label =
    optMap ??
    (cfgMap && cfgN === n && !isGeneric(cfgMap)
      ? cfgMap
      : n === LABELS.length
        ? toLabelMap([...LABELS])
        : toLabelMap(Array.from({ length: n }, (_, i) => `LABEL_${i}`)));
  return { num_labels: n, id2label };
}

/** The weight files of a folder, safetensors first; shards through their index. */
export function weightFiles(dir: string): string[] {
  const has = (f: string) => fs.existsSync(path.join(dir, f));
  const shards = (index: string) => {
    const file = path.join(dir, index);
    let map: Record<string, string>;
    try {
      map = JSON.parse(fs.readFileSync(file, 'utf8')).weight_map;
    } catch (e) {
      throw new Error(`${file}: not a valid index: ${(e as Error).message}`);
    }
    return [...new Set(Object.values(map ?? {}))].map((f) => path.join(dir, f));
  };
  if (has('model.safetensors')) return [path.join(dir, 'model.safetensors')];
  if (has('model.safetensors.index.json')) return shards('model.safetensors.index.json');
  if (has('pytorch_model.bin')) return [path.join(dir, 'pytorch_model.bin')];
  if (has('pytorch_model.bin.index.json')) return shards('pytorch_model.bin.index.json');
  const found = fs.readdirSync(dir);
  const tf2 = found.some((f) => /\.(h5|msgpack)$/.test(f)) ? ' (TensorFlow/Flax weights are not supported)' : '';
  throw new Error(
    `${dir}: no model weights: looked for model.safetensors and pytorch_model.bin ` +
      `(found: ${found.join(', ') || 'nothing'})${tf2}`,
  );
}

/** A loaded (or freshly configured) classifier that knows where it came from and can save itself. */
export class PreTrainedClassifier extends TransformerClassifier {
  constructor(
    config: ModelConfig,
    params: Params,
    readonly report: LoadReport | null = null,
  ) {
    super(config, params);
  }
  get is_standin() {
    return Boolean(this.config.hai_standin);
  }
  /**
   * Writes config.json, model.safetensors, when given the tokenizer files, with `onnx` onnx/model.onnx; returns
   * the files written.
   */
  save_pretrained(dir: string, o: SaveOptions = {}): string[] {
    return savePretrained(this, dir, o);
  }
}

export class AutoModelForSequenceClassification {
  static async from_pretrained(idOrPath: string, o: FromPretrainedOptions = {}): Promise<PreTrainedClassifier> {
    const log = o.log ?? defaultLog;
    let dir: string;
    try {
      dir = (await resolveModel(idOrPath, o)).dir;
    } catch (e) {
      if (!(e instanceof ModelUnavailableError) || !standinRequested(o.standin)) throw e;
      dir = buildStandin(idOrPath, { model_type: o.model_type });
    }
    return loadFolder(idOrPath, dir, o, log);
  }

  /** A randomly initialised classifier (HF `from_config`), e.g. for tests or training from scratch. */
  static from_config(config: Partial<ModelConfig> & { model_type: string }, seed = 0): PreTrainedClassifier {
    const family = familyOf(config.model_type, 'config');
    const c = { ...family.defaults, num_labels: 2, ...config } as ModelConfig;
    const labels = resolveLabels(c, { num_labels: c.num_labels }, 'config', defaultLog);
    const full = {
      ...c,
      ...labels,
      label2id: Object.fromEntries(Object.entries(labels.id2label).map(([k, v]) => [v, Number(k)])),
    };
    return new PreTrainedClassifier(full, initParams(full, seed));
  }
}

function loadFolder(
  nameOrPath: string,
  dir: string,
  o: FromPretrainedOptions,
  log: (s: string) => void,
): PreTrainedClassifier {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile))
    throw new Error(`${dir}: no config.json (found: ${fs.readdirSync(dir).join(', ') || 'nothing'})`);
  let raw: Record<string, any>;
  try {
    raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new Error(`${configFile}: not valid JSON: ${(e as Error).message}`);
  }
  // Old configs lack model_type: the option, then the config's own keys (DistilBERT's `dim`/`n_layers`,
  // ELECTRA's `embedding_size`), then transformers' fallback, the name ('monologg/distilkobert' reads as bert there).
  let type: string | undefined =
    raw.model_type ??
    o.model_type ??
    ('n_layers' in raw && 'dim' in raw ? 'distilbert' : 'embedding_size' in raw ? 'electra' : undefined);
  if (!type) type = ['distilbert', 'electra', 'bert'].find((t) => nameOrPath.toLowerCase().includes(t));
  if (!type)
    throw new Error(
      `${configFile}: no model_type, and none could be told from '${nameOrPath}': ` +
        "pass { model_type: 'bert' | 'distilbert' | 'electra' }",
    );
  const family = familyOf(type, configFile);
  if (raw.hai_standin) log(standinBanner(String(raw.hai_standin.of ?? nameOrPath), dir, { model_type: type }));
  const labels = resolveLabels(raw, o, configFile, log);
  const config = {
    ...family.defaults,
    ...raw,
    model_type: type,
    ...labels,
    label2id: Object.fromEntries(Object.entries(labels.id2label).map(([k, v]) => [v, Number(k)])),
  } as ModelConfig;
  const specs = paramSpecs(config);

  const files = weightFiles(dir);
  const dicts: StateDict[] = files.map((f) => readCheckpoint(f));
  const entries = new Map<string, { e: TensorEntry; file: string; original: string }>();
  const ignored: string[] = [];
  const hasPrefix = dicts.some((d) => [...d.tensors.keys()].some((k) => k.startsWith(family.prefix + '.')));
  for (const d of dicts) {
    for (const [original, e] of d.tensors) {
      if (!isFloat(e.dtype) || /(^|\.)position_ids$/.test(original) || /embeddings\.token_type_ids$/.test(original)) {
        ignored.push(original);
        continue;
      }
      let name = original.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
      if (!hasPrefix && specs.has(`${family.prefix}.${name}`)) name = `${family.prefix}.${name}`;
      entries.set(name, { e, file: d.file, original });
    }
  }

  const tag = nextModelTag();
  const loaded = new Map<string, tf.Variable>();
  const missing: string[] = [],
    mismatched: LoadReport['mismatched'] = [];
  for (const [name, spec] of specs) {
    const src = entries.get(name);
    if (!src) {
      missing.push(name);
      continue;
    }
    const want = spec.kind === 'linear' ? [spec.shape[1], spec.shape[0]] : spec.shape; // PyTorch's layout
    if (src.e.shape.length !== want.length || src.e.shape.some((d, i) => d !== want[i])) {
      const isHead = !name.startsWith(family.prefix + '.');
      if (o.ignore_mismatched_sizes) {
        mismatched.push({ name, checkpoint: src.e.shape, model: want });
        continue;
      }
      for (const v of loaded.values()) v.dispose();
      throw new Error(
        `${src.file}: tensor '${src.original}' has shape [${src.e.shape}] ` +
          `but the ${type} model built from ${configFile} expects [${want}]` +
          (isHead
            ? ` (the checkpoint's head was trained for other labels; num_labels is ${config.num_labels}: ` +
              'pass ignore_mismatched_sizes: true to re-initialise the head)'
            : ''),
      );
    }
    const values = src.e.read();
    const v = tf.tidy(() => {
      const t = tf.tensor(values, want, 'float32');
      // the one transpose, at load
      return tf.variable(spec.kind === 'linear' ? tf.transpose(t) : t, true, `${name}#${tag}`);
    });
    loaded.set(name, v);
  }
  const reinit = new Set([...missing, ...mismatched.map((m) => m.name)]);
  const fresh = reinit.size ? initParams(config, o.seed ?? 0, reinit) : new Map<string, tf.Variable>();
  const params: Params = new Map([...specs.keys()].map((k) => [k, (loaded.get(k) ?? fresh.get(k))!]));
  const report: LoadReport = {
    name_or_path: nameOrPath,
    dir,
    files,
    format: dicts[0].format,
    standin: Boolean(raw.hai_standin),
    unused: [...entries].filter(([k]) => !specs.has(k)).map(([, v]) => v.original),
    newly_initialized: missing,
    mismatched,
    ignored,
  };
  const text = formatLoadReport(report, family.architecture);
  if (text) log(text);
  return new PreTrainedClassifier(config, params, report);
}
