/**
 * The `hai` commands that inspect and measure rather than train: `doctor`, `bench`, `data …` and `tokenize`
 * (the rest are in src/cli/cli.ts). Each is a thin layer over a library function, so a notebook cell and the
 * command line cannot drift apart.
 *
 * Introduced in notebooks/00_setup.ipynb (doctor, bench) and notebooks/01_data.ipynb (data).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { positiveInt } from './args';
import { addBenchCommand } from './benchcmd';
import { doctor, formatDoctor } from './doctor';
import { SplitOptions, buildCorpus, prepareData, splitFiles } from '../data/bundledcorpus';
import { AutoTokenizer } from '../models/autotokenizer';
import { tokenizeJsonl } from '../text/pretrainedtokenizer';
import { LABELS } from '../data/rows';
import { Mode, convertDefaults } from '../data/aihub';
import { convertFilesToCsv } from '../data/convertstream';

/** Registers doctor, bench, data and tokenize on `program`. */
export function addToolCommands(program: Command): void {
  program
    .command('doctor')
    .description('show the compute backend this machine uses and why, the GPU, threads and package versions')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor();
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
      if (!report.self_test.ok) process.exitCode = 1;
    });

  addBenchCommand(program);

  const data = program.command('data').description('turn AI Hub dialect JSON into labelled tables (session 1)');
  data
    .command('convert')
    .description('convert AI Hub JSON files or folders into a `contents,label` CSV, exactly as the course did')
    .argument('<inputs...>', 'JSON files and/or folders (searched recursively for *.json)')
    .requiredOption('--out <file.csv>', 'where to write the CSV (written atomically)')
    .addOption(
      new Option(
        '--mode <mode>',
        "course = the original notebook's rules; clean = those plus the clean rules of data/README.md",
      )
        .choices(['course', 'clean'])
        .default('course'),
    )
    .option('--label-map <list>', 'labels for other regions, e.g. 강원=4,충청=5', (v) =>
      Object.fromEntries(
        v.split(',').map((kv) => {
          const [k, n] = kv.split('=');
          if (!k || !/^\d+$/.test(n ?? ''))
            throw new InvalidArgumentError(`--label-map entries are region=label, got '${kv}'`);
          return [k.trim(), Number(n)];
        }),
      ),
    )
    .option(
      '--skip-bad',
      'write the rows of the good files even when some files are malformed (each is still reported)',
    )
    .action(
      (inputs: string[], o: { out: string; mode: Mode; labelMap?: Record<string, number>; skipBad?: boolean }) => {
        // Streams file by file (src/data/convertstream.ts): bounded memory for AI Hub's ~26k files, a progress bar.
        const res = convertFilesToCsv(inputs, o.out, convertDefaults({ mode: o.mode, labelMap: o.labelMap ?? {} }), {
          skipBad: o.skipBad,
        });
        const bad = res.files.filter((f) => f.error);
        for (const f of res.files) {
          if (f.error) console.error(`error: ${f.error}`);
          else if (f.skipped) console.error(`warning: ${f.file}: skipped: ${f.skipped}`);
        }
        if (!res.written) {
          throw new Error(
            `${bad.length} of ${res.files.length} files could not be read; nothing was written ` +
              "(fix them, or pass --skip-bad to write the other files' rows)",
          );
        }
        const byLabel = [...res.label_counts]
          .sort((a, b) => a[0] - b[0])
          .map(([l, n]) => `${l} ${LABELS[l] ?? ''}: ${n}`.replace(' :', ':'))
          .join(', ');
        console.log(`${o.out}: ${res.rows} rows from ${res.files.length - bad.length} files (${byLabel || 'no rows'})`);
        if (res.stats)
          console.log(
            `clean rules: ${Object.entries(res.stats)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
        if (bad.length) process.exitCode = 1;
      },
    );
  data
    .command('split')
    .description('convert, then split into train/valid CSVs: by rows (the course) or by conversation (no twin leaks)')
    .argument('<inputs...>', 'AI Hub JSON files and/or folders')
    .addOption(
      new Option('--by <how>', 'rows: random rows, as the course; conversation: whole conversations')
        .choices(['rows', 'conversation'])
        .default('rows'),
    )
    .addOption(
      new Option('--mode <mode>', 'course or clean preprocessing').choices(['course', 'clean']).default('course'),
    )
    .option(
      '--valid-fraction <f>',
      'share of rows (or conversations) in valid',
      (v) => {
        const f = Number(v);
        if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`--valid-fraction must be between 0 and 1, got '${v}'`);
        return f;
      },
      0.2,
    )
    .option('--seed <n>', 'seed of the split', (v) => Number(v), 42)
    .requiredOption('--train-out <file.csv>', 'train CSV')
    .requiredOption('--valid-out <file.csv>', 'valid CSV')
    .action((inputs: string[], o: SplitOptions) => {
      const s = splitFiles(inputs, o);
      console.log(
        `${o.trainOut}: ${s.train.length} rows; ${o.validOut}: ${s.valid.length} rows; ` +
          `split by ${o.by}: ${s.leakedTwins} valid rows have their twin in train`,
      );
    });
  data
    .command('prepare')
    .description('rebuild everything in data/ from data/corpus-src: the AI Hub JSON and the course and clean splits')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'the data folder to write aihub/ and rows/ into', 'data')
    .action((o: { src: string; out: string }) => {
      for (const line of prepareData(o.src, o.out)) console.log(line);
    });
  data
    .command('build-corpus')
    .description('build the bundled corpus: data/corpus-src/<region>/*.txt → AI Hub JSON in data/aihub/<region>/')
    .option('--src <dir>', 'hand-written sources', 'data/corpus-src')
    .option('--out <dir>', 'where the JSON files go', 'data/aihub')
    .action((o: { src: string; out: string }) => {
      const files = buildCorpus(o.src, o.out);
      console.log(`${files.length} files written under ${o.out}`);
    });

  program
    .command('tokenize')
    .description(
      'tokenize JSON lines {"text", "text_pair"?} from stdin, one JSON line out per input, as Hugging Face does',
    )
    .requiredOption(
      '--tokenizer <dir|id>',
      'a tokenizer folder or hub id; its class is resolved as transformers does ' +
        '(tokenizer_config.json, config.json, model_type)',
    )
    .option('--max-length <n>', 'pad to and truncate at n tokens', positiveInt('--max-length'))
    .option(
      '--tokenizer-class <name>',
      'override the class transformers would resolve (tokenizer_config.json, config.json, model_type), ' +
        'e.g. KoBertTokenizer',
    )
    .action(async (o: { tokenizer: string; maxLength?: number; tokenizerClass?: string }) => {
      const tok = await AutoTokenizer.from_pretrained(
        o.tokenizer,
        o.tokenizerClass ? { tokenizer_class: o.tokenizerClass } : {},
      );
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      process.stdout.write(tokenizeJsonl(tok, Buffer.concat(chunks).toString('utf8'), o.maxLength));
    });
}
