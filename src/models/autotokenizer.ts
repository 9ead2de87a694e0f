/**
 * Hugging Face's `AutoTokenizer.from_pretrained`: a local folder, or a hub id resolved as models are (the cache
 * in Python's layout, else a download, else an explicit offline stand-in with its banner). The folder itself is
 * read by `tokenizerFromFolder` (src/text/tokenizer.ts). It lives beside `AutoModelForSequenceClassification`
 * because resolving a hub id may build a stand-in model folder, as transformers keeps both in `models/auto/`.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PreTrainedTokenizer } from '../text/pretrainedtokenizer';
import { TokenizerOptions, tokenizerFromFolder } from '../text/tokenizer';
import { ModelUnavailableError, resolveModel } from './hubcache';
import { buildStandin, standinBanner, standinModelType, standinRequested } from './standin';

export class AutoTokenizer {
  /**
   * The folder's class is resolved as transformers 4.2x resolves it (tokenizer_config.json, config.json, model_type:
   * `resolveTokenizerClass`), so `monologg/distilkobert` gives WordPiece unless `tokenizer_class: 'KoBertTokenizer'`
   * is passed; `standin` allows an offline stand-in for a hub id.
   */
  static async from_pretrained(
    pathOrId: string,
    options: TokenizerOptions & { standin?: boolean } = {},
  ): Promise<PreTrainedTokenizer> {
    const { standin, ...opts } = options;
    options = opts;
    let dir = path.resolve(pathOrId);
    if (!fs.existsSync(dir)) {
      if (!/^[\w][\w.-]*(\/[\w][\w.-]*)?$/.test(pathOrId)) throw new Error(`${dir}: no such folder`);
      // A hub id: the cache (Python's layout), else a download, else an explicit stand-in — as models load.
      try {
        dir = (await resolveModel(pathOrId)).dir;
      } catch (e) {
        if (!(e instanceof ModelUnavailableError) || !standinRequested(standin)) throw e;
        dir = buildStandin(pathOrId);
        process.stderr.write(standinBanner(pathOrId, dir, { model_type: standinModelType(pathOrId) }) + '\n');
      }
    }
    return tokenizerFromFolder(dir, options);
  }
}
