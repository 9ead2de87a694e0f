/**
 * Offline stand-ins: for CI, graders without internet, and machines like ours that cannot reach the hub.
 * When asked for explicitly (`HAI_STANDIN=1` or the `standin` option) a hub id that is neither cached nor
 * downloadable is replaced by a small model of the same `model_type` (2 layers, hidden 64), randomly
 * initialised from a seed derived from the id, with a tokenizer trained on the bundled course corpus
 * (data/rows/course_train.csv): WordPiece for KoELECTRA and other BERTs; for KoBERT and DistilKoBERT, KoBERT's kind
 * (a SentencePiece model and a vocab.txt of `▁` pieces, src/text/spmtrain.ts) with the hub's tokenizer_config.json,
 * which names no tokenizer_class — so AutoTokenizer resolves it by model type to WordPiece over `▁` pieces, and the
 * stand-in shows offline the [UNK]s the course's DistilKoBERT run saw (notebooks/03_baseline.ipynb). It is
 * written once, in the hub's folder layout, under its own cache
 * ($HAI_STANDIN_CACHE, else ~/.cache/hai/standins) — never into Hugging Face's cache, where Python would
 * mistake it for the real model. Its config.json carries `hai_standin`, and every load of such a folder
 * prints a banner saying it is not the pre-trained model. Like a pre-training checkpoint, it holds the
 * encoder only: the classification head is newly initialised at load, as with the real model.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRowsCsv } from '../data/rows';
import { writeFileAtomic } from '../util/files';
import { writeSafetensors } from './safetensors';
import { envTrue } from '../util/env';
import { ModelType, familyOf, initParams, modelConfig, torchStateDict } from './modeling';
import { CONJOINING_JAMO, saveWordPieceTokenizer, trainWordPiece } from '../text/wordpiece';
import { trainKoBertTokenizer } from '../text/spmtrain';
import { repoPath } from '../util/paths';

export const STANDIN_ENV = 'HAI_STANDIN';
/** Bump when the stand-in recipe changes, so old folders are rebuilt. */
export const STANDIN_VERSION = 2;

/** The course's models and what they are; other ids are guessed from their names. */
export const KNOWN_MODELS: Record<string, ModelType> = {
  'monologg/distilkobert': 'distilbert',
  'monologg/kobert': 'bert',
  'klue/bert-base': 'bert',
  'monologg/koelectra-small-v3-discriminator': 'electra',
  'monologg/koelectra-base-v3-discriminator': 'electra',
  'monologg/koelectra-small-v2-discriminator': 'electra',
  'monologg/koelectra-small-discriminator': 'electra',
};

/** Models whose hub folder holds KoBERT's tokenizer files: their stand-ins get a KoBERT-style tokenizer. */
export const KOBERT_STYLE = new Set(['monologg/distilkobert', 'monologg/kobert']);

export interface StandinConfig {
  vocab_size: number;
  /**
   * Pieces of a KoBERT-style stand-in tokenizer. 1,500 cuts the course corpus about as finely as KoBERT's own
   * 8,002 pieces (trained on far more text) do: 15.2 tokens per row against KoBERT's 16.1.
   */
  kobert_vocab_size: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  /** ELECTRA only: kept smaller than `hidden`, so `embeddings_project` exists as in KoELECTRA. */
  embedding_size: number;
  /**
   * WordPiece stand-ins only: tokenize over jamo. The tokenizer strips accents (`strip_accents: true`, NFD as
   * BertTokenizer does it), which turns every Hangul syllable into conjoining jamo, and all 67 jamo are in its
   * alphabet, so no Korean word is [UNK]; merges rebuild syllables and endings. With syllables, a word holding one
   * syllable the corpus lacks is [UNK] whole.
   */
  jamo: boolean;
  corpus: string;
}
export const standinDefaults = (o: Partial<StandinConfig> = {}): StandinConfig => ({
  vocab_size: 4000,
  kobert_vocab_size: 1500,
  hidden: 64,
  layers: 2,
  heads: 4,
  intermediate: 128,
  embedding_size: 32,
  jamo: false,
  corpus: repoPath('data', 'rows', 'course_train.csv'),
  ...o,
});

export const standinRequested = (option?: boolean) => option ?? envTrue(process.env[STANDIN_ENV]);
export const standinCacheDir = () =>
  process.env.HAI_STANDIN_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'hai', 'standins');

/** The model type a stand-in for `repoId` gets: the known table, else the name (longest type first). */
export function standinModelType(repoId: string, explicit?: string): ModelType {
  if (explicit) return familyOf(explicit, `model_type option`).model_type;
  if (KNOWN_MODELS[repoId]) return KNOWN_MODELS[repoId];
  const name = repoId.toLowerCase();
  for (const t of ['distilbert', 'electra', 'bert'] as ModelType[]) if (name.includes(t)) return t;
  throw new Error(
    `cannot tell the model_type of '${repoId}' for a stand-in: pass { model_type: 'bert' | 'distilbert' | 'electra' }`,
  );
}

