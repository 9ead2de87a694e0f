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
import { Direction, TableModel, trainTable } from './table';
import { applyTable } from './apply';
import { tuneTable } from './evaluate';
import {
  HopResult,
  Hop,
  TranslationResult,
  Translator,
  VARIETIES,
  Variety,
  outcome,
  route,
  routeName,
} from './varieties';

export {
  VARIETIES,
  VARIETY_KO,
  VARIETY_NAMES,
  HUB_REGIONS,
  UnknownVarietyError,
  parseVariety,
  route,
  routeName,
  directionOff,
  outcome,
} from './varieties';
export type { Variety, Hop, HopResult, Reason, TranslationResult, Translator } from './varieties';

const hopKey = (h: Hop): [number, Direction] =>
  h.to === 'standard' ? [VARIETIES.indexOf(h.from), 'to_standard'] : [VARIETIES.indexOf(h.to), 'from_standard'];

/** A table never rewrites when both its thresholds are above every confidence (tuning chose "never change"). */
export const tableActive = (t: TableModel) => t.config.wordThreshold <= 1 || t.config.suffixThreshold <= 1;

export class CorpusTranslator implements Translator {
  readonly kind = 'corpus';
  /** It stands in for the original app's four KoBART models (and covers Jeolla, which they did not). */
  readonly standin = true;
  /** The translator.json it was read from or written to, when there is one. */
  file: string | null = null;
  constructor(
    readonly tables: TableModel[],
    readonly info: Record<string, unknown> = {},
  ) {}
  describe() {
    const n = typeof this.info.utterances === 'number' ? ` from ${this.info.utterances} utterances` : '';
    const where = this.file ? ` (${path.relative(repoPath(), this.file)})` : '';
    return {
      en:
        `offline corpus tables learned${n} of AI Hub-format files${where}, thresholds tuned on held-out ` +
        `conversations; plain TypeScript, no neural model (the original app ran four KoBART models)`,
      ko:
        `말뭉치 번역표 (AI Hub 형식 파일에서 배움${where}, 문턱값은 따로 둔 대화로 조정; 신경망 모델이 아님. ` +
        `원래 앱은 KoBART 모델 네 개를 썼습니다)`,
    };
  }
  /** Why a route cannot run: a region this translator has no table for (built from data without it). */
  unavailable(from?: Variety, to?: Variety): string | null {
    if (!from || !to) return null;
    for (const h of route(from, to)) {
      const [label, dir] = hopKey(h);
      if (!this.tables.some((x) => x.label === label && x.direction === dir))
        return `this translator has no table for ${VARIETIES[label]} ${dir} (its data had no ${VARIETIES[label]} rows)`;
    }
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
    const input = text.trim().replace(/\s+/g, ' ');
    let cur = input;
    const done: HopResult[] = [];
    for (const h of hops) {
      const [label, dir] = hopKey(h);
      const t = this.table(label, dir);
      const r = applyTable(t, cur);
      cur = r.output;
      done.push({ ...h, output: cur, steps: r.steps, active: tableActive(t) });
    }
    return { output: cur, route: routeName(hops, from), hops: done, ...outcome('corpus', input, cur, done) };
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
  t.file = file;
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
      `${file}: not a translator (expected format 'hai-corpus-translator' and a 'tables' array; ` +
        'write one with hai translate --build)',
    );
  j.tables.forEach((t: any, i: number) => {
    for (const k of ['wordThreshold', 'suffixThreshold', 'minCount', 'minSuffixTypes', 'maxSuffix', 'smoothing']) {
      if (typeof t?.config?.[k] !== 'number')
        throw new Error(`${file}: tables[${i}].config.${k} must be a number, got ${JSON.stringify(t?.config?.[k])}`);
    }
    if (!Array.isArray(t.targets))
      throw new Error(`${file}: tables[${i}].targets must be an array (rebuild with hai translate --build)`);
  });
  const t = new CorpusTranslator(j.tables, j.info ?? {});
  t.file = path.resolve(file);
  return t;
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
