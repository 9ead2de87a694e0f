/**
 * Model folders from the Hugging Face hub, cached exactly where and how Python's `huggingface_hub` caches
 * them, so a model a student already downloaded in Python is not downloaded again (and the other way round):
 *
 *   $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub)
 *     models--<org>--<name>/refs/main            the commit hash `main` points to
 *     models--<org>--<name>/snapshots/<commit>/  the files, symlinks into blobs/
 *     models--<org>--<name>/blobs/<etag>
 *
 * Downloading uses @huggingface/hub. `HF_HUB_OFFLINE=1` (or `local_files_only`) never touches the network;
 * a model that is neither cached nor downloadable fails with a message that names it and says how to get
 * it, unless offline stand-ins were asked for (src/models/standin.ts), which are never substituted silently.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadFileToCacheDir, getHFHubCachePath, listFiles, modelInfo } from '@huggingface/hub';
import { envTrue } from '../util/env';

/** `org/name` or a bare `name`, as the hub spells repository ids. */
export const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** Files a classifier folder may need; only those the repository has are fetched. */
export const WEIGHT_FILES = [
  'model.safetensors',
  'model.safetensors.index.json',
  'pytorch_model.bin',
  'pytorch_model.bin.index.json',
];
export const TOKENIZER_FILES = [
  'vocab.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.json',
  'tokenizer_78b3253a26.model',
];

export interface HubOptions {
  cache_dir?: string;
  revision?: string;
  /** Never use the network, as `HF_HUB_OFFLINE=1`. */
  local_files_only?: boolean;
  /** Where progress and notes go (default: stderr). */
  log?: (line: string) => void;
  /** For tests and proxies: the hub's address (default $HF_ENDPOINT or https://huggingface.co) and fetch. */
  hubUrl?: string;
  fetch?: typeof fetch;
}

export const hubOffline = () => envTrue(process.env.HF_HUB_OFFLINE) || envTrue(process.env.TRANSFORMERS_OFFLINE);
/**
 * The cache folder, with huggingface_hub's precedence: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub,
 * XDG_CACHE_HOME.
 */
export const hubCacheDir = (o: { cache_dir?: string } = {}) => o.cache_dir ?? getHFHubCachePath();
export const repoFolder = (repoId: string, cacheDir: string) =>
  path.join(cacheDir, `models--${repoId.split('/').join('--')}`);

const hasWeights = (dir: string) => WEIGHT_FILES.some((f) => fs.existsSync(path.join(dir, f)));

/** The cached snapshot folder of `repoId` at `revision` (a branch via refs/, or a commit hash), or null. */
export function cachedSnapshot(repoId: string, o: { cache_dir?: string; revision?: string } = {}): string | null {
  const repo = repoFolder(repoId, hubCacheDir(o));
  const revision = o.revision ?? 'main';
  let commit = revision;
  const ref = path.join(repo, 'refs', revision);
  if (fs.existsSync(ref)) commit = fs.readFileSync(ref, 'utf8').trim();
  const dir = path.join(repo, 'snapshots', commit);
  return fs.existsSync(path.join(dir, 'config.json')) && hasWeights(dir) ? dir : null;
}

export type Source = 'local' | 'cache' | 'download';
export interface Resolved {
  dir: string;
  source: Source;
  repoId?: string;
}

/** Thrown when a hub id can be had neither from the cache nor from the network (stand-ins may step in). */
export class ModelUnavailableError extends Error {
  constructor(
    readonly repoId: string,
    reason: string,
    cacheDir: string,
  ) {
    super(
      `'${repoId}' is not a local folder (${path.resolve(repoId)}), not in the Hugging Face cache (${cacheDir}), ` +
        `and ${reason}. To get it: run once with internet ` +
        `(and without HF_HUB_OFFLINE=1), or in Python \`huggingface-cli download ${repoId}\` (same cache), ` +
        `or copy its models--${repoId.split('/').join('--')} folder into the cache, ` +
        'or pass the path of a folder holding config.json and the weights. ' +
        `For a labelled offline stand-in (NOT the pre-trained model) set HAI_STANDIN=1.`,
    );
    this.name = 'ModelUnavailableError';
  }
}

/** A local folder as is; a hub id from the cache, else downloaded into it. */
export async function resolveModel(idOrPath: string, o: HubOptions = {}): Promise<Resolved> {
  const local = path.resolve(idOrPath);
  if (fs.existsSync(local)) {
    if (!fs.statSync(local).isDirectory())
      throw new Error(`${local}: expected a model folder (config.json + weights), got a file`);
    return { dir: local, source: 'local' };
  }
  if (!REPO_ID.test(idOrPath) || idOrPath.startsWith('.') || idOrPath.includes('..')) {
    throw new Error(`${local}: no such folder (and '${idOrPath}' is not a hub id like org/name)`);
  }
  const cacheDir = hubCacheDir(o);
  const cached = cachedSnapshot(idOrPath, o);
  if (cached) return { dir: cached, source: 'cache', repoId: idOrPath };
  if (o.local_files_only || hubOffline()) {
    throw new ModelUnavailableError(
      idOrPath,
      o.local_files_only ? 'local_files_only forbids downloading it' : 'HF_HUB_OFFLINE=1 forbids downloading it',
      cacheDir,
    );
  }
  return { dir: await downloadModel(idOrPath, o), source: 'download', repoId: idOrPath };
}

