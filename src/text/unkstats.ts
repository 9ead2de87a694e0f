/**
 * How much of a corpus a tokenizer does not know, as the course's encoding sees it: every row as
 * `[CLS] text [SEP]`, its tokens, their [UNK] share, and — after `courseEncode`'s cut at `maxlen` and its mask
 * `id > 0` — the share of real tokens the model cannot attend to. With KoBERT's vocabulary [UNK] is id 0, the id
 * the course also padded with, so every [UNK] is masked like padding: not just unknown but invisible.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import { PreTrainedTokenizer } from './pretrainedtokenizer';

export interface UnkStats {
  rows: number;
  /** Tokens per row, `[CLS]` and `[SEP]` included, before any cut. */
  tokens_per_row: number;
  /** [UNK] ids / all ids, before any cut. */
  unk_share: number;
  /** Rows with at least one [UNK]. */
  rows_with_unk: number;
  /** Within `maxlen` (the cut rows): real tokens whose id is 0, so that the mask `id > 0` hides them. */
  masked_share: number;
  /** Rows longer than `maxlen` (their end, [SEP] included, is cut). */
  rows_cut: number;
  unk_token_id: number;
  maxlen: number;
}

/** `UnkStats` of `texts` under the course's encoding at `maxlen`. */
export function unkStats(tok: PreTrainedTokenizer, texts: string[], maxlen: number): UnkStats {
  let tokens = 0,
    unk = 0,
    rowsWithUnk = 0,
    kept = 0,
    masked = 0,
    cut = 0;
  const unkId = tok.unk_token_id,
    { cls_token, sep_token } = tok.config;
  for (const t of texts) {
    const pieces = tok.tokenize(`${cls_token} ${t} ${sep_token}`); // as courseEncode
    // Counted on ids: a KoBERT piece that vocab.txt lacks is [UNK] only once it becomes an id.
    const all = tok.convert_tokens_to_ids(pieces);
    const u = all.filter((id) => id === unkId).length;
    tokens += all.length;
    unk += u;
    if (u) rowsWithUnk++;
    if (all.length > maxlen) cut++;
    // courseEncode keeps the first maxlen ids (truncating 'post') and masks every id 0, pads and [UNK]s alike.
    const ids = all.slice(0, maxlen);
    kept += ids.length;
    masked += ids.filter((id) => id === 0).length;
  }
  const n = texts.length;
  return {
    rows: n,
    tokens_per_row: n ? tokens / n : 0,
    unk_share: tokens ? unk / tokens : 0,
    rows_with_unk: rowsWithUnk,
    masked_share: kept ? masked / kept : 0,
    rows_cut: cut,
    unk_token_id: unkId,
    maxlen,
  };
}
