/**
 * `hai translate` (JSON lines in and out, `--eval`, `--build`) and `hai serve` (the web app).
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as readline from 'node:readline';
import { Command, Option } from 'commander';
import { positiveInt } from './args';
import {
  CorpusTranslator,
  Translator,
  Variety,
  buildTranslatorFromFiles,
  defaultTranslator,
  loadTranslator,
  parseVariety,
  saveTranslator,
} from '../translate/corpustranslator';
import { HubTranslator } from '../translate/kobart';
import { readParallel } from '../translate/pairs';
import { evaluateTranslation, formatEval } from '../translate/evaluate';
import { Detector, checkpointDetector, detectSource, naiveBayesDetector } from '../app/detect';
import { RUNTIMES, Runtime } from '../infer/runtime';
import { appDefaults, createAppServer, listen } from '../app/server';
import { repoPath } from '../util/paths';

interface Common {
  translator?: string;
  model?: string;
  runtime: Runtime;
  detector: 'naive-bayes' | 'none';
  hub?: boolean;
  hubDir?: string;
  allowRemote?: boolean;
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const corpusTranslator = (o: Common) => (o.translator ? loadTranslator(o.translator) : defaultTranslator({ log }));
const hubTranslator = (o: Common) =>
  new HubTranslator({
    localDir: o.hubDir ?? process.env.HAI_HUB_TRANSLATORS ?? null,
    allowRemote: Boolean(o.allowRemote),
  });

/** The detector for "auto": --model's checkpoint, else the Naive Bayes baseline (bannered), else none. */
function detector(o: Common): Detector | null {
  if (o.model) {
    const d = checkpointDetector(o.model, { runtime: o.runtime });
    log(`auto-detect: ${d.description}`);
    return d;
  }
  if (o.detector === 'none') return null;
  const d = naiveBayesDetector();
  log(`auto-detect: ${d.description} (no --model given)`);
  return d;
}

const common = (c: Command) =>
  c
    .option(
      '--translator <dir>',
      'a translator folder written by hai translate --build ' +
        '(default: learned from data/aihub, cached in runs/translator/)',
    )
    .option('--model <checkpoint>', 'a fine-tuned classifier folder for --from auto (e.g. runs/train/final)')
    .addOption(
      new Option(
        '--runtime <name>',
        'how --model runs: its ONNX export on onnxruntime-node (onnx), tfjs, or auto ' +
          '(the export when it is current: hai export --onnx)',
      )
        .choices([...RUNTIMES])
        .default('auto'),
    )
    .addOption(
      new Option('--detector <kind>', 'what classifies "auto" when no --model is given')
        .choices(['naive-bayes', 'none'])
        .default('naive-bayes'),
    )
    .option('--hub-dir <dir>', 'root of converted ONNX folders of the four KoBART models (also $HAI_HUB_TRANSLATORS)')
    .option('--allow-remote', 'let @xenova/transformers download hub models (needs repos with ONNX files)');

async function translateLines(
  tr: Translator,
  det: Detector | null,
  from: Variety | 'auto',
  to: Variety,
): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    let j: any;
    try {
      j = JSON.parse(line);
    } catch (e) {
      throw new Error(`stdin line ${n}: not JSON: ${(e as Error).message}`);
    }
    if (typeof j !== 'object' || j === null || typeof j.text !== 'string')
      throw new Error(`stdin line ${n}: expected {"text": "…"}`);
    if (!j.text.trim()) throw new Error(`stdin line ${n}: field "text" is empty`);
    const { from: src, detected } = await detectSource(
      det,
      j.text,
      from,
      '--from auto needs a classifier: give --model <checkpoint> (hai train --preset fast --standin) ' +
        'or drop --detector none',
    );
    const r = await tr.translate(j.text, src, to);
    const answer = {
      text: j.text,
      output: r.output,
      changed: r.changed,
      reason: r.reason,
      from: src,
      to,
      route: r.route,
      translator: tr.kind,
      standin: tr.standin,
      ...(detected ? { detected } : {}),
    };
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

