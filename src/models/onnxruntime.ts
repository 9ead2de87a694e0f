/**
 * Running an ONNX export (src/models/onnxexport.ts) with onnxruntime-node: `OnnxClassifier.load(dir)` opens
 * `dir/onnx/model.onnx` and `logits(batch)` runs it on int64 inputs, as transformers.js does. `hai eval` and
 * `hai predict` use it with `--runtime onnx` (src/course/onnxeval.ts).
 *
 * onnxruntime-node 1.14 comes with @xenova/transformers; its CPU binaries are inside the npm package, so it loads
 * without downloads. If it cannot load (another platform, a broken install), `onnxRuntimeProblem()` says why.
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { ONNX_MODEL_FILE, onnxExportProblem } from './onnxexport';

let ort: typeof Ort | null = null,
  loadError: string | null = null;

/** onnxruntime-node, loaded once; null (and the reason in `onnxRuntimeProblem`) if it cannot load here. */
function runtime(): typeof Ort | null {
  if (ort || loadError) return ort;
  try {
    ort = require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    loadError = `onnxruntime-node cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  return ort;
}

/** Why an ONNX export cannot run here (no runtime, no export, a stale export), or null when it can. */
export function onnxRuntimeProblem(dir?: string): string | null {
  if (!runtime()) return loadError;
  return dir === undefined ? null : onnxExportProblem(dir);
}

/** The installed onnxruntime-node version, or null. */
export function onnxRuntimeVersion(): string | null {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

export interface OnnxBatch {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids?: number[][];
}

/** An exported classifier in an onnxruntime-node session. */
export class OnnxClassifier {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly file: string,
  ) {}

  /** Opens `dir/onnx/model.onnx`; fails with the reason when the runtime or a current export is missing. */
  static async load(dir: string, o: { threads?: number } = {}): Promise<OnnxClassifier> {
    const problem = onnxRuntimeProblem(dir);
    if (problem) throw new Error(problem);
    const file = path.join(dir, ONNX_MODEL_FILE);
    const opts: Ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    };
    let session: Ort.InferenceSession;
    try {
      session = await runtime()!.InferenceSession.create(file, opts);
    } catch (e) {
      throw new Error(`${file}: onnxruntime-node cannot open it: ${(e as Error).message}`);
    }
    return new OnnxClassifier(session, file);
  }

  /**
   * A session over a graph held in memory (e.g. the weights being trained, exported by src/infer/graph.ts): nothing
   * is written to disk. `name` stands for the file in error messages.
   */
  static async fromBytes(bytes: Uint8Array, name: string, o: { threads?: number } = {}): Promise<OnnxClassifier> {
    const problem = onnxRuntimeProblem();
    if (problem) throw new Error(problem);
    const opts: Ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    };
    return new OnnxClassifier(await runtime()!.InferenceSession.create(bytes, opts), name);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Logits `[batch][num_labels]` of one batch (rows of equal length); token types default to zeros. */
  async logits(b: OnnxBatch): Promise<number[][]> {
    const B = b.input_ids.length,
      T = b.input_ids[0]?.length ?? 0;
    if (!B || !T) throw new Error('ONNX batch: input_ids must be a non-empty [batch][seq] array');
    const ints = (rows: number[][], name: string) => {
      const out = new BigInt64Array(B * T);
      rows.forEach((r, i) => {
        if (r.length !== T) throw new Error(`ONNX batch: ${name} row ${i} has ${r.length} entries, expected ${T}`);
        for (let j = 0; j < T; j++) out[i * T + j] = BigInt(r[j]);
      });
      return new (runtime()!.Tensor)('int64', out, [B, T]);
    };
    const feeds: Record<string, Ort.Tensor> = {};
    for (const n of this.session.inputNames) {
      const rows =
        n === 'input_ids'
          ? b.input_ids
          : n === 'attention_mask'
            ? b.attention_mask
            : n === 'token_type_ids'
              ? (b.token_type_ids ?? b.input_ids.map((r) => r.map(() => 0)))
              : undefined;
      if (!rows) throw new Error(`${this.file}: input '${n}' is not one of input_ids, attention_mask, token_type_ids`);
      feeds[n] = ints(rows, n);
    }
    const out = (await this.session.run(feeds)).logits;
    if (!out) throw new Error(`${this.file}: the graph has no output 'logits'`);
    const data = out.data as Float32Array,
      L = out.dims[1];
    return Array.from({ length: B }, (_, i) => Array.from(data.subarray(i * L, (i + 1) * L)));
  }
}
