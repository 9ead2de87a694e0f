/**
 * The app's input checks and its errors. Every error has an English and a Korean message (the page is Korean);
 * every look-up by a name the visitor gave is an own-property check or a Map, so `__proto__`, `constructor` or
 * `toString` are unknown names (400, with the accepted ones), never a path into Object.prototype (500).
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import { UnknownVarietyError, VARIETY_NAMES, Variety, parseVariety } from '../translate/corpustranslator';

/** An HTTP error with both messages; `extra` goes into the JSON body beside them (e.g. `accepted`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly messageKo: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get body() {
    return { error: this.message, error_ko: this.messageKo, ...this.extra };
  }
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The request body's own field `name` (a 400 naming it when absent). */
export function field(body: Record<string, unknown>, name: string): unknown {
  if (!hasOwn(body, name)) throw new HttpError(400, `missing field "${name}"`, `"${name}" 필드가 없습니다`);
  return body[name];
}

/** The trimmed text, or a 400 that says what is wrong with it. */
export function checkText(body: Record<string, unknown>, maxChars: number): string {
  const text = field(body, 'text');
  if (typeof text !== 'string')
    throw new HttpError(400, 'field "text" must be a string', '"text" 필드는 문자열이어야 합니다');
  if (!text.trim())
    throw new HttpError(
      400,
      'field "text" is empty: type a sentence',
      '입력 텍스트가 비어 있습니다: 문장을 입력하세요',
    );
  const n = [...text].length;
  if (n > maxChars)
    throw new HttpError(
      400,
      `field "text" has ${n} characters; the limit is ${maxChars}`,
      `입력 텍스트가 ${n}자입니다. ${maxChars}자까지 받습니다`,
    );
  return text.trim();
}

const AUTO = new Set(['auto', '자동']);

/** A variety (or 'auto' where allowed) from a field; unknown names get a 400 listing the accepted ones. */
export function variety(v: unknown, name: string, allowAuto: boolean): Variety | 'auto' {
  const accepted = [...(allowAuto ? [...AUTO] : []), ...VARIETY_NAMES];
  if (typeof v !== 'string')
    throw new HttpError(400, `field "${name}" must be a string`, `"${name}" 필드는 문자열이어야 합니다`, { accepted });
  if (allowAuto && AUTO.has(v.trim())) return 'auto';
  try {
    return parseVariety(v);
  } catch (e) {
    if (!(e instanceof UnknownVarietyError)) throw e;
    throw new HttpError(
      400,
      `field "${name}": ${e.message}${allowAuto ? ' (or auto / 자동)' : ''}`,
      `"${name}" 필드: 알 수 없는 언어 '${v}'. 받는 이름: ${accepted.join(', ')}`,
      { accepted },
    );
  }
}

/** The translators a request may name (a Map: see the module comment). */
export const TRANSLATORS = new Map([
  ['corpus', 'corpus'],
  ['hub', 'hub'],
] as const);

export function translatorName(v: unknown): 'corpus' | 'hub' {
  const t = typeof v === 'string' ? TRANSLATORS.get(v as 'corpus') : undefined;
  if (t) return t;
  throw new HttpError(
    400,
    `field "translator" must be "corpus" or "hub", got ${JSON.stringify(v)}`,
    `"translator" 필드는 "corpus"(말뭉치 번역표) 또는 "hub"(허브 KoBART 모델)여야 합니다`,
    { accepted: [...TRANSLATORS.keys()] },
  );
}

/**
 * A 415 unless the request says its body is JSON (`application/json`, any parameters, or a `+json` type): a
 * form or text/plain body is not parsed as JSON behind the sender's back.
 */
export function checkContentType(header: string | undefined): HttpError | null {
  const type = (header ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return null;
  return new HttpError(
    415,
    `the request body must be JSON with content-type: application/json (got ${header ? `"${header}"` : 'none'})`,
    `요청 본문은 content-type: application/json 인 JSON이어야 합니다`,
  );
}
