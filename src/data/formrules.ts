/**
 * The rules that turn one AI Hub utterance's `form` into its standard and the dialect string: the course's pair
 * pattern and `convertForm` (the original notebook's rules, described in src/data/aihub.ts), and the `clean`
 * mode's `cleanForm`, which also drops what is not a region's dialect (`colloquialOnly`) and counts what each
 * rule did. Files, region labels and the table are in src/data/aihub.ts.
 *
 * Introduced in notebooks/01_data.ipynb.
 */

/** The course's pair pattern, unchanged: Hangul syllables, spaces and `.!?` inside each parenthesis. */
export const PAIR_PATTERN = /\([가-힣 .!?]*\)\/\([가-힣 .!?]*\)/g;

/** Python's `s.replace(old, new)`: every non-overlapping occurrence, left to right. */
const replaceAll = (s: string, old: string, rep: string) => s.split(old).join(rep);

/** One utterance's two rows, or null when it has no pair or every pair is unchanged. */
export function convertForm(form: string): { standard: string; dialect: string } | null {
  const cleaned = replaceAll(replaceAll(replaceAll(form, '*', ''), '#', ''), '(())', '');
  const pairs = cleaned.match(PAIR_PATTERN);
  if (!pairs) return null;
  let standard = cleaned,
    dialect = cleaned,
    differs = false;
  for (const p of pairs) {
    const cut = p.indexOf(')/(');
    const d = p.slice(1, cut),
      s = p.slice(cut + 3, -1);
    standard = replaceAll(standard, p, s);
    dialect = replaceAll(dialect, p, d);
    if (d !== s) differs = true;
  }
  return differs ? { standard, dialect } : null;
}

/** Plain → tense initial consonants (ㄱㄲ ㄷㄸ ㅂㅃ ㅅㅆ ㅈㅉ), by index in the Unicode initial order. */
const TENSE: Record<number, number> = { 0: 1, 3: 4, 7: 8, 9: 10, 12: 13 };
const syll = (ch: string) => {
  const c = ch.charCodeAt(0) - 0xac00;
  return c >= 0 && c < 11172 ? { ini: Math.floor(c / 588), med: Math.floor((c % 588) / 28), fin: c % 28 } : null;
};

/**
 * True when a marked pair differs only in ways any Korean speaker's casual speech does, not a region's:
 * tensed initials (좀→쫌, 적었잖아→쩍었잖아) and ㅗ→ㅜ raising (가지고→가지구), syllable by
 * syllable.
 */
export function colloquialOnly(dialect: string, standard: string): boolean {
  if (dialect === standard || dialect.length !== standard.length) return false;
  for (let i = 0; i < dialect.length; i++) {
    if (dialect[i] === standard[i]) continue;
    const d = syll(dialect[i]),
      s = syll(standard[i]);
    if (!d || !s || d.fin !== s.fin) return false;
    const tensed = d.med === s.med && (TENSE[s.ini] === d.ini || TENSE[d.ini] === s.ini);
    const raised = d.ini === s.ini && ((s.med === 8 && d.med === 13) || (s.med === 13 && d.med === 8));
    if (!tensed && !raised) return false;
  }
  return true;
}

/** What each clean rule did, counted over utterances (or rows, for duplicates). */
export interface CleanStats {
  uncertain_unwrapped: number;
  uncertain_dropped: number;
  events_removed: number;
  names_removed: number;
  false_starts_removed: number;
  colloquial_pairs_neutralised: number;
  dropped_colloquial_only: number;
  dropped_empty: number;
  duplicates_dropped: number;
}
export const emptyCleanStats = (): CleanStats => ({
  uncertain_unwrapped: 0,
  uncertain_dropped: 0,
  events_removed: 0,
  names_removed: 0,
  false_starts_removed: 0,
  colloquial_pairs_neutralised: 0,
  dropped_colloquial_only: 0,
  dropped_empty: 0,
  duplicates_dropped: 0,
});

/**
 * The `clean` preprocessing (documented rule by rule in data/README.md): the course's rules, plus
 * `((word))` unwrapped (dropped when the transcriber wrote xx), `@웃음`/`{laughing}` events, `&이름1&`
 * anonymised names and `-있-` false-start marks removed, colloquial-only pairs written in standard spelling on
 * both sides (an utterance left with no real dialect pair is dropped), and whitespace collapsed.
 */
export function cleanForm(
  form: string,
  stats: CleanStats = emptyCleanStats(),
): { standard: string; dialect: string } | null {
  let f = replaceAll(replaceAll(replaceAll(form, '*', ''), '#', ''), '(())', '');
  f = f.replace(/\(\(([^()]*)\)\)/g, (_, inner: string) => {
    if (/^[가-힣 .!?]+$/.test(inner)) {
      stats.uncertain_unwrapped++;
      return inner;
    }
    stats.uncertain_dropped++;
    return ' ';
  });
  const pairs = f.match(PAIR_PATTERN);
  if (!pairs) return null;
  let standard = f,
    dialect = f,
    differs = false,
    neutralised = 0,
    anyDiff = false;
  for (const p of pairs) {
    const cut = p.indexOf(')/(');
    const d = p.slice(1, cut),
      s = p.slice(cut + 3, -1);
    const casual = colloquialOnly(d, s);
    if (casual) neutralised++;
    anyDiff ||= d !== s;
    standard = replaceAll(standard, p, s);
    dialect = replaceAll(dialect, p, casual ? s : d);
    if (d !== s && !casual) differs = true;
  }
  stats.colloquial_pairs_neutralised += neutralised;
  if (!differs) {
    if (anyDiff) stats.dropped_colloquial_only++;
    return null;
  }
  const tidy = (x: string) => {
    let y = x.replace(/@[가-힣]+|\{[a-z]+\}/g, ' ');
    y = y.replace(/&[^&\s]+&/g, ' ');
    y = y.replace(/(^|\s)-[가-힣]+-(?=\s|$)/g, ' ');
    return y.replace(/\s+/g, ' ').trim();
  };
  if (/@[가-힣]+|\{[a-z]+\}/.test(f)) stats.events_removed++;
  if (/&[^&\s]+&/.test(f)) stats.names_removed++;
  if (/(^|\s)-[가-힣]+-(?=\s|$)/.test(f)) stats.false_starts_removed++;
  standard = tidy(standard);
  dialect = tidy(dialect);
  if (!standard || !dialect) {
    stats.dropped_empty++;
    return null;
  }
  return { standard, dialect };
}
