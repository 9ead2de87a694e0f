/**
 * The course's own corpus: hand-written conversations (`data/corpus-src/<region>/<id>.txt`, format in
 * data/corpus-src/FORMAT.md) built into AI Hub-format JSON (`data/aihub/<region>/<id>.json`), so that users
 * without an AI Hub account, and CI, run every session on data in the real schema.
 *
 * What AI Hub derives from the transcript is derived here too: `standard_form` / `dialect_form` (pairs
 * resolved, `@웃음`-style events as `{laughing}`), the `eojeolList`, utterance ids and timings.
 *
 * Introduced in notebooks/01_data.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AihubFile, Mode, Utterance, convertDefaults, convertFiles } from './aihub';
import { PAIR_PATTERN } from './formrules';
import { toCsv } from './rows';
import { writeFileAtomic } from '../util/files';
import { Split, splitByConversation, splitByRows, splitDefaults } from './inspect';

/** Events as AI Hub writes them in the derived forms. */
export const EVENT_TAGS: Record<string, string> = {
  '@웃음': '{laughing}',
  '@목청': '{clearing}',
  '@기침': '{coughing}',
  '@한숨': '{sighing}',
};

const resolve = (s: string, part: 'dialect' | 'standard') =>
  s.replace(PAIR_PATTERN, (p) => {
    const cut = p.indexOf(')/(');
    return part === 'dialect' ? p.slice(1, cut) : p.slice(cut + 3, -1);
  });
const events = (s: string) => s.replace(/@[가-힣]+/g, (e) => EVENT_TAGS[e] ?? e);

/** Eojeols (space-separated words) of a transcript line; a marked pair stays inside its word. */
export function eojeols(form: string): { id: number; eojeol: string; standard: string; isDialect: boolean }[] {
  // Pairs may contain spaces, so each is swapped for a placeholder before splitting into words.
  const pairs: string[] = [];
  const guarded = form.replace(PAIR_PATTERN, (p) => `\u0001${pairs.push(p) - 1}\u0001`);
  const back = (tok: string, part: 'dialect' | 'standard') =>
    events(tok.replace(/\u0001(\d+)\u0001/g, (_, i: string) => resolve(pairs[Number(i)], part)));
  return guarded
    .split(/\s+/)
    .filter(Boolean)
    .map((tok, i) => {
      const eojeol = back(tok, 'dialect'),
        standard = back(tok, 'standard');
      return { id: i + 1, eojeol, standard, isDialect: eojeol !== standard };
    });
}

/** Parses one source file; errors name the file and line. */
export function parseSource(file: string, text: string = fs.readFileSync(file, 'utf8')): AihubFile {
  const head: Record<string, string> = {};
  const speakers: Record<string, string>[] = [];
  const lines: { speaker: string; form: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (!line.trim()) return;
    if (line.startsWith('# ')) {
      const m = /^# ([a-z_]+)(?: (\d+))?: (.*)$/.exec(line);
      if (!m) throw new Error(`${where}: header line must be '# key: value'`);
      if (m[1] === 'speaker') {
        const sp: Record<string, string> = { id: m[2] };
        for (const kv of m[3].trim().split(/\s+/)) {
          const [k, v] = kv.split('=');
          if (!k || v === undefined) throw new Error(`${where}: speaker fields must be key=value, got '${kv}'`);
          sp[k] = v;
        }
        speakers.push(sp);
      } else head[m[1]] = m[3].trim();
      return;
    }
    const m = /^(\d+): (.+)$/.exec(line);
    if (!m) throw new Error(`${where}: utterance line must be '<speaker id>: <form>'`);
    lines.push({ speaker: m[1], form: m[2].trim() });
  });
  for (const k of ['id', 'category', 'topic', 'relation'])
    if (!head[k]) throw new Error(`${file}: missing header '# ${k}:'`);
  if (!lines.length) throw new Error(`${file}: no utterances`);
  const ids = new Set(speakers.map((s) => s.id));
  let t = 0.5;
  const utterance: Utterance[] = lines.map((l, n) => {
    if (!ids.has(l.speaker))
      throw new Error(
        `${file}: utterance ${n + 1} is by speaker ${l.speaker}, who has no '# speaker ${l.speaker}:' line`,
      );
    // Timings are synthetic (no audio exists): about 0.2 s per syllable, plus a pause between turns.
    const start = t,
      end = Math.round((t + 0.6 + 0.2 * l.form.replace(/[^가-힣]/g, '').length) * 100) / 100;
    t = Math.round((end + 0.4) * 100) / 100;
    return {
      id: `${head.id}.1.1.${n + 1}`,
      start,
      end,
      speaker_id: l.speaker,
      form: l.form,
      standard_form: events(resolve(l.form, 'standard')),
      dialect_form: events(resolve(l.form, 'dialect')),
      note: '',
      eojeolList: eojeols(l.form),
    };
  });
  return {
    id: head.id,
    metadata: {
      title: head.id,
      creator: 'HAI Dialect Lab',
      distributor: 'HAI Dialect Lab',
      year: '2022',
      category: head.category,
      annotation_level: ['원시'],
      sampling: '본문 전체',
      author: '개인 발화자',
      publisher: 'HAI Dialect Lab (창작 말뭉치)',
      date: head.date ?? '20221110',
      topic: head.topic,
    },
    speaker: speakers,
    setting: { relation: head.relation },
    utterance,
  };
}

