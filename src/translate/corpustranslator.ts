/**
 * The corpus translator for all three dialects: one table per region and direction, the original app's
 * routing (same variety echoes; standard ↔ dialect uses one table; dialect → dialect goes through
 * standard), built from AI Hub files with thresholds tuned on held-out conversations, saved as JSON.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../util/files';
import { repoPath } from '../util/paths';
import { listJsonFiles } from '../data/aihub';
import { ParallelUtterance, readParallel, splitParallel } from './pairs';
import { Direction, Step, TableModel, applyTable, trainTable } from './table';
import { tuneTable } from './evaluate';

/** The four varieties, by label: 0 standard, 1 Gyeongsang, 2 Jeju, 3 Jeolla. */
export const VARIETIES = ['standard', 'gyeongsang', 'jeju', 'jeolla'] as const;
export type Variety = (typeof VARIETIES)[number];
const KOREAN: Record<string, Variety> = {
  표준어: 'standard',
  표준: 'standard',
  경상도: 'gyeongsang',
  경상: 'gyeongsang',
  '경상도 방언': 'gyeongsang',
  제주도: 'jeju',
  제주: 'jeju',
  '제주도 방언': 'jeju',
  전라도: 'jeolla',
  전라: 'jeolla',
  '전라도 방언': 'jeolla',
};

/** A variety from its English or Korean name (표준어, 경상도, 제주도, 전라도, with or without 방언), or its label. */
export function parseVariety(name: string): Variety {
  const n = String(name).trim();
  if ((VARIETIES as readonly string[]).includes(n.toLowerCase())) return n.toLowerCase() as Variety;
  if (n in KOREAN) return KOREAN[n];
  if (/^[0-3]$/.test(n)) return VARIETIES[Number(n)];
  throw new Error(`unknown variety '${name}': use one of ${VARIETIES.join(', ')} or 표준어, 경상도, 제주도, 전라도`);
}

/** One hop of a route, e.g. `jeju→standard`. */
export interface Hop {
  from: Variety;
  to: Variety;
}
/** The original app's routing: [] (echo), one hop, or two hops through standard. */
export function route(from: Variety, to: Variety): Hop[] {
  if (from === to) return [];
  if (from === 'standard' || to === 'standard') return [{ from, to }];
  return [
    { from, to: 'standard' },
    { from: 'standard', to },
  ];
}
export const routeName = (hops: Hop[], from: Variety) =>
  hops.length ? [from, ...hops.map((h) => h.to)].join('→') : `${from} (echo)`;

export interface TranslationResult {
  output: string;
  route: string;
  hops: { from: Variety; to: Variety; output: string; steps?: Step[] }[];
}

/** What both the corpus tables and the hub models offer (see hub.ts). */
export interface Translator {
  readonly kind: string;
  /** Why this translator cannot run here, or null when it can. */
  unavailable(): string | null;
  translate(text: string, from: Variety, to: Variety): Promise<TranslationResult>;
}

const hopKey = (h: Hop): [number, Direction] =>
  h.to === 'standard' ? [VARIETIES.indexOf(h.from), 'to_standard'] : [VARIETIES.indexOf(h.to), 'from_standard'];

export class CorpusTranslator implements Translator {
  readonly kind = 'corpus';
  constructor(
    readonly tables: TableModel[],
    readonly info: Record<string, unknown> = {},
  ) {}
  unavailable(): string | null {
    return null;
  }
  table(label: number, direction: Direction): TableModel {
    const t = this.tables.find((x) => x.label === label && x.direction === direction);
    if (!t) throw new Error(`this translator has no table for ${VARIETIES[label]} ${direction}`);
    return t;
  }
  /** Synchronous translation (tables are in memory). */
  translateSync(text: string, from: Variety, to: Variety): TranslationResult {
    const hops = route(from, to);
    let cur = text.trim().replace(/\s+/g, ' ');
    const done: TranslationResult['hops'] = [];
    for (const h of hops) {
      const [label, dir] = hopKey(h);
      const r = applyTable(this.table(label, dir), cur);
      cur = r.output;
      done.push({ ...h, output: cur, steps: r.steps });
    }
    return { output: cur, route: routeName(hops, from), hops: done };
  }
  async translate(text: string, from: Variety, to: Variety) {
    return this.translateSync(text, from, to);
  }
}

