/**
 * `hai export --onnx <checkpoint> [--out dir]`: the ONNX export for inference (src/models/onnxexport.ts) of a
 * saved classifier — `onnx/model.onnx` and `tokenizer.json` beside config.json and the tokenizer files, the layout
 * transformers.js reads (`pipeline('text-classification', dir, { quantized: false })`). Without `--out` they are
 * added to the checkpoint folder; with it, a complete model folder is written there.
 *
 * Introduced in notebooks/06_inference.ipynb (serving the trained model; docs/models.md "Exporting to ONNX").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { initBackend } from '../engine/backend';
import { AutoModelForSequenceClassification } from '../models/automodel';
import { savePretrained } from '../models/savepretrained';
import { AutoTokenizer } from '../models/autotokenizer';
import { exportOnnx } from '../models/onnxexport';

export interface ExportOptions {
  onnx?: boolean;
  out?: string;
  allowNewHead?: boolean;
  log?: (s: string) => void;
}

/** What `hai export` runs; returns the files written. */
export async function exportCheckpoint(checkpoint: string, o: ExportOptions): Promise<string[]> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  if (!o.onnx) throw new Error('hai export: say which format: --onnx (the only one so far)');
  const local = fs.existsSync(checkpoint) && fs.statSync(checkpoint).isDirectory();
  if (!local && !o.out)
    throw new Error(
      `${checkpoint} is not a local folder: pass --out <dir> to export a hub model into a folder of its own`,
    );
  const model = await AutoModelForSequenceClassification.from_pretrained(checkpoint, { log });
  try {
    const dir = model.report!.dir;
    if (model.report!.newly_initialized.length && !o.allowNewHead) {
      throw new Error(
        `${checkpoint} has no trained classification head ` +
          `(${model.report!.newly_initialized.join(', ')} would be random): ` +
          'export a fine-tuned checkpoint (hai train writes runs/train/final), or pass --allow-new-head',
      );
    }
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const out = o.out ?? dir;
    const written: string[] = [];
    if (path.resolve(out) !== path.resolve(dir)) {
      written.push(...savePretrained(model, out, { tokenizer: dir })); // the tokenizer's own files, copied
      const args = path.join(dir, 'training_args.json');
      if (fs.existsSync(args)) {
        fs.copyFileSync(args, path.join(out, 'training_args.json'));
        written.push(path.join(out, 'training_args.json'));
      }
    }
    written.push(...exportOnnx(model, out, { tokenizer, log }));
    return written;
  } finally {
    model.dispose();
  }
}

/** Registers `hai export` on `program`. */
export function addExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export a checkpoint for inference: --onnx writes onnx/model.onnx and tokenizer.json, ' +
        'as transformers.js reads them',
    )
    .argument('<checkpoint>', 'a checkpoint folder (e.g. runs/train/final)')
    .option('--onnx', 'ONNX (opset 13, float32): onnx/model.onnx')
    .option('--out <dir>', 'write a complete model folder here instead of adding the export to the checkpoint folder')
    .option(
      '--allow-new-head',
      'export even when the checkpoint has no trained classification head (its head is then random)',
    )
    .action(async (checkpoint: string, o: ExportOptions) => {
      await initBackend();
      const files = await exportCheckpoint(checkpoint, o);
      const out = o.out ?? path.dirname(files.find((f) => f.endsWith('model.onnx'))!).replace(/[/\\]onnx$/, '');
      const abs = path.resolve(out);
      console.log(
        `wrote ${files.join(', ')}\nrun it: hai predict --runtime onnx --model ${out} "뭐 하노?"\n` +
          `transformers.js: env.localModelPath = '${path.dirname(abs)}/'; ` +
          `pipeline('text-classification', '${path.basename(abs)}', { quantized: false })`,
      );
    });
}