/** Builds every `<src>/<region>/<id>.txt` into `<out>/<region>/<id>.json`; returns the files written. */
export function buildCorpus(src: string, out: string): string[] {
  const written: string[] = [];
  for (const region of fs.readdirSync(src).sort()) {
    const dir = path.join(src, region);
    if (!fs.statSync(dir).isDirectory()) continue;
    fs.mkdirSync(path.join(out, region), { recursive: true });
    for (const f of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      const parsed = parseSource(path.join(dir, f));
      if (`${parsed.id}.txt` !== f)
        throw new Error(`${path.join(dir, f)}: file name must be its id (${parsed.id}.txt)`);
      const target = path.join(out, region, `${parsed.id}.json`);
      writeFileAtomic(target, JSON.stringify(parsed, null, 1) + '\n');
      written.push(target);
    }
  }
  return written;
}

/** What `hai data split` takes: how to split, the conversion mode, and the two files to write. */
export interface SplitOptions {
  by: 'rows' | 'conversation';
  mode: Mode;
  validFraction: number;
  seed: number;
  trainOut: string;
  validOut: string;
}

/** Converts AI Hub files and writes a train/valid split; fails without writing if any file is malformed. */
export function splitFiles(inputs: string[], o: SplitOptions): Split {
  const res = convertFiles(inputs, convertDefaults({ mode: o.mode }));
  const bad = res.files.filter((f) => f.error);
  if (bad.length) throw new Error(bad.map((f) => f.error).join('\n'));
  const cfg = splitDefaults({ validFraction: o.validFraction, seed: o.seed });
  const s = o.by === 'rows' ? splitByRows(res.rows, cfg) : splitByConversation(res.rows, cfg);
  writeFileAtomic(o.trainOut, toCsv(s.train));
  writeFileAtomic(o.validOut, toCsv(s.valid));
  return s;
}

/**
 * `hai data prepare`: everything in data/ that is derived, rebuilt from the hand-written sources. The
 * course split (course rules, random rows, label-sorted as the original table was) feeds sessions 3–4; the
 * clean split (clean rules, whole conversations) feeds session 5.
 */
export function prepareData(srcDir: string, dataDir: string): string[] {
  const aihub = path.join(dataDir, 'aihub');
  const written = buildCorpus(srcDir, aihub);
  const out = [`${written.length} AI Hub JSON files under ${aihub}`];
  fs.mkdirSync(path.join(dataDir, 'rows'), { recursive: true });
  for (const [mode, by] of [
    ['course', 'rows'],
    ['clean', 'conversation'],
  ] as const) {
    const trainOut = path.join(dataDir, 'rows', `${mode}_train.csv`),
      validOut = path.join(dataDir, 'rows', `${mode}_valid.csv`);
    const s = splitFiles([aihub], { by, mode, validFraction: 0.2, seed: 42, trainOut, validOut });
    out.push(
      `${trainOut}: ${s.train.length} rows, ${validOut}: ${s.valid.length} rows ` +
        `(${mode} rules, split by ${by}, ${s.leakedTwins} leaked twins)`,
    );
  }
  return out;
}
