/**
 * The four varieties and their names, the original app's routing, what every translator offers, and what a
 * translation says about itself: whether it changed the text and, when it did not (or did not reach the target),
 * why, in English and Korean, so the app never presents an unchanged input as a translation.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import type { Step } from './apply';

/** The four varieties, by label: 0 standard, 1 Gyeongsang, 2 Jeju, 3 Jeolla. */
export const VARIETIES = ['standard', 'gyeongsang', 'jeju', 'jeolla'] as const;
export type Variety = (typeof VARIETIES)[number];
// A Map, not an object: a name like `toString` or `__proto__` must not find Object.prototype's members.
const KOREAN = new Map<string, Variety>([
  ['표준어', 'standard'],
  ['표준', 'standard'],
  ['경상도', 'gyeongsang'],
  ['경상', 'gyeongsang'],
  ['경상도 방언', 'gyeongsang'],
  ['제주도', 'jeju'],
  ['제주', 'jeju'],
  ['제주도 방언', 'jeju'],
  ['전라도', 'jeolla'],
  ['전라', 'jeolla'],
  ['전라도 방언', 'jeolla'],
]);
/** The Korean names of the varieties, by label (for messages). */
export const VARIETY_KO = ['표준어', '경상도', '제주도', '전라도'] as const;
/** Every name `parseVariety` accepts, for error messages. */
export const VARIETY_NAMES = [...VARIETIES, ...KOREAN.keys(), '0', '1', '2', '3'];

/** A name that is not a variety; `accepted` lists what is (the app answers 400 with them). */
export class UnknownVarietyError extends Error {
  readonly accepted = VARIETY_NAMES;
  constructor(readonly given: string) {
    super(`unknown variety '${given}': use one of ${VARIETIES.join(', ')} or 표준어, 경상도, 제주도, 전라도`);
  }
}

/** A variety from its English or Korean name (표준어, 경상도, 제주도, 전라도, with or without 방언), or its label. */
export function parseVariety(name: string): Variety {
  const n = String(name).trim();
  if ((VARIETIES as readonly string[]).includes(n.toLowerCase())) return n.toLowerCase() as Variety;
  const ko = KOREAN.get(n);
  if (ko) return ko;
  if (/^[0-3]$/.test(n)) return VARIETIES[Number(n)];
  throw new UnknownVarietyError(name);
}

/** One hop of a route, e.g. `jeju→standard`. */
export interface Hop {
  from: Variety;
  to: Variety;
}
/** The original app's routing: [] (echo), one hop, or two hops through standard. */
export function route(from: Variety, to: Variety): Hop[] {
  if (from === to) return [];
  if (from === 'standard' || to === 'standard') return [{ from, to }];
  return [
    { from, to: 'standard' },
    { from: 'standard', to },
  ];
}
export const routeName = (hops: Hop[], from: Variety) =>
  hops.length ? [from, ...hops.map((h) => h.to)].join('→') : `${from} (echo)`;

/** Why a translation left the text as it was, or stopped short of the target. */
export interface Reason {
  code: 'same-variety' | 'no-rule' | 'direction-off' | 'model-unchanged';
  en: string;
  ko: string;
}

export interface HopResult extends Hop {
  output: string;
  steps?: Step[];
  /** False when this translator never rewrites in this direction (see `directionOff`). */
  active: boolean;
}
export interface TranslationResult {
  output: string;
  route: string;
  hops: HopResult[];
  /** The output differs from the input (whitespace normalised). */
  changed: boolean;
  /** Null when every hop ran and the text changed. */
  reason: Reason | null;
}

/** What both the corpus tables and the hub models offer (see kobart.ts). */
export interface Translator {
  readonly kind: string;
  /** True when this is not what the original app ran (its four KoBART models): the app shows a banner. */
  readonly standin: boolean;
  /** What runs, for the page's footer and /api/info (file, recipe, runtime). */
  describe(): { en: string; ko: string };
  /** Why this translator cannot run here (a route, or with none given at all), or null when it can. */
  unavailable(from?: Variety, to?: Variety): string | null;
  translate(text: string, from: Variety, to: Variety): Promise<TranslationResult>;
}

/** The regions the original app's hub models cover (as kobart.ts's HUB_MODELS; a test checks they agree). */
export const HUB_REGIONS: readonly Variety[] = ['gyeongsang', 'jeju'];

const ko = (v: Variety) => VARIETY_KO[VARIETIES.indexOf(v)];
const norm = (s: string) => s.trim().replace(/\s+/g, ' ');

/** The reason for a translator that never rewrites `hop` (its tuned thresholds are above every confidence). */
export function directionOff(hop: Hop): Reason {
  const region = hop.from === 'standard' ? hop.to : hop.from;
  const hub = HUB_REGIONS.includes(region);
  return {
    code: 'direction-off',
    en:
      `the offline corpus translator does not translate ${hop.from}→${hop.to}: tuned on held-out conversations, ` +
      `no rewrite beat copying the input` +
      (hub ? '; the hub KoBART models do (translator: hub)' : '; no hub model covers this region either'),
    ko:
      `오프라인 말뭉치 번역기는 ${ko(hop.from)}→${ko(hop.to)} 방향을 번역하지 않습니다 ` +
      `(따로 둔 대화로 조정했을 때 어떤 변환도 그대로 두기보다 낫지 않았습니다)` +
      (hub ? '. 이 방향은 허브 KoBART 모델이 번역합니다 (번역 모델: 허브)' : '. 이 지역은 허브 모델도 없습니다'),
  };
}

/** `changed` and `reason` of a finished translation. */
export function outcome(
  kind: 'corpus' | 'hub',
  input: string,
  output: string,
  hops: HopResult[],
): Pick<TranslationResult, 'changed' | 'reason'> {
  const changed = norm(output) !== norm(input);
  if (!hops.length)
    return {
      changed,
      reason: {
        code: 'same-variety',
        en: 'source and target are the same variety: the text is returned as it is',
        ko: '입력 언어와 목표 언어가 같아 그대로 둡니다',
      },
    };
  const off = hops.find((h) => !h.active);
  if (off) return { changed, reason: directionOff(off) };
  if (changed) return { changed, reason: null };
  if (kind === 'hub')
    return {
      changed,
      reason: {
        code: 'model-unchanged',
        en: 'the model returned the input unchanged',
        ko: '모델이 입력을 그대로 돌려주었습니다',
      },
    };
  return {
    changed,
    reason: { code: 'no-rule', en: 'no rule applies: unchanged', ko: '변환할 규칙이 없어 그대로 둡니다' },
  };
}