const mb = (n: number) => (n / 2 ** 20).toFixed(1);

/**
 * Downloads config, weights (safetensors when the repository has it, else pytorch_model.bin) and tokenizer
 * files of `repoId` into the cache, in Python's layout (refs/<revision> → snapshots/<commit> → blobs/),
 * printing progress. Returns the snapshot folder.
 */
export async function downloadModel(repoId: string, o: HubOptions = {}): Promise<string> {
  // With the default log (stderr) a progress line is redrawn in place; a custom log gets one line per file.
  const live = !o.log;
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const cacheDir = hubCacheDir(o);
  const revision = o.revision ?? 'main';
  const common = {
    hubUrl: o.hubUrl ?? process.env.HF_ENDPOINT,
    fetch: o.fetch,
    cacheDir,
    ...(process.env.HF_TOKEN ? { accessToken: process.env.HF_TOKEN } : {}),
  };
  let sha: string;
  const sizes = new Map<string, number>();
  try {
    const info = await modelInfo({ ...common, name: repoId, revision, additionalFields: ['sha'] });
    sha = String((info as { sha?: string }).sha);
    for await (const e of listFiles({ ...common, repo: { type: 'model', name: repoId }, revision: sha })) {
      if (e.type === 'file') sizes.set(e.path, e.lfs?.size ?? e.size);
    }
  } catch (e) {
    const msg = (e as Error).message;
    if (/not found|404|401|Repository Not Found/i.test(msg))
      throw new Error(`'${repoId}' was not found on the Hugging Face hub (${msg})`);
    const cause = (e as { cause?: Error }).cause;
    throw new ModelUnavailableError(
      repoId,
      `the hub could not be reached (${msg}${cause ? `: ${cause.message}` : ''})`,
      cacheDir,
    );
  }
  if (!sizes.has('config.json'))
    throw new Error(`'${repoId}' has no config.json on the hub: it is not a transformers model`);
  const weights =
    sizes.has('model.safetensors') || sizes.has('model.safetensors.index.json')
      ? ['model.safetensors', 'model.safetensors.index.json']
      : ['pytorch_model.bin', 'pytorch_model.bin.index.json'];
  const shards = [...sizes.keys()].filter(
    (f) => /^(model|pytorch_model)-\d+-of-\d+\.(safetensors|bin)$/.test(f) && f.startsWith(weights[0].split('.')[0]),
  );
  const wanted = ['config.json', ...weights, ...shards, ...TOKENIZER_FILES].filter((f) => sizes.has(f));
  if (!wanted.some((f) => WEIGHT_FILES.includes(f)))
    throw new Error(`'${repoId}' has neither model.safetensors nor pytorch_model.bin on the hub`);
  const repoDir = repoFolder(repoId, cacheDir);
  if (revision !== sha) {
    fs.mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repoDir, 'refs', revision), sha);
  }
  const total = wanted.reduce((a, f) => a + (sizes.get(f) ?? 0), 0);
  let done = 0;
  log(`downloading ${repoId} (${wanted.length} files, ${mb(total)} MB) into ${repoDir}`);
  const debug = console.debug;
  for (const f of wanted) {
    // Progress: the size of the blob's `.incomplete` file while @huggingface/hub streams into it.
    const timer =
      live &&
      setInterval(() => {
        const blobs = path.join(repoDir, 'blobs');
        let now = 0;
        try {
          for (const b of fs.readdirSync(blobs))
            if (b.endsWith('.incomplete')) now += fs.statSync(path.join(blobs, b)).size;
        } catch {
          /* not yet */
        }
        process.stderr.write(
          `\r  ${f}: ${mb(done + now)}/${mb(total)} MB (${Math.floor(((done + now) / Math.max(1, total)) * 100)}%)   `,
        );
      }, 500);
    console.debug = () => {}; // @huggingface/hub announces each file with console.debug, i.e. on stdout
    try {
      await downloadFileToCacheDir({ ...common, repo: { type: 'model', name: repoId }, path: f, revision: sha });
    } catch (e) {
      throw new ModelUnavailableError(repoId, `downloading ${f} failed (${(e as Error).message})`, cacheDir);
    } finally {
      if (timer) clearInterval(timer);
      console.debug = debug;
    }
    done += sizes.get(f) ?? 0;
    log(`${live ? '\r' : ''}  ${f}: ${mb(sizes.get(f) ?? 0)} MB done${live ? ' '.repeat(20) : ''}`);
  }
  return path.join(repoDir, 'snapshots', sha);
}
