/**
 * ONNX export for inference: `exportOnnx(model, dir, { tokenizer })` writes `dir/onnx/model.onnx` (the graph of
 * src/models/onnxgraph.ts with the model's weights) and `dir/tokenizer.json`, the layout transformers.js reads
 * beside config.json and the tokenizer files, so a trained model can be served with `@xenova/transformers`:
 *
 *   pipeline('text-classification', dir, { quantized: false })   // model.onnx, not model_quantized.onnx
 *
 * `save_pretrained(dir, { tokenizer, onnx: true })` and `hai export --onnx <checkpoint>` call it. Weights are
 * float32 as trained (no quantisation), so the export gives the kit's logits to float32 rounding
 * (test/models/onnx.test.ts checks 1e-5 through transformers.js and onnxruntime-node).
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/files';
import { buildOnnxClassifier } from './onnxgraph';
import { writeBytesAtomic } from './safetensors';
import type { ModelConfig, Params } from './config';
import type { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { saveTokenizerJson } from '../text/tokenizerjson';

/**
 * Where the export lives inside a model folder (transformers.js:
 * `onnx/${name}${quantized ? '_quantized' : ''}.onnx`).
 */
export const ONNX_MODEL_FILE = path.join('onnx', 'model.onnx');

export interface OnnxExportOptions {
  /** Its tokenizer.json is written beside the model (WordPiece only; KoBERT's SentencePiece has none). */
  tokenizer?: PreTrainedTokenizer;
  log?: (s: string) => void;
}

/** Writes onnx/model.onnx (and tokenizer.json when it can); returns the files written. */
export function exportOnnx(
  model: { config: ModelConfig; params: Params },
  dir: string,
  o: OnnxExportOptions = {},
): string[] {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const { version } = require('../../package.json') as { version: string };
  const P = (name: string) => {
    const v = model.params.get(name);
    if (!v) throw new Error(`ONNX export: the model has no parameter ${name}`);
    return { data: v.dataSync() as Float32Array, shape: [...v.shape] };
  };
  const chunks = buildOnnxClassifier(model.config, P, { producer: 'hai-dialect-lab', version });
  const file = path.join(dir, ONNX_MODEL_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeBytesAtomic(file, chunks);
  const rec = path.join(dir, EXPORT_RECORD);
  writeFileAtomic(
    rec,
    JSON.stringify({ producer: `hai-dialect-lab ${version}`, weights: weightsFingerprint(dir) }, null, 1) + '\n',
  );
  const written = [file, rec];
  if (o.tokenizer) {
    try {
      written.push(saveTokenizerJson(dir, o.tokenizer));
    } catch (e) {
      log(
        `hai export: ${(e as Error).message}; ` +
          'onnx/model.onnx still runs with onnxruntime-node (hai eval --runtime onnx)',
      );
    }
  } else if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) {
    log(
      `hai export: no tokenizer given and ${dir} has no tokenizer.json, which transformers.js needs: ` +
        `pass the tokenizer object (a folder path is only copied), or run hai export --onnx ${dir}`,
    );
  }
  return written;
}

/** Which weights an export was made from: sha256 over the folder's weight files (names and bytes). */
export const EXPORT_RECORD = path.join('onnx', 'hai_export.json');
function weightsFingerprint(dir: string): { files: string[]; sha256: string } {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^(model.*\.safetensors|pytorch_model.*\.bin)$/.test(f))
    .sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f + '\0');
    h.update(fs.readFileSync(path.join(dir, f)));
  }
  return { files, sha256: h.digest('hex') };
}

/**
 * Whether `dir` holds an ONNX export that is current: `null` if so, else the reason (none, or made from other
 * weights than those beside it now — a later save_pretrained without `onnx: true` left it behind). An export
 * without our record (made elsewhere, e.g. a transformers.js model folder) cannot be checked and counts as current.
 */
export function onnxExportProblem(dir: string): string | null {
  const file = path.join(dir, ONNX_MODEL_FILE);
  if (!fs.existsSync(file)) return `${dir} has no ${ONNX_MODEL_FILE} (make one with: hai export --onnx ${dir})`;
  const rec = path.join(dir, EXPORT_RECORD);
  if (!fs.existsSync(rec)) return null;
  let made: { weights?: { sha256?: string } };
  try {
    made = JSON.parse(fs.readFileSync(rec, 'utf8'));
  } catch (e) {
    return `${rec}: not valid JSON (${(e as Error).message}): export again with hai export --onnx ${dir}`;
  }
  const now = weightsFingerprint(dir);
  if (made.weights?.sha256 !== now.sha256)
    return (
      `${file} was exported from other weights than the ${now.files.join(', ') || 'weights'} now in ${dir}: ` +
      `export again with hai export --onnx ${dir}`
    );
  return null;
}