export interface BuildConfig {
  seed: number;
  devFraction: number;
}
export const buildDefaults = (o: Partial<BuildConfig> = {}): BuildConfig => ({ seed: 42, devFraction: 0.2, ...o });

/**
 * Learns every table from `utts`: thresholds are tuned on a held-out share of conversations (by chrF,
 * `tuneTable`), then the table is re-learned on all of `utts` with those thresholds.
 */
export function buildTranslator(utts: ParallelUtterance[], cfg: Partial<BuildConfig> = {}): CorpusTranslator {
  const c = buildDefaults(cfg);
  const s = splitParallel(utts, { seed: c.seed, devFraction: c.devFraction, testFraction: 0 });
  const tables: TableModel[] = [];
  const tuned: Record<string, unknown> = {};
  for (const label of [1, 2, 3])
    for (const dir of ['to_standard', 'from_standard'] as Direction[]) {
      if (!utts.some((u) => u.label === label)) continue;
      const t = tuneTable(s.train, s.dev, label, dir);
      tuned[`${VARIETIES[label]}.${dir}`] = {
        wordThreshold: t.config.wordThreshold,
        suffixThreshold: t.config.suffixThreshold,
        dev_chrf: t.chrf,
        dev_copy_chrf: t.copyChrf,
      };
      tables.push(trainTable(utts, label, dir, t.config));
    }
  return new CorpusTranslator(tables, { utterances: utts.length, tuned });
}

/** Builds from AI Hub files or folders (default: the bundled data/aihub). */
export const buildTranslatorFromFiles = (inputs: string[], cfg: Partial<BuildConfig> = {}) =>
  buildTranslator(readParallel(inputs), cfg);

/** Writes `translator.json` (all tables, the tuned thresholds) into `dir`, atomically. */
export function saveTranslator(t: CorpusTranslator, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'translator.json');
  writeFileAtomic(
    file,
    JSON.stringify({ format: 'hai-corpus-translator', version: 1, info: t.info, tables: t.tables }),
  );
  return file;
}

/** Reads a folder written by `saveTranslator`; errors name the file and what is wrong. */
export function loadTranslator(dir: string): CorpusTranslator {
  const file = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? path.join(dir, 'translator.json') : dir;
  let j: any;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read a translator: ${(e as Error).message}`);
  }
  if (j?.format !== 'hai-corpus-translator' || !Array.isArray(j.tables))
    throw new Error(
      `${file}: not a translator (expected format 'hai-corpus-translator' and a 'tables' array; write one with hai translate --build)`,
    );
  j.tables.forEach((t: any, i: number) => {
    for (const k of ['wordThreshold', 'suffixThreshold', 'minCount', 'minSuffixTypes', 'maxSuffix', 'smoothing']) {
      if (typeof t?.config?.[k] !== 'number')
        throw new Error(`${file}: tables[${i}].config.${k} must be a number, got ${JSON.stringify(t?.config?.[k])}`);
    }
    if (!Array.isArray(t.targets))
      throw new Error(`${file}: tables[${i}].targets must be an array (rebuild with hai translate --build)`);
  });
  return new CorpusTranslator(j.tables, j.info ?? {});
}

/** Bumped when tables or tuning change, so a cached translator from older code is rebuilt. */
export const TRANSLATOR_VERSION = 4;

/**
 * The default translator: learned from the bundled data/aihub (or `inputs`), cached in
 * `runs/translator/` under a hash of the files' bytes and TRANSLATOR_VERSION (building tunes 6 tables:
 * tens of seconds on a busy machine; loading the cache: milliseconds).
 */
export function defaultTranslator(
  o: { inputs?: string[]; cacheDir?: string; log?: (s: string) => void } = {},
): CorpusTranslator {
  const inputs = o.inputs ?? [repoPath('data', 'aihub')];
  const h = createHash('sha256').update(`v${TRANSLATOR_VERSION}`);
  for (const f of listJsonFiles(inputs)) h.update(f.replace(repoPath(), '')).update(fs.readFileSync(f));
  const key = h.digest('hex').slice(0, 16);
  const dir = path.join(o.cacheDir ?? repoPath('runs', 'translator'), key);
  if (fs.existsSync(path.join(dir, 'translator.json'))) return loadTranslator(dir);
  o.log?.(`building the corpus translator from ${inputs.join(', ')} (cached afterwards in ${dir}) …`);
  const t = buildTranslatorFromFiles(inputs);
  saveTranslator(t, dir);
  return t;
}
