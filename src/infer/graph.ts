/**
 * A tfjs model's current weights as one ONNX graph in memory, run by onnxruntime-node: the exported-graph speed
 * (src/models/onnxgraph.ts, the graph `hai export --onnx` writes) without writing a file. The trainer's validation
 * and `hai eval --runtime graph` use it; the predictions are the tfjs model's (same graph formulas, float32).
 *
 * Introduced in notebooks/06_inference.ipynb.
 */
import type * as tf from '@tensorflow/tfjs';
import { buildOnnxClassifier } from '../models/onnxgraph';
import { OnnxClassifier, onnxRuntimeProblem } from '../models/onnxruntime';
import type { ModelConfig } from '../models/config';
import { AsyncLogitsModel } from './predict';

/** The families src/models/onnxgraph.ts builds a graph for. */
export const GRAPH_FAMILIES = ['bert', 'electra', 'distilbert'];

/** What exporting needs of a model: its config (the family) and its parameters by Hugging Face name. */
export interface ExportableModel {
  config: ModelConfig;
  params: Map<string, tf.Variable>;
}

/** Why `model` cannot run as an in-memory graph here (no onnxruntime-node, a family without export), or null. */
export function graphProblem(model: Partial<ExportableModel>): string | null {
  const ort = onnxRuntimeProblem();
  if (ort) return ort;
  const type = model.config?.model_type;
  if (!model.params || !GRAPH_FAMILIES.includes(String(type)))
    return `model_type '${type}' has no ONNX graph (${GRAPH_FAMILIES.join(', ')})`;
  return null;
}

/** The model's weights, read now, as an onnxruntime-node session (later weight updates do not reach it). */
export async function graphLogits(
  model: ExportableModel,
  o: { threads?: number } = {},
): Promise<AsyncLogitsModel & { seconds: number }> {
  const problem = graphProblem(model);
  if (problem) throw new Error(`in-memory ONNX graph: ${problem}`);
  const t0 = performance.now();
  // Read asynchronously, as every backend allows (WebGPU has no synchronous read under Node).
  const weights = new Map(
    await Promise.all(
      [...model.params].map(
        async ([k, v]) =>
          [k, { data: (await v.data()) as Float32Array, shape: [...v.shape] as number[] }] as [
            string,
            { data: Float32Array; shape: number[] },
          ],
      ),
    ),
  );
  const P = (name: string) => {
    const w = weights.get(name);
    if (!w) throw new Error(`in-memory ONNX graph: the model has no parameter ${name}`);
    return w;
  };
  const chunks = buildOnnxClassifier(model.config, P, { producer: 'hai-dialect-lab', version: 'in-memory' });
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  const session = await OnnxClassifier.fromBytes(bytes, `in-memory graph of ${model.config.model_type}`, o);
  return {
    logits: async (b) => Float32Array.from((await session.logits(b)).flat()),
    seconds: (performance.now() - t0) / 1000,
  };
}
