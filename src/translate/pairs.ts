/**
 * Parallel text from AI Hub files: every utterance as dialect/standard units aligned word by word, the
 * material the corpus translator learns from and is evaluated on.
 *
 * Each `(dialect)/(standard)` pair of `form` stays inside the whitespace word it is written in
 * (`(쑥맥)/(숙맥)이었거든` is one unit: 쑥맥이었거든 → 숙맥이었거든); a pair with the same number of words on
 * both sides is split into one unit per word, otherwise it is one phrase unit. Unmarked utterances are kept:
 * they are the "nothing to change" cases a precision-first translator must leave alone. When `form` has no
 * pair but `eojeolList` marks a word `isDialect`, that entry is used. Transcription noise (`@웃음`, `&이름1&`,
 * `((…))`, `(())`, `-있-`, `*`, `#`) is removed, as the clean rules do; colloquial pairs are kept.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import { listJsonFiles, readAihubFile, regionLabel } from '../data/aihub';
import { PAIR_PATTERN } from '../data/formrules';
import { rng } from '../util/random';

/** One aligned unit: `dialect` and `standard` are equal where the transcriber marked nothing. */
export interface Unit {
  dialect: string;
  standard: string;
}
export interface ParallelUtterance {
  id: string;
  conversation: string;
  label: number;
  units: Unit[];
  dialect: string;
  standard: string;
}

const PLACEHOLDER = 0xe000; // private-use code points stand in for pairs while splitting on whitespace

/** The noise AI Hub transcripts carry, removed from both sides before pairing. */
export function stripNoise(form: string): string {
  let f = form.replace(/[*#]/g, '').replace(/\(\(\)\)/g, ' ');
  f = f.replace(/\(\(([^()]*)\)\)/g, (_, inner: string) => (/^[가-힣 .!?]+$/.test(inner) ? inner : ' '));
  f = f.replace(/@[가-힣]+|\{[a-z]+\}/g, ' ').replace(/&[^&\s]+&/g, ' ');
  return f.replace(/(^|\s)-[가-힣]+-(?=\s|$)/g, ' ');
}

/** Aligned units of one `form` (see the module comment); `marked` lists eojeolList's isDialect words. */
export function formUnits(form: string, marked: { eojeol: string; standard: string }[] = []): Unit[] {
  const pairs: Unit[] = [];
  const guarded = stripNoise(form).replace(PAIR_PATTERN, (p) => {
    const cut = p.indexOf(')/(');
    pairs.push({ dialect: p.slice(1, cut).trim(), standard: p.slice(cut + 3, -1).trim() });
    return String.fromCharCode(PLACEHOLDER + pairs.length - 1);
  });
  const fromEojeol = new Map(
    pairs.length
      ? []
      : marked.filter((m) => m.eojeol !== m.standard && !/\s/.test(m.eojeol)).map((m) => [m.eojeol, m.standard]),
  );
  const units: Unit[] = [];
  for (const tok of guarded.split(/\s+/).filter(Boolean)) {
    const side = (k: 'dialect' | 'standard') =>
      tok
        .replace(/[\ue000-\uf8ff]/g, (c) => pairs[c.charCodeAt(0) - PLACEHOLDER][k])
        .replace(/\s+/g, ' ')
        .trim();
    let d = side('dialect'),
      s = side('standard');
    if (d === s && fromEojeol.has(d)) s = fromEojeol.get(d)!;
    if (!d && !s) continue;
    const dw = d.split(' '),
      sw = s.split(' ');
    if (dw.length > 1 && dw.length === sw.length) dw.forEach((w, i) => units.push({ dialect: w, standard: sw[i] }));
    else units.push({ dialect: d, standard: s });
  }
  return units.filter((u) => u.dialect || u.standard);
}

const join = (units: Unit[], k: 'dialect' | 'standard') =>
  units
    .map((u) => u[k])
    .filter(Boolean)
    .join(' ');

/** Every utterance of the AI Hub files under `inputs` (files in path order), labelled by region. */
export function readParallel(inputs: string[]): ParallelUtterance[] {
  const out: ParallelUtterance[] = [];
  for (const file of listJsonFiles(inputs)) {
    const f = readAihubFile(file);
    const { label, region } = regionLabel(f);
    if (label === null) throw new Error(`${file}: region '${region}' has no label`);
    f.utterance.forEach((u, i) => {
      const marked = Array.isArray(u.eojeolList)
        ? (u.eojeolList as { eojeol?: unknown; standard?: unknown; isDialect?: unknown }[])
            .filter((e) => e && e.isDialect === true && typeof e.eojeol === 'string' && typeof e.standard === 'string')
            .map((e) => ({ eojeol: e.eojeol as string, standard: e.standard as string }))
        : [];
      const units = formUnits(u.form, marked);
      if (!units.length) return;
      out.push({
        id: typeof u.id === 'string' ? u.id : `${f.id}#${i}`,
        conversation: f.id,
        label,
        units,
        dialect: join(units, 'dialect'),
        standard: join(units, 'standard'),
      });
    });
  }
  return out;
}

export interface ParallelSplit {
  train: ParallelUtterance[];
  dev: ParallelUtterance[];
  test: ParallelUtterance[];
}
export interface ParallelSplitConfig {
  devFraction: number;
  testFraction: number;
  seed: number;
}
export const parallelSplitDefaults = (o: Partial<ParallelSplitConfig> = {}): ParallelSplitConfig => ({
  devFraction: 0.2,
  testFraction: 0.2,
  seed: 42,
  ...o,
});

/**
 * Train/dev/test by conversation, per region (each region's conversations shuffled with the seed), so no
 * speaker, topic or repeated phrase of a test conversation is seen in training. Deterministic.
 */
export function splitParallel(utts: ParallelUtterance[], o: Partial<ParallelSplitConfig> = {}): ParallelSplit {
  const cfg = parallelSplitDefaults(o);
  const byLabel = new Map<number, string[]>();
  for (const u of utts) {
    const c = byLabel.get(u.label) ?? [];
    if (!c.includes(u.conversation)) c.push(u.conversation);
    byLabel.set(u.label, c);
  }
  const where = new Map<string, keyof ParallelSplit>();
  for (const [label, convs] of [...byLabel].sort((a, b) => a[0] - b[0])) {
    const keys = [...convs].sort();
    const rand = rng(cfg.seed + label);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const nTest = keys.length >= 3 ? Math.max(1, Math.round(keys.length * cfg.testFraction)) : 0;
    const nDev = keys.length >= 3 ? Math.max(1, Math.round(keys.length * cfg.devFraction)) : 0;
    keys.forEach((k, i) => where.set(k, i < nTest ? 'test' : i < nTest + nDev ? 'dev' : 'train'));
  }
  const s: ParallelSplit = { train: [], dev: [], test: [] };
  for (const u of utts) s[where.get(u.conversation)!].push(u);
  return s;
}
