/**
 * Which runtime computes a saved classifier's logits, and opening it there: the kit's tfjs model (`tfjs`, the
 * default), the folder's ONNX export in onnxruntime-node (`onnx`: an error when it cannot run), or `auto` (ONNX
 * when the folder has a current export and onnxruntime-node loads, else tfjs, saying which and why). Whichever
 * runs, `openClassifier` gives the same `LogitsModel` (src/infer/predict.ts), tokenizer and encoding settings, so
 * `hai eval`, `hai predict`, the app and the bench share one predict loop.
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OnnxClassifier, onnxRuntimeProblem, onnxRuntimeVersion } from '../models/onnxruntime';
import { AutoTokenizer } from '../models/autotokenizer';
import type { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { EncodingKind, RaggedEncoding, encodeRagged } from '../text/ragged';
import { AsyncLogitsModel, TfjsModel, LogitsModel } from './predict';
import { GRAPH_FAMILIES, graphLogits } from './graph';
import { SavedArgs, loadModelAndTokenizer, trainingArgs } from './load';

export const RUNTIMES = ['tfjs', 'onnx', 'graph', 'auto'] as const;
export type Runtime = (typeof RUNTIMES)[number];
export type ChosenRuntime = Exclude<Runtime, 'auto'>;

/** The family of a local checkpoint folder (config.json's model_type), or null when it cannot be read here. */
function folderModelType(dir: string): string | null {
  try {
    return String(
      (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>).model_type,
    );
  } catch {
    return null;
  }
}

/** Why the checkpoint's weights cannot run as an in-memory graph (src/infer/graph.ts), or null when they can. */
function graphRuntimeProblem(dir: string): string | null {
  const ort = onnxRuntimeProblem();
  if (ort) return ort;
  const type = fs.existsSync(dir) ? folderModelType(dir) : null;
  return type === null || GRAPH_FAMILIES.includes(type)
    ? null
    : `model_type '${type}' has no ONNX graph (${GRAPH_FAMILIES.join(', ')})`;
}

/**
 * Which runtime runs `modelDir`, and why; throws when `onnx` or `graph` was asked for and cannot run.
 * - `tfjs`: the kit's models (the default of the library's functions).
 * - `onnx`: the folder's saved export (`hai export --onnx`), which must be current.
 * - `graph`: the checkpoint's weights exported to an ONNX graph in memory at load (nothing written), the exported
 *   graph's speed without an export step.
 * - `auto`: `onnx` when the folder has a current export, else `graph` where onnxruntime-node loads, else `tfjs`.
 */
export function chooseRuntime(
  modelDir: string,
  requested: Runtime = 'tfjs',
): { runtime: ChosenRuntime; reason: string } {
  if (!(RUNTIMES as readonly string[]).includes(requested))
    throw new Error(`runtime '${requested}' is not one of ${RUNTIMES.join(', ')}`);
  if (requested === 'tfjs') {
    const has = fs.existsSync(path.join(modelDir, 'onnx', 'model.onnx'));
    return {
      runtime: 'tfjs',
      reason: has
        ? 'the default (this folder also has onnx/model.onnx: --runtime onnx runs it)'
        : 'the default (--runtime onnx runs an ONNX export: hai export --onnx)',
    };
  }
  const graph = () => {
    const why = graphRuntimeProblem(modelDir);
    return why
      ? null
      : {
          runtime: 'graph' as const,
          reason: `the weights as an in-memory ONNX graph on onnxruntime-node ${onnxRuntimeVersion()}`,
        };
  };
  if (requested === 'graph') {
    const g = graph();
    if (!g) throw new Error(`--runtime graph: ${graphRuntimeProblem(modelDir)}`);
    return g;
  }
  const problem = fs.existsSync(modelDir)
    ? onnxRuntimeProblem(modelDir)
    : `${modelDir} is not a local folder (ONNX exports are read from checkpoint folders)`;
  if (!problem)
    return {
      runtime: 'onnx',
      reason: `${path.join(modelDir, 'onnx', 'model.onnx')} on onnxruntime-node ${onnxRuntimeVersion()}`,
    };
  if (requested === 'onnx') throw new Error(`--runtime onnx: ${problem}`);
  const g = graph();
  if (g) return { ...g, reason: `${g.reason} (no saved export: ${problem})` };
  return { runtime: 'tfjs', reason: `ONNX not used: ${problem}` };
}

/** An onnxruntime-node session as a `LogitsModel` (asynchronous: the session runs off the main thread). */
export function onnxLogits(session: OnnxClassifier): AsyncLogitsModel {
  return { logits: async (b) => Float32Array.from((await session.logits(b)).flat()) };
}

/** A saved classifier opened for inference on one runtime. */
export interface OpenedClassifier {
  runtime: ChosenRuntime;
  reason: string;
  model: LogitsModel | TfjsModel;
  tokenizer: PreTrainedTokenizer;
  args: SavedArgs;
  /** The checkpoint's `id2label` (config.json), if any. */
  id2label: unknown;
  /** Whether the weights are an offline stand-in (randomly initialised), not a trained checkpoint. */
  standin: boolean;
  /** Texts as the checkpoint was trained to read them (its maxlen and encoding unless given). */
  encodeTexts(texts: string[], maxlen?: number): RaggedEncoding;
  dispose(): void;
}

export interface OpenOptions {
  /** tfjs (default), onnx (the folder's export), graph (the weights as a graph in memory), auto: see chooseRuntime. */
  runtime?: Runtime;
  /** Where the choice and its reason go; by default stderr when a runtime was asked for, else nowhere. */
  log?: (s: string) => void;
}

/** Opens `dir` (a checkpoint folder, or a hub id / cached model for tfjs) on the runtime `o.runtime` chooses. */
export async function openClassifier(dir: string, o: OpenOptions = {}): Promise<OpenedClassifier> {
  const choice = chooseRuntime(dir, o.runtime ?? 'tfjs');
  const log = o.log ?? (o.runtime ? (s: string) => process.stderr.write(s + '\n') : null);
  log?.(`runtime ${choice.runtime}: ${choice.reason}`);
  const args = trainingArgs(dir);
  const encodeWith = (tokenizer: PreTrainedTokenizer) => (texts: string[], maxlen?: number) =>
    encodeRagged(
      tokenizer,
      texts,
      texts.map(() => 0),
      { maxlen: maxlen ?? args.maxlen ?? 256, encoding: (args.encoding ?? 'course') as EncodingKind },
    );
  if (choice.runtime === 'onnx') {
    const session = await OnnxClassifier.load(dir);
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return {
      ...choice,
      model: onnxLogits(session),
      tokenizer,
      args,
      id2label: config.id2label,
      standin: Boolean(config.hai_standin),
      encodeTexts: encodeWith(tokenizer),
      dispose: () => undefined,
    };
  }
  const { model, tokenizer } = await loadModelAndTokenizer(dir);
  if (choice.runtime === 'graph') {
    const graph = await graphLogits(model);
    const opened = { id2label: model.config.id2label, standin: Boolean(model.is_standin) };
    model.dispose(); // the session holds its own copy of the weights
    return {
      ...choice,
      ...opened,
      model: graph,
      tokenizer,
      args,
      encodeTexts: encodeWith(tokenizer),
      dispose: () => undefined,
    };
  }
  return {
    ...choice,
    model,
    tokenizer,
    args,
    id2label: model.config.id2label,
    standin: Boolean(model.is_standin),
    encodeTexts: encodeWith(tokenizer),
    dispose: () => model.dispose(),
  };
}