/** Registers `translate` and `serve` on `program`. */
export function addTranslateCommands(program: Command): void {
  common(program.command('translate'))
    .description(
      'translate JSON lines {"text": …} from stdin between standard Korean and the dialects; or --eval, or --build',
    )
    .option(
      '--from <variety>',
      'standard | gyeongsang | jeju | jeolla | auto (or 표준어, 경상도, 제주도, 전라도, 자동)',
    )
    .option('--to <variety>', 'standard | gyeongsang | jeju | jeolla (or 표준어, 경상도, 제주도, 전라도)')
    .option('--hub', "use the original app's four KoBART hub models instead of the corpus tables")
    .option(
      '--eval',
      'score the corpus translator against copying (BLEU, chrF, exact match, change-F1) on held-out conversations',
    )
    .option('--build', 'learn a translator from --data and write it to --out')
    .option('--data <paths...>', 'AI Hub JSON files or folders to learn from (default: data/aihub)')
    .option(
      '--test <paths...>',
      'with --eval: score on these AI Hub files instead of held-out conversations (learn from all of --data)',
    )
    .option('--out <dir>', 'with --build: where translator.json goes', 'runs/translator/custom')
    .option('--seed <n>', 'split seed', positiveInt('--seed'), 42)
    .option('--json', 'with --eval: print the report as JSON')
    .option(
      '--plain-share <x>',
      'with --eval: share of plain (unchanged) sentences added to dev when tuning (default 0.6; 0: dense dialect only)',
      (v) => {
        const x = Number(v);
        if (!(x >= 0 && x < 1)) throw new Error(`--plain-share must be in [0, 1), got '${v}'`);
        return x;
      },
    )
    .action(
      async (
        o: Common & {
          from?: string;
          to?: string;
          eval?: boolean;
          build?: boolean;
          data?: string[];
          test?: string[];
          out: string;
          seed: number;
          json?: boolean;
          plainShare?: number;
        },
      ) => {
        const data = o.data ?? [repoPath('data', 'aihub')];
        if (o.eval) {
          const ext = o.test ? readParallel(o.test) : undefined;
          const r = evaluateTranslation(readParallel(data), {
            seed: o.seed,
            external: ext,
            externalName: o.test?.join(', '),
            plainShare: o.plainShare,
          });
          console.log(o.json ? JSON.stringify(r) : formatEval(r));
          return;
        }
        if (o.build) {
          const file = saveTranslator(buildTranslatorFromFiles(data, { seed: o.seed }), o.out);
          console.log(`translator written: ${file}`);
          return;
        }
        if (!o.from || !o.to) throw new Error('give --from and --to (or --eval, or --build)');
        const from = ['auto', '자동'].includes(o.from.trim()) ? 'auto' : parseVariety(o.from);
        const to = parseVariety(o.to);
        const tr: Translator = o.hub ? hubTranslator(o) : corpusTranslator(o);
        const why = o.hub
          ? (tr as HubTranslator).unavailable(from === 'auto' ? undefined : from, from === 'auto' ? undefined : to)
          : null;
        if (why) throw new Error(why);
        await translateLines(
          tr,
          from === 'auto' ? (o.model || o.detector !== 'none' ? detector(o) : null) : null,
          from,
          to,
        );
      },
    );

  common(program.command('serve'))
    .description('the translator web app: one Korean page and a JSON API (/api/translate, /api/classify)')
    .option(
      '--port <n>',
      'port (0: any free port)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0–65535, got '${v}'`);
        return n;
      },
      8501,
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--max-chars <n>', 'longest text accepted', positiveInt('--max-chars'), 500)
    .action(async (o: Common & { port: number; host: string; maxChars: number }) => {
      const translator: CorpusTranslator = corpusTranslator(o);
      const hub = o.hubDir || o.allowRemote || process.env.HAI_HUB_TRANSLATORS ? hubTranslator(o) : null;
      const cfg = appDefaults({ translator, hub, detector: detector(o), maxChars: o.maxChars });
      const { url } = await listen(createAppServer(cfg), o.port, o.host);
      console.log(`serving the translator at ${url}  (Ctrl-C stops)`);
      if (hub) log(`hub translator: ${hub.unavailable() ?? 'available'}`);
    });
}
