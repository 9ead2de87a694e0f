/**
 * `hai serve`: the course's translator web app (the original was Streamlit) on Node's http module. One
 * Korean page (page.ts) and a JSON API:
 *
 *   POST /api/translate {text, source, target, translator?}
 *        → {detected?, route, output, changed, reason, from, to, translator, standin, hops}
 *   POST /api/classify  {text}  → {label, name, probs, detector, standin}
 *   GET  /api/info              → what is loaded, and what runs (`parts`: the page's banners and footer)
 *
 * `changed: false` with a `reason` ({code, en, ko}) says the output is the input: the page then shows the reason,
 * not a "translation". Bad input gets a 4xx with {"error", "error_ko"} (input.ts): empty text, text over
 * `maxChars`, an unknown source, target or translator (with `accepted`), malformed JSON (400), a body that is not
 * declared JSON (415), over 64 KB (413). `source: "auto"` with no detector gets a 503 that says how to get one.
 * Models are made once, when the app is made (or, for a checkpoint, on first use) and kept.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as http from 'node:http';
import { Translator, Variety } from '../translate/corpustranslator';
import { TranslatorUnavailableError } from '../translate/kobart';
import { Detector, detectSource } from './detect';
import { renderPage } from './page';
export { HttpError } from './input';
import { HttpError, checkContentType, checkText, field, translatorName, variety } from './input';
import { classifierPart, translatorPart } from './provenance';

export interface AppConfig {
  translator: Translator;
  /** The hub models' translator, when asked for (`translator: "hub"` in a request). */
  hub: Translator | null;
  detector: Detector | null;
  /** Longest text accepted, in characters. */
  maxChars: number;
}
export const appDefaults = (o: Partial<AppConfig> & { translator: Translator }): AppConfig => ({
  hub: null,
  detector: null,
  maxChars: 500,
  ...o,
});

const MAX_BODY = 64 * 1024;

const NO_DETECTOR = (what: string) =>
  new HttpError(
    503,
    `${what} needs a classifier and this server has none: start it with --model <checkpoint> ` +
      '(train one: hai train --preset fast --standin), or without --detector none for the Naive Bayes baseline, ' +
      'or pick the source variety',
    `${what === '/api/classify' ? '분류' : '자동 분류'}에 쓸 분류기가 이 서버에 없습니다: ` +
      '--model <체크포인트> 로 시작하거나 입력 언어를 고르세요',
  );

/** The API as a plain function (what the server calls and the tests call): status and JSON body. */
export async function handleApi(
  cfg: AppConfig,
  route: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  try {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new HttpError(400, 'the request body must be a JSON object', '요청 본문은 JSON 객체여야 합니다');
    const b = body as Record<string, unknown>;
    if (route === '/api/classify') {
      const text = checkText(b, cfg.maxChars);
      if (!cfg.detector) throw NO_DETECTOR('/api/classify');
      return { status: 200, json: (await detectSource(cfg.detector, text, 'auto')).detected };
    }
    if (route === '/api/translate') {
      const text = checkText(b, cfg.maxChars);
      const source = variety(field(b, 'source'), 'source', true),
        target = variety(field(b, 'target'), 'target', false) as Variety;
      const which = b.translator === undefined ? 'corpus' : translatorName(b.translator);
      const tr = which === 'hub' ? cfg.hub : cfg.translator;
      if (!tr)
        throw new HttpError(
          503,
          'the hub translator is not set up on this server (start it with --hub-dir <converted ONNX folders>)',
          '이 서버에는 허브 번역 모델이 없습니다 (--hub-dir <변환한 ONNX 폴더> 로 시작하세요)',
        );
      if (source === 'auto' && !cfg.detector) throw NO_DETECTOR('source "auto"');
      const { from, detected } = await detectSource(cfg.detector, text, source);
      const why = tr.unavailable(from, target);
      if (why) throw new HttpError(503, why, `이 번역기로는 번역할 수 없습니다: ${why}`);
      const r = await tr.translate(text, from, target);
      return {
        status: 200,
        json: {
          ...(detected ? { detected } : {}),
          route: r.route,
          output: r.output,
          changed: r.changed,
          reason: r.reason,
          from,
          to: target,
          translator: tr.kind,
          standin: tr.standin,
          hops: r.hops,
        },
      };
    }
    throw new HttpError(404, `no such API: ${route}`, `없는 API입니다: ${route}`);
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, json: e.body };
    if (e instanceof TranslatorUnavailableError)
      return { status: 503, json: { error: e.message, error_ko: `번역 모델을 쓸 수 없습니다: ${e.message}` } };
    return {
      status: 500,
      json: { error: `internal error: ${(e as Error).message}`, error_ko: `서버 내부 오류: ${(e as Error).message}` },
    };
  }
}

function send(res: http.ServerResponse, status: number, body: string, type: string) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';
const sendError = (res: http.ServerResponse, e: HttpError) => send(res, e.status, JSON.stringify(e.body), JSON_TYPE);

/** What runs (classifier, translator, hub) for the page's banners and footer and for /api/info. */
export const appParts = (cfg: AppConfig) => ({
  classifier: classifierPart(cfg.detector),
  translator: translatorPart(cfg.translator),
  hub: cfg.hub ? { ...translatorPart(cfg.hub), available: cfg.hub.unavailable() ?? 'available' } : null,
});

/** The http server (not yet listening). */
export function createAppServer(cfg: AppConfig): http.Server {
  const parts = appParts(cfg);
  const page = renderPage({ maxChars: cfg.maxChars, ...parts });
  const info = JSON.stringify({
    translator: cfg.translator.kind,
    hub: parts.hub?.available ?? null,
    detector: cfg.detector?.description ?? null,
    maxChars: cfg.maxChars,
    parts,
  });
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html'))
      return send(res, 200, page, 'text/html; charset=utf-8');
    if (req.method === 'GET' && url.pathname === '/api/info') return send(res, 200, info, JSON_TYPE);
    if (!url.pathname.startsWith('/api/'))
      return send(res, 404, 'not found / 찾을 수 없습니다', 'text/plain; charset=utf-8');
    if (req.method !== 'POST')
      return sendError(
        res,
        new HttpError(
          405,
          `${url.pathname} takes POST with a JSON body`,
          `${url.pathname} 는 JSON 본문의 POST만 받습니다`,
        ),
      );
    const chunks: Buffer[] = [];
    let size = 0,
      tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', async () => {
      if (tooBig)
        return sendError(
          res,
          new HttpError(413, `request body over ${MAX_BODY} bytes`, `요청 본문이 ${MAX_BODY}바이트를 넘습니다`),
        );
      const badType = checkContentType(req.headers['content-type']);
      if (badType) return sendError(res, badType);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return sendError(
          res,
          new HttpError(400, `malformed JSON: ${(e as Error).message}`, 'JSON 형식이 잘못되었습니다'),
        );
      }
      const r = await handleApi(cfg, url.pathname, body);
      send(res, r.status, JSON.stringify(r.json), JSON_TYPE);
    });
  });
}

/** Starts listening; resolves with the server and its URL (port 0 picks a free port). */
export function listen(server: http.Server, port: number, host: string): Promise<{ server: http.Server; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : port;
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${p}/` });
    });
  });
}
