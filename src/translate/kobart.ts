/**
 * The original app's translators: four KoBART models from the hub (standard ↔ Gyeongsang, standard ↔ Jeju),
 * run with @xenova/transformers 2.17.2's `text2text-generation` pipeline and the original's generation
 * settings (beam search 4, `no_repeat_ngram_size` 2), routed as the app routed them. Jeolla has no model.
 *
 * The hub repositories hold PyTorch weights; transformers.js needs ONNX. Convert once with Python's
 * optimum (`optimum-cli export onnx --model eunjin/kobart_jeju_translator --task text2text-generation
 * <dir>/eunjin/kobart_jeju_translator`, then move the .onnx files into an `onnx/` subfolder) and pass the
 * root as `localDir` (`--hub-dir`), or allow remote loading of repos that already carry ONNX files.
 * Offline and without converted folders the translator reports itself unavailable; it never falls back.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hubOffline } from '../models/hubcache';
import { Hop, TranslationResult, Translator, Variety, outcome, route, routeName } from './varieties';

/** The four model ids of the original app, by hop. */
export const HUB_MODELS: Record<string, string> = {
  'standard→gyeongsang': 'eunjin/kobart_gyeongsang_translator',
  'gyeongsang→standard': 'eunjin/kobart_gyeongsang_to_standard_translator',
  'standard→jeju': 'eunjin/kobart_jeju_translator',
  'jeju→standard': 'eunjin/kobart_jeju_to_standard_translator',
};
/** The original app's generation settings. */
export const HUB_GENERATION = { num_beams: 4, no_repeat_ngram_size: 2 } as const;

/** What a transformers.js text2text pipeline is to us: text in, `[{ generated_text }]` out. */
export type Text2Text = (
  text: string,
  opts: Record<string, unknown>,
) => Promise<{ generated_text: string }[] | { generated_text: string }>;
export type PipelineFactory = (task: 'text2text-generation', model: string) => Promise<Text2Text>;

export interface HubConfig {
  /** Root of converted ONNX folders (`<localDir>/<org>/<name>/onnx/*.onnx`); null for none. */
  localDir: string | null;
  /** Let transformers.js download from the hub (off when HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE is set). */
  allowRemote: boolean;
  /** How pipelines are made; the default imports @xenova/transformers. Tests pass a fake. */
  factory: PipelineFactory | null;
}
export const hubDefaults = (o: Partial<HubConfig> = {}): HubConfig => ({
  localDir: process.env.HAI_HUB_TRANSLATORS ?? null,
  allowRemote: false,
  factory: null,
  ...o,
});

// @xenova/transformers is ESM-only; a real dynamic import (not compiled to require) loads it from CommonJS.
const esmImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

async function xenovaFactory(cfg: HubConfig): Promise<PipelineFactory> {
  const t = await esmImport('@xenova/transformers');
  t.env.allowRemoteModels = cfg.allowRemote && !hubOffline();
  if (cfg.localDir) t.env.localModelPath = cfg.localDir;
  t.env.allowLocalModels = Boolean(cfg.localDir);
  return (task, model) => t.pipeline(task, model);
}

export const hopName = (h: Hop) => `${h.from}→${h.to}`;

/** A hub model that cannot be used here (not converted, not downloadable, or failing to load): HTTP 503. */
export class TranslatorUnavailableError extends Error {}

export class HubTranslator implements Translator {
  readonly kind = 'hub';
  /** The original app's own models. */
  readonly standin = false;
  readonly config: HubConfig;
  private pipes = new Map<string, Promise<Text2Text>>();
  constructor(cfg: Partial<HubConfig> = {}) {
    this.config = hubDefaults(cfg);
  }

  describe() {
    const where = this.config.factory
      ? 'a given pipeline factory'
      : this.config.localDir
        ? `converted ONNX folders under ${this.config.localDir}`
        : 'the hub (remote loading)';
    const gen = `beam ${HUB_GENERATION.num_beams}, no_repeat_ngram_size ${HUB_GENERATION.no_repeat_ngram_size}`;
    return {
      en:
        `the original app's four KoBART models (${Object.values(HUB_MODELS).join(', ')}) from ${where}, on ` +
        `@xenova/transformers (onnxruntime), ${gen}`,
      ko: `원래 앱의 KoBART 모델 네 개 (${where}, @xenova/transformers; ${gen})`,
    };
  }

  /** Why a hop (or, with none given, every hop) cannot run here; null when it can. */
  unavailable(from?: Variety, to?: Variety): string | null {
    const hops =
      from && to
        ? route(from, to)
        : Object.keys(HUB_MODELS).map((k) => {
            const [f, t] = k.split('→') as Variety[];
            return { from: f, to: t };
          });
    for (const h of hops) {
      const id = HUB_MODELS[hopName(h)];
      if (!id)
        return (
          `no hub model translates ${hopName(h)} (the original app had models for Gyeongsang and Jeju only); ` +
          'use the corpus translator'
        );
      if (this.config.factory) continue;
      const local = this.config.localDir && fs.existsSync(path.join(this.config.localDir, id, 'onnx'));
      if (local) continue;
      if (!this.config.allowRemote)
        return (
          `hub model ${id} is not available: no converted ONNX folder ` +
          (this.config.localDir
            ? path.join(this.config.localDir, id, 'onnx')
            : '(give --hub-dir or HAI_HUB_TRANSLATORS)') +
          ' and remote loading is off'
        );
      if (hubOffline())
        return (
          `hub model ${id} is not available: HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE is set and no converted ` +
          'folder is given'
        );
    }
    return null;
  }

  private pipe(id: string): Promise<Text2Text> {
    // Each model loads once; later calls share the same promise (the original app's st.cache).
    if (!this.pipes.has(id)) {
      const p = (async () => {
        try {
          return await (this.config.factory ?? (await xenovaFactory(this.config)))('text2text-generation', id);
        } catch (e) {
          throw new TranslatorUnavailableError(`hub model ${id} could not be loaded: ${(e as Error).message}`);
        }
      })();
      p.catch(() => this.pipes.delete(id));
      this.pipes.set(id, p);
    }
    return this.pipes.get(id)!;
  }

  async translate(text: string, from: Variety, to: Variety): Promise<TranslationResult> {
    const why = this.unavailable(from, to);
    if (why) throw new TranslatorUnavailableError(why);
    const hops = route(from, to);
    let cur = text;
    const done: TranslationResult['hops'] = [];
    for (const h of hops) {
      const out = await (await this.pipe(HUB_MODELS[hopName(h)]))(cur, { ...HUB_GENERATION });
      const first = Array.isArray(out) ? out[0] : out;
      if (!first || typeof first.generated_text !== 'string')
        throw new Error(`${HUB_MODELS[hopName(h)]}: the pipeline returned no generated_text`);
      cur = first.generated_text;
      done.push({ ...h, output: cur, active: true });
    }
    return { output: cur, route: routeName(hops, from), hops: done, ...outcome('hub', text, cur, done) };
  }
}
