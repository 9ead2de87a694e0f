/**
 * Session 1: AI Hub dialect JSON → a labelled `contents,label` table, exactly as the course built it.
 *
 * For each utterance the course removed `*`, `#` and `(())` from `form`, found every `(dialect)/(standard)`
 * pair with the course's pattern (`PAIR_PATTERN`), built the standard and the dialect string by replacing each
 * matched pair (in match order, every occurrence, like Python's `str.replace`), kept the utterance when at least
 * one pair's parts differ, and emitted the standard string with label 0 and the dialect string with the region's
 * label. Per file all standard rows come first, then all dialect rows; files are taken in lexicographic path
 * order. Those rules, and the `clean` mode's, are in src/data/formrules.ts; this file reads the files and builds
 * the table.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Row } from './rows';
import { CleanStats, cleanForm, convertForm, emptyCleanStats } from './formrules';

export type Mode = 'course' | 'clean';
export interface Utterance {
  id?: string;
  form: string;
  [k: string]: unknown;
}
export interface AihubFile {
  id: string;
  metadata: { category?: string; [k: string]: unknown };
  utterance: Utterance[];
  [k: string]: unknown;
}

export interface ConvertConfig {
  /** `course`: the original notebook's rules; `clean`: those plus the clean rules (see cleanForm). */
  mode: Mode;
  /** Extra regions → labels, e.g. `{ 강원: 4 }`; keys match the category's region name with or without 방언. */
  labelMap: Record<string, number>;
}
export const convertDefaults = (o: Partial<ConvertConfig> = {}): ConvertConfig => ({
  mode: 'course',
  labelMap: {},
  ...o,
});

const REGION_LABELS: Record<string, number> = { 경상: 1, 제주: 2, 전라: 3, 전남: 3, 전북: 3 };
const ID_LABELS: Record<string, number> = { DK: 1, DZ: 2, DJ: 3 };

/**
 * Label of a file's region from `metadata.category` (e.g. "전남방언 > 사적 대화 > 일상 대화"), else its id
 * prefix.
 */
export function regionLabel(
  file: AihubFile,
  labelMap: Record<string, number> = {},
): { label: number | null; region: string } {
  const region = (file.metadata?.category ?? '').split('>')[0].trim();
  const bare = region.replace(/방언$/, '');
  for (const key of [region, bare]) if (key in labelMap) return { label: labelMap[key], region };
  if (bare in REGION_LABELS) return { label: REGION_LABELS[bare], region };
  const prefix = String(file.id).slice(0, 2);
  if (prefix in ID_LABELS) return { label: ID_LABELS[prefix], region: region || `id prefix ${prefix}` };
  return { label: null, region: region || `id ${file.id}` };
}

/** Parses and checks one file; every problem names the file and, where there is one, the utterance. */
export function readAihubFile(file: string): AihubFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // AI Hub files may start with a UTF-8 BOM
  if (!text.trim()) throw new Error(`${file}: empty file`);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j))
    throw new Error(`${file}: expected a JSON object at the top level`);
  const f = j as Partial<AihubFile>;
  if (typeof f.id !== 'string') throw new Error(`${file}: missing field "id" (string)`);
  if (typeof f.metadata !== 'object' || f.metadata === null)
    throw new Error(`${file}: missing field "metadata" (object)`);
  if (!Array.isArray(f.utterance)) throw new Error(`${file}: missing field "utterance" (array)`);
  f.utterance.forEach((u, i) => {
    if (typeof u !== 'object' || u === null || typeof (u as Utterance).form !== 'string') {
      const id = u && typeof (u as Utterance).id === 'string' ? ` (${(u as Utterance).id})` : '';
      throw new Error(`${file}: utterance[${i}]${id}: missing field "form" (string)`);
    }
  });
  return f as AihubFile;
}

/** Rows of one parsed file: its standard rows, then its dialect rows; each row remembers its utterance. */
export function convertFile(file: AihubFile, label: number, mode: Mode = 'course', stats?: CleanStats): Row[] {
  const pairs: { standard: string; dialect: string; source: string }[] = [];
  file.utterance.forEach((u, i) => {
    const p = mode === 'course' ? convertForm(u.form) : cleanForm(u.form, stats);
    if (p) pairs.push({ ...p, source: typeof u.id === 'string' ? u.id : `${file.id}#${i}` });
  });
  return [
    ...pairs.map((p) => ({ contents: p.standard, label: 0, source: p.source })),
    ...pairs.map((p) => ({ contents: p.dialect, label, source: p.source })),
  ];
}

/** Every `.json` file under the given files and folders, in lexicographic path order (as Python's sorted()). */
export function listJsonFiles(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new Error(`${p}: no such file or folder`);
    }
    if (st.isDirectory())
      for (const e of fs.readdirSync(p)) {
        const c = path.join(p, e);
        if (fs.statSync(c).isDirectory() || c.endsWith('.json')) walk(c);
      }
    else out.push(p);
  };
  inputs.forEach(walk);
  return [...new Set(out)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface FileReport {
  file: string;
  region: string;
  label: number | null;
  utterances: number;
  rows: number;
  error?: string;
  skipped?: string;
}
export interface ConvertResult {
  rows: Row[];
  files: FileReport[];
  stats?: CleanStats;
}

/**
 * One file's rows and its line of the report: a file that does not parse, or whose region has no label, gives no
 * rows and says why (`convertFiles` and the streaming `convertFilesToCsv` both go through here).
 */
export function convertOneFile(
  file: string,
  cfg: Pick<ConvertConfig, 'mode' | 'labelMap'>,
  stats?: CleanStats,
): { report: FileReport; rows: Row[] } {
  let parsed: AihubFile;
  try {
    parsed = readAihubFile(file);
  } catch (e) {
    return { report: { file, region: '', label: null, utterances: 0, rows: 0, error: (e as Error).message }, rows: [] };
  }
  const { label, region } = regionLabel(parsed, cfg.labelMap);
  const utterances = parsed.utterance.length;
  if (label === null) {
    const skipped = `region '${region}' has no label (give one with --label-map)`;
    return { report: { file, region, label, utterances, rows: 0, skipped }, rows: [] };
  }
  const rows = convertFile(parsed, label, cfg.mode, stats);
  return { report: { file, region, label, utterances, rows: rows.length }, rows };
}

/** Converts every file; a bad or unmapped file is reported in `files`, never silently dropped. */
export function convertFiles(inputs: string[], cfg: ConvertConfig = convertDefaults()): ConvertResult {
  const rows: Row[] = [];
  const files: FileReport[] = [];
  const stats = cfg.mode === 'clean' ? emptyCleanStats() : undefined;
  for (const file of listJsonFiles(inputs)) {
    const one = convertOneFile(file, cfg, stats);
    files.push(one.report);
    rows.push(...one.rows);
  }
  if (!stats) return { rows, files };
  // Exact duplicates (same text, same label) carry no new information and inflate the validation score.
  const seen = new Set<string>();
  const unique = rows.filter((r) => {
    const k = `${r.label}\u0000${r.contents}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  stats.duplicates_dropped = rows.length - unique.length;
  return { rows: unique, files, stats };
}