export function standinBanner(repoId: string, dir: string, c: { model_type: string; [k: string]: unknown }): string {
  const line = '='.repeat(96);
  return [
    line,
    `  STAND-IN MODEL: this is NOT the pre-trained '${repoId}'.`,
    `  A small randomly initialised ${c.model_type} with a tokenizer trained on the course corpus, used because`,
    `  ${STANDIN_ENV}=1 (or the standin option) was set and the real model is not cached and could not be downloaded.`,
    '  Its predictions and accuracy say nothing about the real model. ' +
      'Remove the switch and get the real model for real results.',
    `  folder: ${dir}`,
    line,
  ].join('\n');
}

/**
 * The stand-in folder of `repoId` (a hub-layout snapshot under `standinCacheDir()`), built on first use.
 * Built in a temporary folder and renamed into place, so a concurrent build never leaves half a model.
 */
export function buildStandin(repoId: string, o: { model_type?: string; config?: Partial<StandinConfig> } = {}): string {
  const type = standinModelType(repoId, o.model_type);
  const s = standinDefaults(o.config);
  const digest = crypto
    .createHash('sha1')
    .update(`hai-standin-v${STANDIN_VERSION}:${type}:${repoId}:${JSON.stringify(s)}`)
    .digest('hex');
  const repo = path.join(standinCacheDir(), `models--${repoId.split('/').join('--')}`);
  const snap = path.join(repo, 'snapshots', digest);
  if (fs.existsSync(path.join(snap, 'config.json'))) return snap;
  fs.mkdirSync(path.join(repo, 'snapshots'), { recursive: true });
  const tmp = path.join(repo, 'snapshots', `.${digest}.${process.pid}.tmp`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const texts = readRowsCsv(s.corpus).map((r) => r.contents);
    const kobert = KOBERT_STYLE.has(repoId);
    let vocab: string[];
    if (kobert) vocab = trainKoBertTokenizer(tmp, texts, { vocab_size: s.kobert_vocab_size });
    else {
      const wp = { vocab_size: s.vocab_size, ...(s.jamo ? { strip_accents: true, alphabet: CONJOINING_JAMO } : {}) };
      saveWordPieceTokenizer(tmp, (vocab = trainWordPiece(texts, wp)), {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: false,
        strip_accents: s.jamo ? true : null,
      });
    }
    const sizes: Record<ModelType, Record<string, unknown>> = {
      bert: {
        hidden_size: s.hidden,
        num_hidden_layers: s.layers,
        num_attention_heads: s.heads,
        intermediate_size: s.intermediate,
      },
      electra: {
        embedding_size: s.embedding_size,
        hidden_size: s.hidden,
        num_hidden_layers: s.layers,
        num_attention_heads: s.heads,
        intermediate_size: s.intermediate,
      },
      distilbert: { dim: s.hidden, n_layers: s.layers, n_heads: s.heads, hidden_dim: s.intermediate },
    };
    const config = modelConfig(type, {
      ...sizes[type],
      vocab_size: vocab.length,
      pad_token_id: vocab.indexOf('[PAD]'),
      architectures: [{ bert: 'BertModel', electra: 'ElectraForPreTraining', distilbert: 'DistilBertModel' }[type]],
      hai_standin: {
        of: repoId,
        version: STANDIN_VERSION,
        note: 'randomly initialised offline stand-in, NOT the pre-trained model',
      },
    });
    delete (config as Record<string, unknown>).num_labels; // a pre-training checkpoint has no label count
    const seed = crypto.createHash('sha1').update(repoId).digest().readUInt32LE(0) % 1_000_000;
    const full = { ...config, num_labels: 2 };
    const params = initParams(full, seed);
    try {
      const prefix = familyOf(type).prefix + '.';
      const sd = torchStateDict(params, full);
      for (const k of [...sd.keys()]) if (!k.startsWith(prefix)) sd.delete(k);
      writeSafetensors(path.join(tmp, 'model.safetensors'), sd);
    } finally {
      for (const v of params.values()) v.dispose();
    }
    writeFileAtomic(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileAtomic(
      path.join(tmp, 'README.md'),
      `# Stand-in for ${repoId}\n\nNOT the pre-trained model: ${type}, random init (seed ${seed}), ` +
        `${kobert ? 'KoBERT-style SentencePiece' : 'WordPiece'} vocabulary (${vocab.length}) ` +
        `trained on ${path.basename(s.corpus)}. Built by hai-dialect-lab for offline use.\n`,
    );
    try {
      fs.renameSync(tmp, snap);
    } catch (e) {
      if (!fs.existsSync(path.join(snap, 'config.json'))) throw e; // another process built it first: use theirs
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  writeFileAtomic(path.join(repo, 'refs', 'main'), digest);
  return snap;
}
